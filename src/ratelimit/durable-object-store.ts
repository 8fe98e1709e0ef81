import type { HitResult, RateLimitStore, StoreRule } from './types.ts';

/**
 * The RPC surface of the `RateLimitCounter` Durable Object that {@link DurableObjectStore} uses:
 * `hit(key, rule, now, count)` counts `count` hits at once, in order, and answers each.
 *
 * @example
 * ```ts
 * const results = await env.RATE_LIMIT_COUNTER.getByName('api 192.0.2.1').hit('api 192.0.2.1', rule, Date.now(), 3);
 * ```
 */
export interface RateLimitCounterRpc {
  hit(key: string, rule: StoreRule, now: number, count: number): HitResult[] | Promise<HitResult[]>;
}

/**
 * What {@link DurableObjectStore} needs of a Durable Object namespace: `getByName`. Any
 * `DurableObjectNamespace` satisfies it; it must be bound to the `RateLimitCounter` class, whose
 * stubs answer {@link RateLimitCounterRpc} (checked at run time: a wrong binding fails the store,
 * and the limiter fails open or closed as configured).
 *
 * @example
 * ```ts
 * const ns: CounterNamespace = env.RATE_LIMIT_COUNTER;
 * ```
 */
export interface CounterNamespace {
  getByName(name: string): object;
}

/**
 * Options of {@link DurableObjectStore}.
 *
 * @example
 * ```ts
 * new DurableObjectStore(env.RATE_LIMIT_COUNTER, { maxBatch: 500, denyCacheKeys: 5_000 });
 * ```
 */
export interface DurableObjectStoreOptions {
  /** Coalesce concurrent hits for one key into one RPC (at most one RPC in flight per key per isolate). Default true. */
  batch?: boolean;
  /** Most hits sent in one RPC. Default 1000. */
  maxBatch?: number;
  /** Keys whose "denied until" answer is remembered in this isolate (0 disables). Default 10 000. */
  denyCacheKeys?: number;
}

interface Waiter {
  rule: StoreRule;
  now: number;
  resolve(result: HitResult): void;
  reject(error: unknown): void;
}

interface Queue {
  inflight: boolean;
  waiting: Waiter[];
}

interface Denial {
  until: number;
  limit: number;
}

/**
 * Exact counters across the whole edge: one `RateLimitCounter` Durable Object per key (named by
 * the key, which `rateLimit` namespaces by policy id). Increments are atomic inside the object.
 *
 * Hot keys (one carrier-NAT address with thousands of users) are tamed in the isolate, without
 * giving up exactness:
 * - batching: while an RPC for a key is in flight, further hits for it queue and go as one RPC;
 *   the object decides them one by one, in order, so no more than `limit` are ever allowed.
 * - deny cache: a denied answer carries the earliest time another hit could pass; until then hits
 *   for the key are denied locally. Exact because denied hits are not counted and other traffic
 *   can only push that time later.
 *
 * Construct it once per isolate (or cache it per namespace): the batching state lives in the
 * instance. Runtime-agnostic (no `cloudflare:workers` import); the object itself is in
 * `durable-object.ts`.
 *
 * @example
 * ```ts
 * let store: DurableObjectStore | undefined;
 * app.use(rateLimit({ id: 'api', limit: 100, store: (c) => (store ??= new DurableObjectStore(c.env.RATE_LIMIT_COUNTER)) }));
 * ```
 */
export class DurableObjectStore implements RateLimitStore {
  readonly #namespace: CounterNamespace;
  readonly #batch: boolean;
  readonly #maxBatch: number;
  readonly #denyCacheKeys: number;
  readonly #queues = new Map<string, Queue>();
  readonly #denied = new Map<string, Denial>();

  constructor(namespace: CounterNamespace, options: DurableObjectStoreOptions = {}) {
    if (!namespace || typeof (namespace as Partial<CounterNamespace>).getByName !== 'function') {
      throw new TypeError('DurableObjectStore: "namespace" must be a Durable Object namespace binding (with getByName)');
    }
    const maxBatch = options.maxBatch ?? 1000;
    const denyCacheKeys = options.denyCacheKeys ?? 10_000;
    if (!Number.isSafeInteger(maxBatch) || maxBatch < 1) {
      throw new TypeError(`DurableObjectStore: option "maxBatch" must be a positive integer, got ${String(maxBatch)}`);
    }
    if (!Number.isSafeInteger(denyCacheKeys) || denyCacheKeys < 0) {
      throw new TypeError(`DurableObjectStore: option "denyCacheKeys" must be an integer ≥ 0, got ${String(denyCacheKeys)}`);
    }
    this.#namespace = namespace;
    this.#batch = options.batch ?? true;
    this.#maxBatch = maxBatch;
    this.#denyCacheKeys = denyCacheKeys;
  }

  hit(key: string, rule: StoreRule, now: number): HitResult | Promise<HitResult> {
    const denial = this.#denied.get(key);
    if (denial !== undefined) {
      if (now < denial.until && denial.limit === rule.limit) {
        const wait = denial.until - now;
        return { allowed: false, remaining: 0, resetMs: wait, retryAfterMs: wait };
      }
      this.#denied.delete(key);
    }
    if (!this.#batch) {
      return Promise.resolve(this.#stub(key).hit(key, rule, now, 1)).then((results) => {
        const result = checked(results, 1)[0]!;
        this.#remember(key, rule, now, result);
        return result;
      });
    }
    let queue = this.#queues.get(key);
    if (queue === undefined) {
      queue = { inflight: false, waiting: [] };
      this.#queues.set(key, queue);
    }
    const q = queue;
    return new Promise<HitResult>((resolve, reject) => {
      q.waiting.push({ rule, now, resolve, reject });
      if (!q.inflight) this.#flush(key, q);
    });
  }

  #stub(key: string): RateLimitCounterRpc {
    return this.#namespace.getByName(key) as RateLimitCounterRpc;
  }

  #flush(key: string, queue: Queue): void {
    const batch = queue.waiting.splice(0, this.#maxBatch);
    queue.inflight = true;
    let now = 0;
    for (const w of batch) if (w.now > now) now = w.now;
    const rule = batch[batch.length - 1]!.rule;
    const settle = (): void => {
      queue.inflight = false;
      if (queue.waiting.length > 0) this.#flush(key, queue);
      else this.#queues.delete(key);
    };
    let call: Promise<HitResult[]>;
    try {
      call = Promise.resolve(this.#stub(key).hit(key, rule, now, batch.length));
    } catch (error) {
      call = Promise.reject(error);
    }
    call.then(
      (results) => {
        try {
          checked(results, batch.length).forEach((r, i) => batch[i]!.resolve(r));
          this.#remember(key, rule, now, results[results.length - 1]!);
        } catch (error) {
          for (const w of batch) w.reject(error);
        }
        settle();
      },
      (error: unknown) => {
        for (const w of batch) w.reject(error);
        settle();
      },
    );
  }

  #remember(key: string, rule: StoreRule, now: number, last: HitResult): void {
    // An allowed last hit leaves nothing to cache when a mitigation timeout is set: the first excess
    // hit must reach the object so that it starts the block.
    if (this.#denyCacheKeys === 0 || last.retryAfterMs <= 0 || (last.allowed && rule.mitigationMs > 0)) return;
    this.#denied.delete(key);
    this.#denied.set(key, { until: now + last.retryAfterMs, limit: rule.limit });
    if (this.#denied.size > this.#denyCacheKeys) this.#denied.delete(this.#denied.keys().next().value as string);
  }
}

function checked(results: unknown, count: number): HitResult[] {
  if (!Array.isArray(results) || results.length !== count || !results.every((r) => typeof r?.allowed === 'boolean')) {
    throw new TypeError(`DurableObjectStore: the counter answered ${JSON.stringify(results)?.slice(0, 100)}, expected ${count} results`);
  }
  return results as HitResult[];
}

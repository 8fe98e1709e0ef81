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
  /** A batch in flight longer than this (ms) is presumed lost: the next hit sends its own. Default 2000. */
  staleAfterMs?: number;
}

interface Waiter {
  rule: StoreRule;
  now: number;
  wake(signal: Signal): void;
}

/** What a queued hit is woken with: its answer, an error, or its turn to send the next batch. */
type Signal = { kind: 'result'; result: HitResult } | { kind: 'error'; error: unknown } | { kind: 'lead' };

interface Queue {
  /** When the current leader took over (Date.now(), ms), 0 when no batch is in flight. */
  since: number;
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
 * - batching: while an RPC for a key is in flight, further hits for it queue and go as one RPC
 *   (sent by the first queued request, in its own I/O context); the object decides them one by
 *   one, in order, so no more than `limit` are ever allowed.
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
  readonly #staleAfterMs: number;
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
    const staleAfterMs = options.staleAfterMs ?? 2000;
    if (!Number.isSafeInteger(staleAfterMs) || staleAfterMs < 1) {
      throw new TypeError(`DurableObjectStore: option "staleAfterMs" must be a positive integer, got ${String(staleAfterMs)}`);
    }
    this.#staleAfterMs = staleAfterMs;
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
    return this.#batched(key, rule, now);
  }

  /**
   * Batching without a background task: every RPC is sent by a request that is itself in the batch
   * (its leader), so on Workers the RPC always runs in the I/O context of a request still waiting
   * for it. When a batch returns, the leader wakes the next queued hit to lead the following batch.
   */
  async #batched(key: string, rule: StoreRule, now: number): Promise<HitResult> {
    let queue = this.#queues.get(key);
    if (queue === undefined) {
      queue = { since: 0, waiting: [] };
      this.#queues.set(key, queue);
    }
    const q = queue;
    const clock = Date.now();
    let signal: Signal = { kind: 'lead' };
    if (q.since === 0 || clock - q.since > this.#staleAfterMs) q.since = clock;
    else signal = await new Promise<Signal>((wake) => q.waiting.push({ rule, now, wake }));
    if (signal.kind === 'result') return signal.result;
    if (signal.kind === 'error') throw signal.error;

    const others = q.waiting.splice(0, this.#maxBatch - 1);
    let latest = now;
    for (const w of others) if (w.now > latest) latest = w.now;
    try {
      const results = checked(await this.#stub(key).hit(key, rule, latest, 1 + others.length), 1 + others.length);
      others.forEach((w, i) => w.wake({ kind: 'result', result: results[i + 1]! }));
      this.#remember(key, rule, latest, results[results.length - 1]!);
      return results[0]!;
    } catch (error) {
      for (const w of others) w.wake({ kind: 'error', error });
      throw error;
    } finally {
      const next = q.waiting.shift();
      if (next !== undefined) {
        q.since = Date.now();
        next.wake({ kind: 'lead' });
      } else {
        q.since = 0;
        if (this.#queues.get(key) === q) this.#queues.delete(key);
      }
    }
  }

  #stub(key: string): RateLimitCounterRpc {
    return this.#namespace.getByName(key) as RateLimitCounterRpc;
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

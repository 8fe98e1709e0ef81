import { checkInteger } from './option-checks.ts';
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
 * new DurableObjectStore(env.RATE_LIMIT_COUNTER, { maxLease: 16, leaseMs: 500 });
 * ```
 */
export interface DurableObjectStoreOptions {
  /** Most hits one lease reserves for this isolate (1 disables leases). Default 16. */
  maxLease?: number;
  /** How long leased allowances may be used (ms), never past the end of the current window. Default 1000. */
  leaseMs?: number;
  /** Keys this isolate keeps lease, denial and demand information for (least recently added dropped first). Default 10 000. */
  maxKeys?: number;
}

interface KeyInfo {
  /** The effective limit the information was gathered under (a different factor starts afresh). */
  limit: number;
  /** Leased allowances not used yet, valid until `leaseUntil`. */
  allowances: number;
  leaseUntil: number;
  /** The object's `remaining` right after the lease was reserved, and its reset and retry times. */
  leaseRemaining: number;
  resetAt: number;
  retryAt: number;
  /** Denied locally until then (the object said no hit can pass earlier). */
  deniedUntil: number;
  /** Demand: hits seen in the current and previous lease interval. */
  intervalStart: number;
  hits: number;
  previousHits: number;
  /** An RPC asking for a lease is in flight. */
  leasing: boolean;
}

/**
 * Exact counters across the whole edge: one `RateLimitCounter` Durable Object per address and
 * policy (named by {@link objectName}: the key up to `#`, so the client counters of client keys share
 * their address's object), each key counted on its own inside it. Increments are atomic inside the object, so
 * no more than the limit is ever allowed.
 *
 * Hot keys (one carrier-NAT address with thousands of users) are tamed in the isolate, with no
 * request ever waiting on another request's I/O (Workers forbid that):
 * - leases: a key hit N times in this isolate during the previous `leaseMs` asks the object for up
 *   to min(N, `maxLease`, limit / 8) hits at once; the allowed ones beyond the caller's own are used locally by
 *   the next requests until `leaseMs` or the end of the current window. Never over the limit (each leased hit was counted by the object);
 *   the cost is early denial elsewhere of at most min(`maxLease`, limit / 8) − 1 unused hits per
 *   isolate and lease.
 * - deny cache: a denied answer carries the earliest time another hit could pass; until then hits
 *   for the key are denied locally. Exact: denied hits are not counted and other traffic can only
 *   push that time later.
 *
 * Keep one instance per isolate (e.g. cached per namespace): leases live in the instance.
 * Runtime-agnostic (no `cloudflare:workers` import); the object itself is in `durable-object.ts`.
 *
 * @example
 * ```ts
 * let store: DurableObjectStore | undefined;
 * app.use(rateLimit({ id: 'api', limit: 100, store: (c) => (store ??= new DurableObjectStore(c.env.RATE_LIMIT_COUNTER)) }));
 * ```
 */
export class DurableObjectStore implements RateLimitStore {
  readonly #namespace: CounterNamespace;
  readonly #maxLease: number;
  readonly #leaseMs: number;
  readonly #maxKeys: number;
  readonly #keys = new Map<string, KeyInfo>();

  constructor(namespace: CounterNamespace, options: DurableObjectStoreOptions = {}) {
    if (!namespace || typeof (namespace as Partial<CounterNamespace>).getByName !== 'function') {
      throw new TypeError('DurableObjectStore: "namespace" must be a Durable Object namespace binding (with getByName)');
    }
    this.#namespace = namespace;
    this.#maxLease = positive(options.maxLease ?? 16, 'maxLease', 10_000);
    this.#leaseMs = positive(options.leaseMs ?? 1000, 'leaseMs', 3_600_000);
    this.#maxKeys = positive(options.maxKeys ?? 10_000, 'maxKeys', 1e9);
  }

  hit(key: string, rule: StoreRule, now: number): HitResult | Promise<HitResult> {
    let info = this.#keys.get(key);
    if (info === undefined || info.limit !== rule.limit) {
      info = fresh(rule.limit, now);
      this.#keys.delete(key);
      this.#keys.set(key, info);
      if (this.#keys.size > this.#maxKeys) this.#keys.delete(this.#keys.keys().next().value as string);
    }
    if (now - info.intervalStart >= this.#leaseMs) {
      info.previousHits = now - info.intervalStart >= 2 * this.#leaseMs ? 0 : info.hits;
      info.hits = 0;
      info.intervalStart = now;
    }
    info.hits++;
    if (info.allowances > 0) {
      if (now < info.leaseUntil) {
        return useAllowance(info, now);
      }
      info.allowances = 0;
    }
    if (now < info.deniedUntil) {
      const wait = info.deniedUntil - now;
      return { allowed: false, remaining: 0, resetMs: wait, retryAfterMs: wait };
    }
    // Lease only for demand seen in the previous interval: a one-off burst of concurrent first hits
    // then goes to the object hit by hit and is decided exactly, with nothing reserved in vain.
    // A lease never takes more than an eighth of the limit, so small limits are not hoarded by one isolate.
    const count = info.leasing ? 1 : Math.max(1, Math.min(this.#maxLease, info.previousHits, Math.floor(rule.limit / 8)));
    return this.#call(key, info, rule, now, count);
  }

  async #call(key: string, info: KeyInfo, rule: StoreRule, now: number, count: number): Promise<HitResult> {
    if (count > 1) info.leasing = true;
    try {
      const stub = this.#namespace.getByName(objectName(key)) as RateLimitCounterRpc;
      const results = checked(await stub.hit(key, rule, now, count), count);
      const own = results[0]!;
      let lastAllowed = own;
      let extra = 0;
      for (let i = 1; i < results.length; i++) {
        if (results[i]!.allowed) {
          extra++;
          lastAllowed = results[i]!;
        }
      }
      if (extra > 0) {
        // A lease never outlives the current window: fixed and sliding windows count a hit in the
        // window it was reserved in (token buckets only ever count it early, which is conservative).
        const windowEnd = rule.algorithm === 'token-bucket' ? this.#leaseMs : lastAllowed.resetMs;
        info.allowances = extra;
        info.leaseUntil = now + Math.min(this.#leaseMs, windowEnd);
        info.leaseRemaining = lastAllowed.remaining;
        info.resetAt = now + lastAllowed.resetMs;
        info.retryAt = now + lastAllowed.retryAfterMs;
        own.remaining = lastAllowed.remaining + extra;
        if (own.remaining > 0) own.retryAfterMs = 0;
      }
      if (!own.allowed && info.allowances > 0 && now < info.leaseUntil) {
        // Denied because a lease of this very isolate holds the quota: take one of its hits (counted
        // by the object already), so concurrent requests do not leave a fresh lease unused.
        return useAllowance(info, now);
      }
      const last = results[results.length - 1]!;
      // An allowed last hit leaves nothing to cache when a mitigation timeout is set: the first excess
      // hit must reach the object so that it starts the block.
      if (last.retryAfterMs > 0 && (!last.allowed || rule.mitigationMs === 0)) info.deniedUntil = now + last.retryAfterMs;
      return own;
    } finally {
      if (count > 1) info.leasing = false;
    }
  }
}

/**
 * The Durable Object a key is counted in: the key up to its first `#` (`api 198.51.100.7#c:…` →
 * `api 198.51.100.7`). Address keys contain no `#`, so without client keys every key is its own object.
 *
 * @example
 * ```ts
 * objectName('api 198.51.100.7#all'); // 'api 198.51.100.7'
 * ```
 */
export function objectName(key: string): string {
  const hash = key.indexOf('#');
  return hash < 0 ? key : key.slice(0, hash);
}

function fresh(limit: number, now: number): KeyInfo {
  return {
    limit,
    allowances: 0,
    leaseUntil: 0,
    leaseRemaining: 0,
    resetAt: 0,
    retryAt: 0,
    deniedUntil: 0,
    intervalStart: now,
    hits: 0,
    previousHits: 0,
    leasing: false,
  };
}

function positive(value: unknown, name: string, max: number): number {
  const problem = checkInteger(value, [1, max]);
  if (problem) throw new TypeError(`DurableObjectStore: option "${name}": ${problem}`);
  return value as number;
}

function checked(results: unknown, count: number): HitResult[] {
  if (!Array.isArray(results) || results.length !== count || !results.every((r) => typeof r?.allowed === 'boolean')) {
    throw new TypeError(`DurableObjectStore: the counter answered ${JSON.stringify(results)?.slice(0, 100)}, expected ${count} results`);
  }
  return results as HitResult[];
}

/** Spends one leased allowance (already counted by the object) as an allowed hit. */
function useAllowance(info: KeyInfo, now: number): HitResult {
  info.allowances--;
  const remaining = info.leaseRemaining + info.allowances;
  return {
    allowed: true,
    remaining,
    resetMs: Math.max(0, info.resetAt - now),
    retryAfterMs: remaining > 0 ? 0 : Math.max(1, info.retryAt - now),
  };
}

/**
 * The Workers-only entry of the rate limiter: the `RateLimitCounter` Durable Object (imports
 * `cloudflare:workers`, which exists only in workerd). Import it from the worker and export the class
 * from the worker's main module; `src/ratelimit/index.ts` stays importable on Node, Bun and Deno.
 *
 * ```toml
 * [[durable_objects.bindings]]
 * name = "RATE_LIMIT_COUNTER"
 * class_name = "RateLimitCounter"
 *
 * [[migrations]]
 * tag = "v1"
 * new_sqlite_classes = ["RateLimitCounter"]
 * ```
 */
import { DurableObject } from 'cloudflare:workers';
import { applyHit, type CounterState } from './algorithms.ts';
import { checkAlgorithm, checkInteger } from './option-checks.ts';
import type { HitResult, StoreRule } from './types.ts';

export { DurableObjectStore, objectName } from './durable-object-store.ts';
export type { CounterNamespace, DurableObjectStoreOptions, RateLimitCounterRpc } from './durable-object-store.ts';

const MAX_BATCH = 10_000;

interface Stored {
  /** The counter state. */
  s: CounterState;
  /** When it stops mattering (ms). */
  x: number;
}

/**
 * A Durable Object holding the counters of one address: the object is named by the part of the key
 * before `#` (see `objectName`), so an address's client, aggregate and mint counters live together
 * and there is no object per client. Every hit is decided synchronously
 * inside the object and written to its SQLite-backed storage (synchronous KV API) before the answer
 * leaves (the output gate), so increments are atomic, N concurrent hits are decided one at a time,
 * and the state survives eviction. An alarm deletes counters once they have expired.
 *
 * @example
 * ```ts
 * // src/worker/index.ts
 * export { RateLimitCounter } from '../ratelimit/durable-object.ts';
 * ```
 */
export class RateLimitCounter extends DurableObject {
  /** Counters of this object by key, loaded lazily (`null`: known to be absent from storage). */
  readonly #entries = new Map<string, Stored | null>();
  /** When the clean-up alarm is set for (ms), 0 if none; the alarm time is kept in storage as `alarm`. */
  #alarm: number | undefined;

  /**
   * Counts `count` hits for `key` at `now` (ms since the epoch; per key, time never goes backwards),
   * in order, and returns one answer per hit. Called over RPC by `DurableObjectStore`. One object
   * holds every counter of one address (its clients', its aggregate, its mint counter): each key is
   * counted on its own, under its own storage entry.
   *
   * @example
   * ```ts
   * const [r] = await env.RATE_LIMIT_COUNTER.getByName(objectName(key)).hit(key, rule, Date.now(), 1);
   * ```
   */
  hit(key: string, rule: StoreRule, now: number, count = 1): HitResult[] {
    validate(key, rule, now, count);
    const kv = this.ctx.storage.kv;
    let entry = this.#entries.get(key);
    if (entry === undefined) entry = kv.get<Stored>(entryKey(key)) ?? null;
    let state = entry && entry.x > now ? entry.s : undefined;
    let expiresAt = 0;
    const results: HitResult[] = [];
    for (let i = 0; i < count; i++) {
      const applied = applyHit(state, rule, now);
      state = applied.state;
      expiresAt = applied.expiresAt;
      results.push(applied.result);
    }
    this.#alarm ??= kv.get<number>('alarm') ?? 0;
    if (this.#alarm === 0) {
      this.#alarm = expiresAt;
      kv.put('alarm', expiresAt);
      void this.ctx.storage.setAlarm(expiresAt);
    }
    const stored: Stored = { s: state!, x: expiresAt };
    this.#entries.set(key, stored);
    kv.put(entryKey(key), stored);
    return results;
  }

  /** Deletes expired counters; deletes the whole storage once every counter has expired, else re-arms for the latest expiry. */
  override async alarm(): Promise<void> {
    const kv = this.ctx.storage.kv;
    const now = Date.now();
    let latest = 0;
    for (const [name, entry] of kv.list<Stored>({ prefix: ENTRY_PREFIX })) {
      if (entry.x <= now) {
        kv.delete(name);
        this.#entries.delete(name.slice(ENTRY_PREFIX.length));
      } else latest = Math.max(latest, entry.x);
    }
    if (latest === 0) {
      this.#entries.clear();
      this.#alarm = 0;
      await this.ctx.storage.deleteAll();
      return;
    }
    this.#alarm = latest;
    kv.put('alarm', latest);
    await this.ctx.storage.setAlarm(latest);
  }
}

const ENTRY_PREFIX = 'k:';
function entryKey(key: string): string {
  return ENTRY_PREFIX + key;
}

function validate(key: unknown, rule: StoreRule, now: unknown, count: unknown): void {
  const safe = [0, Number.MAX_SAFE_INTEGER] as const;
  const bad =
    typeof key !== 'string'
      ? 'key'
      : !rule || checkAlgorithm(rule.algorithm)
        ? 'rule.algorithm'
        : checkInteger(rule.limit, [1, Number.MAX_SAFE_INTEGER])
          ? 'rule.limit'
          : checkInteger(rule.periodMs, [1, Number.MAX_SAFE_INTEGER])
            ? 'rule.periodMs'
            : checkInteger(rule.mitigationMs, safe)
              ? 'rule.mitigationMs'
              : checkInteger(now, safe)
                ? 'now'
                : checkInteger(count, [1, MAX_BATCH])
                  ? 'count'
                  : undefined;
  if (bad) throw new TypeError(`RateLimitCounter.hit: invalid ${bad}`);
}

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

export { DurableObjectStore } from './durable-object-store.ts';
export type { CounterNamespace, DurableObjectStoreOptions, RateLimitCounterRpc } from './durable-object-store.ts';

const MAX_BATCH = 10_000;

interface Stored {
  /** The counter state. */
  s: CounterState;
  /** When it stops mattering (ms). */
  x: number;
  /** When the clean-up alarm is set for (ms), 0 if none. */
  a: number;
}

/**
 * A Durable Object holding the counter of one key (its name). Every hit is decided synchronously
 * inside the object and written to its SQLite-backed storage (synchronous KV API) before the answer
 * leaves (the output gate), so increments are atomic, N concurrent hits are decided one at a time,
 * and the state survives eviction. An alarm deletes the object's storage once the state has expired.
 *
 * @example
 * ```ts
 * // src/worker/index.ts
 * export { RateLimitCounter } from '../ratelimit/durable-object.ts';
 * ```
 */
export class RateLimitCounter extends DurableObject {
  #entry: Stored | null | undefined;

  /**
   * Counts `count` hits for `key` at `now` (ms since the epoch; per key, time never goes backwards),
   * in order, and returns one answer per hit. Called over RPC by `DurableObjectStore`.
   *
   * @example
   * ```ts
   * const [r] = await env.RATE_LIMIT_COUNTER.getByName(key).hit(key, rule, Date.now(), 1);
   * ```
   */
  hit(key: string, rule: StoreRule, now: number, count = 1): HitResult[] {
    validate(key, rule, now, count);
    const kv = this.ctx.storage.kv;
    if (this.#entry === undefined) this.#entry = kv.get<Stored>('s') ?? null;
    let state = this.#entry && this.#entry.x > now ? this.#entry.s : undefined;
    let expiresAt = 0;
    const results: HitResult[] = [];
    for (let i = 0; i < count; i++) {
      const applied = applyHit(state, rule, now);
      state = applied.state;
      expiresAt = applied.expiresAt;
      results.push(applied.result);
    }
    let alarm = this.#entry?.a ?? 0;
    if (alarm === 0) {
      alarm = expiresAt;
      void this.ctx.storage.setAlarm(alarm);
    }
    this.#entry = { s: state!, x: expiresAt, a: alarm };
    kv.put('s', this.#entry);
    return results;
  }

  /** Deletes the storage once the counter has expired; otherwise re-arms for the new expiry. */
  override async alarm(): Promise<void> {
    const entry = this.#entry ?? this.ctx.storage.kv.get<Stored>('s');
    if (!entry || entry.x <= Date.now()) {
      this.#entry = null;
      await this.ctx.storage.deleteAll();
      return;
    }
    this.#entry = { ...entry, a: entry.x };
    this.ctx.storage.kv.put('s', this.#entry);
    await this.ctx.storage.setAlarm(entry.x);
  }
}

function validate(key: unknown, rule: StoreRule, now: unknown, count: unknown): void {
  const safe = [0, Number.MAX_SAFE_INTEGER] as const;
  const bad =
    typeof key !== 'string' ? 'key' :
    !rule || checkAlgorithm(rule.algorithm) ? 'rule.algorithm' :
    checkInteger(rule.limit, [1, Number.MAX_SAFE_INTEGER]) ? 'rule.limit' :
    checkInteger(rule.periodMs, [1, Number.MAX_SAFE_INTEGER]) ? 'rule.periodMs' :
    checkInteger(rule.mitigationMs, safe) ? 'rule.mitigationMs' :
    checkInteger(now, safe) ? 'now' :
    checkInteger(count, [1, MAX_BATCH]) ? 'count' : undefined;
  if (bad) throw new TypeError(`RateLimitCounter.hit: invalid ${bad}`);
}

import { applyHit, type CounterState } from './algorithms.ts';
import type { HitResult, RateLimitStore, StoreRule } from './types.ts';

/**
 * Options of {@link MemoryStore}.
 *
 * @example
 * ```ts
 * new MemoryStore({ maxKeys: 10_000 });
 * ```
 */
export interface MemoryStoreOptions {
  /** Most keys kept; past it the least recently used key is forgotten. Default 50 000 (a few MB). */
  maxKeys?: number;
}

interface Entry {
  state: CounterState;
  expiresAt: number;
}

/**
 * Counters in this process (one isolate on Workers): the embedded default. Bounded (least recently
 * used keys are evicted past `maxKeys`), expiring lazily on access, no timers. Not shared between
 * processes or isolates: use `DurableObjectStore` for exact counts across the edge.
 *
 * @example
 * ```ts
 * app.use(rateLimit({ limit: 100, store: new MemoryStore({ maxKeys: 20_000 }) }));
 * ```
 */
export class MemoryStore implements RateLimitStore {
  readonly maxKeys: number;
  // A Map iterates in insertion order; re-inserting on every hit keeps the stalest key first.
  readonly #entries = new Map<string, Entry>();

  constructor(options: MemoryStoreOptions = {}) {
    const maxKeys = options.maxKeys ?? 50_000;
    if (!Number.isSafeInteger(maxKeys) || maxKeys < 1) {
      throw new TypeError(`MemoryStore: option "maxKeys" must be a positive integer, got ${String(maxKeys)}`);
    }
    this.maxKeys = maxKeys;
  }

  /** Number of keys currently held (expired ones included until touched or evicted). */
  get size(): number {
    return this.#entries.size;
  }

  hit(key: string, rule: StoreRule, now: number): HitResult {
    const entries = this.#entries;
    const entry = entries.get(key);
    let state: CounterState | undefined;
    if (entry !== undefined) {
      entries.delete(key);
      if (entry.expiresAt > now) state = entry.state;
    }
    const applied = applyHit(state, rule, now);
    if (entry !== undefined) {
      entry.state = applied.state;
      entry.expiresAt = applied.expiresAt;
      entries.set(key, entry);
    } else {
      entries.set(key, { state: applied.state, expiresAt: applied.expiresAt });
      if (entries.size > this.maxKeys) entries.delete(entries.keys().next().value as string);
    }
    return applied.result;
  }

  reset(key: string): void {
    this.#entries.delete(key);
  }
}

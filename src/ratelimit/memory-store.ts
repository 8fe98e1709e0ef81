import { applyHitTo, type CounterSlot } from './algorithms.ts';
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
  /** Most keys kept; past it the least recently used key (within a slack of maxKeys / 4 hits) is forgotten. Default 50 000: about 13 MB of heap with IPv4 keys, 21 MB with IPv6 keys (~260 and ~410 bytes per key, measured in bench/ratelimit). */
  maxKeys?: number;
}

/** A key's counter, updated in place on each hit (one object per key, not three per hit). */
interface Entry extends CounterSlot {
  /** Value of the operation counter when the entry was last moved to the back. */
  moved: number;
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
  // A Map iterates in insertion order, so the front holds the keys moved least recently. Moving a
  // key on every hit (delete + set) was the store's main cost in bench/ratelimit; it is moved only
  // when its last move is older than maxKeys / 4 operations. A key hit at least once every
  // maxKeys / 2 operations therefore never reaches the front: eviction is LRU within that slack.
  readonly #entries = new Map<string, Entry>();
  readonly #slack: number;
  #ops = 0;

  constructor(options: MemoryStoreOptions = {}) {
    const maxKeys = options.maxKeys ?? 50_000;
    if (!Number.isSafeInteger(maxKeys) || maxKeys < 1) {
      throw new TypeError(`MemoryStore: option "maxKeys" must be a positive integer, got ${String(maxKeys)}`);
    }
    this.maxKeys = maxKeys;
    this.#slack = maxKeys >> 2;
  }

  /** Number of keys currently held (expired ones included until touched or evicted). */
  get size(): number {
    return this.#entries.size;
  }

  hit(key: string, rule: StoreRule, now: number): HitResult {
    const entries = this.#entries;
    const ops = ++this.#ops;
    const entry = entries.get(key);
    if (entry === undefined) {
      const fresh: Entry = { state: undefined, expiresAt: 0, moved: ops };
      const result = applyHitTo(fresh, rule, now);
      entries.set(key, fresh);
      if (entries.size > this.maxKeys) entries.delete(entries.keys().next().value as string);
      return result;
    }
    if (entry.expiresAt <= now) entry.state = undefined;
    const result = applyHitTo(entry, rule, now);
    if (ops - entry.moved > this.#slack) {
      entry.moved = ops;
      entries.delete(key);
      entries.set(key, entry);
    }
    return result;
  }

  reset(key: string): void {
    this.#entries.delete(key);
  }
}

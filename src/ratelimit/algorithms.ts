import type { HitResult, RateLimitAlgorithm, StoreRule } from './types.ts';

/**
 * The per-key state every store keeps (small and structured-cloneable, so a Durable Object can
 * persist it as is). Field meaning depends on the algorithm:
 *
 * | field | fixed / sliding window        | token bucket (GCRA)                          |
 * | ----- | ----------------------------- | -------------------------------------------- |
 * | `w`   | index of the current window   | base time (ms)                               |
 * | `c`   | hits counted in that window   | theoretical arrival time − base, in 1/`l` ms |
 * | `p`   | hits in the previous window   | unused (0)                                   |
 *
 * `b` is the end of a mitigation block (ms, 0 = none), `t` the latest time seen (clocks of
 * different callers may disagree slightly: time never goes backwards for one key), `l` the limit
 * the state was computed with.
 *
 * @example
 * ```ts
 * const s: CounterState = { k: 'fixed-window', w: 28_000_000, c: 3, p: 0, b: 0, t: 1_680_000_000_000, l: 10 };
 * ```
 */
export interface CounterState {
  k: RateLimitAlgorithm;
  w: number;
  c: number;
  p: number;
  b: number;
  t: number;
  l: number;
}

/**
 * The outcome of {@link applyHit}: the new state, the answer, and when the state stops mattering.
 *
 * @example
 * ```ts
 * const { state, result, expiresAt } = applyHit(undefined, rule, Date.now());
 * ```
 */
export interface Applied {
  state: CounterState;
  result: HitResult;
  /** After this time (ms) the state has no effect on any decision: a store may drop it. */
  expiresAt: number;
}

/**
 * A counter's state and expiry as a store holds them: {@link applyHitTo} updates both in place.
 *
 * @example
 * ```ts
 * const slot: CounterSlot = { state: undefined, expiresAt: 0 };
 * ```
 */
export interface CounterSlot {
  /** `undefined` before the first hit (or once the store dropped an expired state). */
  state: CounterState | undefined;
  expiresAt: number;
}

/**
 * Decides one hit at `now` and returns the next state: the single source of truth shared by every
 * store, so `MemoryStore` and the Durable Object decide identically. Pure and synchronous (`prior` is
 * not modified; the state returned is a new object); all arithmetic is on integers (ms × counts
 * stays far below 2^53), so window edges are exact. Denied hits are not counted.
 *
 * @example
 * ```ts
 * const rule = { algorithm: 'sliding-window', limit: 2, periodMs: 1000, mitigationMs: 0 } as const;
 * let s = applyHit(undefined, rule, 0).state;
 * s = applyHit(s, rule, 10).state;
 * applyHit(s, rule, 20).result.allowed; // false
 * ```
 */
export function applyHit(prior: CounterState | undefined, rule: StoreRule, now: number): Applied {
  const slot: CounterSlot = { state: prior === undefined ? undefined : { ...prior }, expiresAt: 0 };
  const result = applyHitTo(slot, rule, now);
  return { state: slot.state!, result, expiresAt: slot.expiresAt };
}

/**
 * {@link applyHit} on a slot, in place: the slot's state object is updated (created on the first
 * hit) and its expiry set; only the answer is a new object. What `MemoryStore` runs per hit: the
 * pure form allocated three objects per hit, and short-lived garbage is a large part of a worker's
 * CPU on workerd (bench/worker).
 *
 * @example
 * ```ts
 * const slot: CounterSlot = { state: undefined, expiresAt: 0 };
 * applyHitTo(slot, rule, Date.now()).allowed; // true; slot.state now counts the hit
 * ```
 */
export function applyHitTo(slot: CounterSlot, rule: StoreRule, now: number): HitResult {
  const state = slot.state?.k === rule.algorithm ? slot.state : undefined;
  if (state && now < state.t) now = state.t;
  if (state && state.b > now) {
    // Blocked: nothing is counted. The next hit passes once the block is over and the algorithm agrees.
    // The algorithm runs on a scratch slot only for when it would let a hit through again.
    const would = algorithm(state, rule, now, scratch);
    const wait = Math.max(state.b - now, would.allowed ? 0 : would.retryAfterMs);
    slot.expiresAt = Math.max(state.b, scratch.expiresAt);
    return { allowed: false, remaining: 0, resetMs: wait, retryAfterMs: wait };
  }
  const result = algorithm(state, rule, now, slot);
  if (!result.allowed && rule.mitigationMs > 0) {
    const b = now + rule.mitigationMs;
    const wait = Math.max(rule.mitigationMs, result.retryAfterMs);
    slot.state!.b = b;
    result.retryAfterMs = wait;
    result.resetMs = wait;
    slot.expiresAt = Math.max(slot.expiresAt, b);
  }
  return result;
}

// The blocked branch's scratch slot (applyHitTo is synchronous, so it is never shared).
const scratch: CounterSlot = { state: { k: 'fixed-window', w: 0, c: 0, p: 0, b: 0, t: 0, l: 0 }, expiresAt: 0 };

/**
 * Writes a new state into `slot` (reusing its object) after the algorithm has read everything it
 * needs from the old one, which may be the same object; `b`, the block, starts at 0.
 */
function put(slot: CounterSlot, k: RateLimitAlgorithm, w: number, c: number, p: number, t: number, l: number, expiresAt: number): void {
  const s = slot.state;
  if (s === undefined) slot.state = { k, w, c, p, b: 0, t, l };
  else {
    s.k = k;
    s.w = w;
    s.c = c;
    s.p = p;
    s.b = 0;
    s.t = t;
    s.l = l;
  }
  slot.expiresAt = expiresAt;
}

function algorithm(state: CounterState | undefined, rule: StoreRule, now: number, slot: CounterSlot): HitResult {
  if (rule.algorithm === 'fixed-window') return fixedWindow(state, rule, now, slot);
  if (rule.algorithm === 'sliding-window') return slidingWindow(state, rule, now, slot);
  return tokenBucket(state, rule, now, slot);
}

function fixedWindow(state: CounterState | undefined, rule: StoreRule, now: number, slot: CounterSlot): HitResult {
  const { limit: L, periodMs: P } = rule;
  const w = Math.floor(now / P);
  let cur = state && state.w === w ? state.c : 0;
  const allowed = cur + 1 <= L;
  if (allowed) cur++;
  const end = (w + 1) * P;
  const remaining = Math.max(0, L - cur);
  put(slot, 'fixed-window', w, cur, 0, now, L, end);
  return { allowed, remaining, resetMs: end - now, retryAfterMs: remaining > 0 ? 0 : end - now };
}

function slidingWindow(state: CounterState | undefined, rule: StoreRule, now: number, slot: CounterSlot): HitResult {
  const { limit: L, periodMs: P } = rule;
  const w = Math.floor(now / P);
  const e = now - w * P;
  let prev = 0;
  let cur = 0;
  if (state?.w === w) {
    prev = state.p;
    cur = state.c;
  } else if (state?.w === w - 1) {
    prev = state.c;
  }
  // Scaled by P to stay in integers: estimate × P = prev × (P − e) + cur × P.
  const allowed = prev * (P - e) + (cur + 1) * P <= L * P;
  if (allowed) cur++;
  const remaining = Math.max(0, Math.floor((L * P - prev * (P - e) - cur * P) / P));
  put(slot, 'sliding-window', w, cur, prev, now, L, (w + 2) * P);
  return { allowed, remaining, resetMs: P - e, retryAfterMs: remaining > 0 ? 0 : slidingRetry(L, P, e, prev, cur) };
}

/** Smallest wait d (ms) after which prev × (P − e − d) + (cur + 1) × P ≤ L × P holds again. */
function slidingRetry(L: number, P: number, e: number, prev: number, cur: number): number {
  if (cur + 1 <= L && prev > 0) {
    const d = P - e - Math.floor(((L - cur - 1) * P) / prev);
    if (d < P - e) return Math.max(0, d);
  }
  // Next window: the current count becomes the previous one and decays from its start.
  const e2 = cur > 0 ? Math.max(0, P - Math.floor(((L - 1) * P) / cur)) : 0;
  return P - e + e2;
}

function tokenBucket(state: CounterState | undefined, rule: StoreRule, now: number, slot: CounterSlot): HitResult {
  const { limit: L, periodMs: P } = rule;
  // Units of 1/L ms: one request costs P units, the bucket holds P × L units.
  let base = now;
  let tat = 0;
  if (state) {
    base = state.w;
    tat = state.l === L ? state.c : Math.ceil((state.c * L) / state.l);
  }
  let nowU = (now - base) * L;
  if (tat <= nowU) {
    base = now;
    tat = 0;
    nowU = 0;
  }
  const next = Math.max(tat, nowU) + P;
  const allowed = next - nowU <= P * L;
  if (allowed) tat = next;
  const debt = tat - nowU;
  const remaining = Math.max(0, Math.floor((P * L - debt) / P));
  put(slot, 'token-bucket', base, tat, 0, now, L, base + Math.ceil(tat / L));
  return {
    allowed,
    remaining,
    resetMs: Math.ceil(debt / L),
    retryAfterMs: remaining > 0 ? 0 : Math.max(0, Math.ceil((debt + P - P * L) / L)),
  };
}

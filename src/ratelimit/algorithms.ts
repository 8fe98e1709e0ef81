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
 * Decides one hit at `now` and returns the next state: the single source of truth shared by every
 * store, so `MemoryStore` and the Durable Object decide identically. Pure and synchronous; all
 * arithmetic is on integers (ms × counts stays far below 2^53), so window edges are exact.
 * Denied hits are not counted.
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
  const state = prior && prior.k === rule.algorithm ? prior : undefined;
  if (state && now < state.t) now = state.t;
  const applied = algorithm(state, rule, now);
  if (state && state.b > now) {
    // Blocked: nothing is counted. The next hit passes once the block is over and the algorithm agrees.
    const wait = Math.max(state.b - now, applied.result.allowed ? 0 : applied.result.retryAfterMs);
    return {
      state,
      result: { allowed: false, remaining: 0, resetMs: wait, retryAfterMs: wait },
      expiresAt: Math.max(state.b, applied.expiresAt),
    };
  }
  if (!applied.result.allowed && rule.mitigationMs > 0) {
    const b = now + rule.mitigationMs;
    const wait = Math.max(rule.mitigationMs, applied.result.retryAfterMs);
    applied.state.b = b;
    applied.result.retryAfterMs = wait;
    applied.result.resetMs = wait;
    applied.expiresAt = Math.max(applied.expiresAt, b);
  }
  return applied;
}

function algorithm(state: CounterState | undefined, rule: StoreRule, now: number): Applied {
  if (rule.algorithm === 'fixed-window') return fixedWindow(state, rule, now);
  if (rule.algorithm === 'sliding-window') return slidingWindow(state, rule, now);
  return tokenBucket(state, rule, now);
}

function fixedWindow(state: CounterState | undefined, rule: StoreRule, now: number): Applied {
  const { limit: L, periodMs: P } = rule;
  const w = Math.floor(now / P);
  let cur = state && state.w === w ? state.c : 0;
  const allowed = cur + 1 <= L;
  if (allowed) cur++;
  const end = (w + 1) * P;
  const remaining = Math.max(0, L - cur);
  return {
    state: { k: 'fixed-window', w, c: cur, p: 0, b: 0, t: now, l: L },
    result: { allowed, remaining, resetMs: end - now, retryAfterMs: remaining > 0 ? 0 : end - now },
    expiresAt: end,
  };
}

function slidingWindow(state: CounterState | undefined, rule: StoreRule, now: number): Applied {
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
  return {
    state: { k: 'sliding-window', w, c: cur, p: prev, b: 0, t: now, l: L },
    result: { allowed, remaining, resetMs: P - e, retryAfterMs: remaining > 0 ? 0 : slidingRetry(L, P, e, prev, cur) },
    expiresAt: (w + 2) * P,
  };
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

function tokenBucket(state: CounterState | undefined, rule: StoreRule, now: number): Applied {
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
  return {
    state: { k: 'token-bucket', w: base, c: tat, p: 0, b: 0, t: now, l: L },
    result: {
      allowed,
      remaining,
      resetMs: Math.ceil(debt / L),
      retryAfterMs: remaining > 0 ? 0 : Math.max(0, Math.ceil((debt + P - P * L) / L)),
    },
    expiresAt: base + Math.ceil(tat / L),
  };
}

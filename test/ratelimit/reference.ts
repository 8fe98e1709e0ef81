// Simple reference models of the three algorithms, written from their definitions and kept
// deliberately naive (logs of accepted hits, a token count), to check `applyHit` against.
import type { RateLimitAlgorithm } from '../../src/ratelimit/index.ts';

export interface RefModel {
  hit(now: number): { allowed: boolean; remaining: number };
  clone(): RefModel;
}

/** Fixed window: at most L accepted hits per aligned window. */
class FixedRef implements RefModel {
  constructor(
    readonly L: number,
    readonly P: number,
    readonly accepted: number[] = [],
  ) {}
  count(now: number): number {
    const w = Math.floor(now / this.P);
    return this.accepted.filter((t) => Math.floor(t / this.P) === w).length;
  }
  hit(now: number) {
    const allowed = this.count(now) < this.L;
    if (allowed) this.accepted.push(now);
    return { allowed, remaining: this.L - this.count(now) };
  }
  clone() {
    return new FixedRef(this.L, this.P, [...this.accepted]);
  }
}

/** Sliding window: estimate = previous window's count × (1 − elapsed / period) + current count ≤ L. */
class SlidingRef implements RefModel {
  constructor(
    readonly L: number,
    readonly P: number,
    readonly accepted: number[] = [],
  ) {}
  parts(now: number) {
    const w = Math.floor(now / this.P);
    const e = now - w * this.P;
    const cur = this.accepted.filter((t) => Math.floor(t / this.P) === w).length;
    const prev = this.accepted.filter((t) => Math.floor(t / this.P) === w - 1).length;
    // Exact rational comparison: estimate × P.
    return { scaled: prev * (this.P - e) + cur * this.P };
  }
  hit(now: number) {
    const allowed = this.parts(now).scaled + this.P <= this.L * this.P;
    if (allowed) this.accepted.push(now);
    return { allowed, remaining: Math.max(0, Math.floor((this.L * this.P - this.parts(now).scaled) / this.P)) };
  }
  clone() {
    return new SlidingRef(this.L, this.P, [...this.accepted]);
  }
}

/** Token bucket: capacity L, refilled continuously at L per P; tokens counted in units of 1/P. */
class BucketRef implements RefModel {
  constructor(
    readonly L: number,
    readonly P: number,
    public tokens = L * P,
    public last = -1,
  ) {}
  hit(now: number) {
    if (this.last >= 0) this.tokens = Math.min(this.L * this.P, this.tokens + (now - this.last) * this.L);
    this.last = now;
    const allowed = this.tokens >= this.P;
    if (allowed) this.tokens -= this.P;
    return { allowed, remaining: Math.floor(this.tokens / this.P) };
  }
  clone() {
    return new BucketRef(this.L, this.P, this.tokens, this.last);
  }
}

/** Any of the above with a mitigation timeout M: a denied hit blocks every hit for M ms. */
class MitigatedRef implements RefModel {
  constructor(
    readonly inner: RefModel,
    readonly M: number,
    public until = 0,
  ) {}
  hit(now: number) {
    if (now < this.until) return { allowed: false, remaining: 0 };
    const r = this.inner.hit(now);
    if (!r.allowed && this.M > 0) this.until = now + this.M;
    return r;
  }
  clone() {
    return new MitigatedRef(this.inner.clone(), this.M, this.until);
  }
}

export function referenceModel(algorithm: RateLimitAlgorithm, L: number, P: number, M = 0): RefModel {
  const inner =
    algorithm === 'fixed-window' ? new FixedRef(L, P) : algorithm === 'sliding-window' ? new SlidingRef(L, P) : new BucketRef(L, P);
  return M > 0 ? new MitigatedRef(inner, M) : inner;
}

/**
 * User-agent popularity measured on the log itself, and the occupancy model built on it.
 *
 * If each of N people behind an address uses a browser whose user agent is drawn from the population
 * share p_i, the expected number of distinct user agents is D(N) = Σ_i (1 − (1 − p_i)^N). D grows
 * slower than N because popular strings repeat (a thousand iPhones share a handful of strings), so
 * inverting D gives an estimate of N that needs no constant tuned to one site or simulator: the p_i
 * come from the whole log. Shares are counted once per (address, day) in which a string appears, so
 * one busy client cannot make its own strings look popular.
 */

const BINS_PER_DECADE = 20;

/**
 * Occupancy model over the log's user-agent shares.
 *
 * @example
 * ```ts
 * const m = new PopularityModel(new Map([[1, 50], [2, 30], [3, 20]]));
 * m.expectedDistinct(1); // 1
 * m.estimateUsers(2.5) > 2.5; // true
 * ```
 */
export class PopularityModel {
  /** Histogram of shares (log-spaced bins): count of user agents and their mean share per bin. */
  private binCount: number[] = [];
  private binShare: number[] = [];
  private readonly share = new Map<number, number>();
  /** Share given to a string never counted (half an observation). */
  readonly unseenShare: number;
  /** Distinct user agents counted. */
  readonly size: number;

  constructor(counts: ReadonlyMap<number, number>) {
    let total = 0;
    for (const c of counts.values()) total += c;
    this.size = counts.size;
    this.unseenShare = total > 0 ? 0.5 / (total + 0.5) : 1;
    const bins = new Map<number, { n: number; sum: number }>();
    for (const [id, c] of counts) {
      const p = c / (total + 0.5);
      this.share.set(id, p);
      const b = Math.floor(Math.log10(p) * BINS_PER_DECADE);
      const e = bins.get(b) ?? { n: 0, sum: 0 };
      e.n++;
      e.sum += p;
      bins.set(b, e);
    }
    for (const e of bins.values()) {
      this.binCount.push(e.n);
      this.binShare.push(e.sum / e.n);
    }
  }

  /** Population share of one user agent (the unseen share when never counted). */
  shareOf(id: number): number {
    return this.share.get(id) ?? this.unseenShare;
  }

  /** Expected distinct user agents among `n` people. */
  expectedDistinct(n: number): number {
    let d = 0;
    for (let i = 0; i < this.binCount.length; i++) d += this.binCount[i]! * -Math.expm1(n * Math.log1p(-this.binShare[i]!));
    return d;
  }

  /** Largest distinct count the model can explain (every counted string present). */
  get maxDistinct(): number {
    return this.size;
  }

  /**
   * People needed to show `d` distinct user agents on average (the inverse of
   * {@link expectedDistinct}), capped at `cap`. `saturated` is true when `d` is at or beyond what the
   * model explains, so the estimate is a floor.
   */
  estimateUsers(d: number, cap = 100_000): number {
    if (d <= 1) return Math.max(d, 0);
    if (this.expectedDistinct(cap) <= d) return cap;
    let lo = d;
    let hi = cap;
    for (let i = 0; i < 60 && hi / lo > 1.001; i++) {
      const mid = Math.sqrt(lo * hi);
      if (this.expectedDistinct(mid) < d) lo = mid;
      else hi = mid;
    }
    return Math.sqrt(lo * hi);
  }

  /**
   * Expected mean of ln(share) over the distinct user agents that `n` people show: the benchmark for
   * the plausibility test (a natural crowd is dominated by popular strings; a rotation list is not).
   */
  expectedMeanLogShare(n: number): number {
    let num = 0;
    let den = 0;
    for (let i = 0; i < this.binCount.length; i++) {
      const p = this.binShare[i]!;
      const present = this.binCount[i]! * -Math.expm1(n * Math.log1p(-p));
      num += present * Math.log(p);
      den += present;
    }
    return den > 0 ? num / den : 0;
  }

  /**
   * How natural a sample of distinct user agents looks for a crowd of `n`: exp(mean ln share observed
   * − expected), capped at 1. About 1 for real crowds; far below for strings picked from a list.
   */
  plausibility(sample: readonly number[], n: number): number {
    if (sample.length === 0) return 0;
    let s = 0;
    for (const id of sample) s += Math.log(this.shareOf(id));
    const observed = s / sample.length;
    return Math.min(1, Math.exp(observed - this.expectedMeanLogShare(Math.max(1, n))));
  }
}

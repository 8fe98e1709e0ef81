/**
 * Ratios of paired samples, for a noisy machine: each round measures the variants back to back, and a
 * variant's figure against its reference is the ratio of the two samples of the same round. The
 * medians of those per-round ratios (and how they spread) are what the worker benchmark reports; the
 * ratio of the two medians is printed beside it. No sample is ever dropped.
 */

/** The median (the mean of the middle two for an even count). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

/** The `q`-quantile (0–1) by linear interpolation between order statistics. */
export function quantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  const at = (s.length - 1) * q;
  const lo = Math.floor(at);
  return s[lo]! + (s[Math.min(lo + 1, s.length - 1)]! - s[lo]!) * (at - lo);
}

/** Per-round ratios `a[i] / b[i]` of two variants measured in the same rounds. */
export function roundRatios(a: readonly number[], b: readonly number[]): number[] {
  if (a.length !== b.length) throw new Error(`roundRatios: ${a.length} samples against ${b.length}`);
  return a.map((x, i) => x / b[i]!);
}

/**
 * A distribution-free confidence interval for the median: the order statistics `k` and `n + 1 − k`
 * (1-based) for the largest `k` whose exact binomial coverage, `1 − 2 · P(Binomial(n, ½) < k)`, is
 * still at least 95 %; with too few rounds for that (under 6), the whole range, with its lower
 * coverage. It assumes rounds independent of each other, which interleaving and rotating the order
 * make closer to true. Returns the two bounds and the coverage.
 */
export function medianInterval(xs: readonly number[]): { low: number; high: number; coverage: number } {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  // below[k] = P(Binomial(n, ½) < k), summed term by term (n is a few dozen rounds).
  const below = [0];
  let term = 0.5 ** n;
  for (let i = 0; i < n; i++) {
    below.push(below[i]! + term);
    term = (term * (n - i)) / (i + 1);
  }
  let k = 1;
  while (k + 1 <= n / 2 && 1 - 2 * below[k + 1]! >= 0.95) k++;
  return { low: s[k - 1]!, high: s[n - k]!, coverage: 1 - 2 * below[k]! };
}

/**
 * A per-round ratio summary as text: median, interquartile range, the median's interval, to `digits`
 * decimals (3 beside a target, so that an interval edge such as 0.899 does not read as the bound 0.90).
 */
export function describeRatios(ratios: readonly number[], digits = 2): string {
  const { low, high, coverage } = medianInterval(ratios);
  const f = (x: number) => x.toFixed(digits);
  return (
    `${f(median(ratios))} (quartiles ${f(quantile(ratios, 0.25))}–${f(quantile(ratios, 0.75))}; ` +
    `median's ${(coverage * 100).toFixed(0)} % interval ${f(low)}–${f(high)})`
  );
}

/**
 * Whether a target is settled by a run: `met` when the whole interval of the median per-round ratio
 * is on the right side of `bound`, `not met` when it is wholly on the wrong side, otherwise `not settled`;
 * always `not settled` with too few rounds for a 95 % interval (under 6), whose range says little.
 */
export function verdict(ratios: readonly number[], bound: number, side: 'at most' | 'at least'): 'met' | 'not met' | 'not settled' {
  const { low, high, coverage } = medianInterval(ratios);
  if (coverage < 0.95) return 'not settled';
  const good = side === 'at most' ? high <= bound : low >= bound;
  const bad = side === 'at most' ? low > bound : high < bound;
  return good ? 'met' : bad ? 'not met' : 'not settled';
}

import { describe, expect, it } from 'vitest';
import { medianInterval, verdict } from '../../bench/worker/ratios.ts';

describe('medianInterval', () => {
  it.each([
    // n = 6: P(Binomial(6, ½) < 1) = 1/64, coverage 1 − 2/64 = 0.969 ≥ 0.95; k = 2 would give 1 − 2·7/64 = 0.781. So the extremes.
    { n: 6, low: 1, high: 6, coverage: 1 - 2 / 64 },
    // n = 9: P(X < 2) = (1 + 9)/512, coverage 1 − 20/512 = 0.961; k = 3 gives 1 − 2·46/512 = 0.820. So the 2nd and 8th.
    { n: 9, low: 2, high: 8, coverage: 1 - 20 / 512 },
    // n = 5: even k = 1 covers only 1 − 2/32 = 0.9375, the whole range with that coverage.
    { n: 5, low: 1, high: 5, coverage: 1 - 2 / 32 },
  ])('$n rounds: order statistics $low and $high', ({ n, low, high, coverage }) => {
    const xs = Array.from({ length: n }, (_, i) => n - i); // n … 1, unsorted on purpose
    const got = medianInterval(xs);
    expect([got.low, got.high]).toEqual([low, high]);
    expect(got.coverage).toBeCloseTo(coverage, 12);
  });
});

describe('verdict', () => {
  const nine = (at: number) => Array.from({ length: 9 }, (_, i) => at + i * 0.01); // interval: 2nd and 8th, at+0.01 … at+0.07
  it.each([
    { ratios: nine(0.91), bound: 0.9, side: 'at least', expected: 'met' },
    { ratios: nine(0.8), bound: 0.9, side: 'at least', expected: 'not met' },
    // 0.85 … 0.93: the interval 0.86–0.92 straddles 0.9.
    { ratios: nine(0.85), bound: 0.9, side: 'at least', expected: 'not settled' },
    { ratios: nine(1.0), bound: 1.3, side: 'at most', expected: 'met' },
    { ratios: nine(1.4), bound: 1.3, side: 'at most', expected: 'not met' },
    // Wholly above the bound, but five rounds give no 95 % interval: nothing is settled.
    { ratios: [0.95, 0.96, 0.97, 0.98, 0.99], bound: 0.9, side: 'at least', expected: 'not settled' },
    { ratios: [0.95], bound: 0.9, side: 'at least', expected: 'not settled' },
  ] as const)('$ratios.length rounds from $ratios.0 against $side $bound: $expected', ({ ratios, bound, side, expected }) => {
    expect(verdict(ratios, bound, side)).toBe(expected);
  });
});

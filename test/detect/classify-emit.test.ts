import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { densestWindow } from '../../src/detect/classify-emit.ts';

/** Brute force: every window [i, j) whose max ÷ min ≤ spread; the longest, the first on ties. */
function reference(xs: number[], spread: number): { from: number; to: number } {
  let best = { from: 0, to: Math.min(1, xs.length) };
  for (let i = 0; i < xs.length; i++) {
    for (let j = i + 1; j <= xs.length; j++) {
      if (xs[j - 1]! <= xs[i]! * spread && j - i > best.to - best.from) best = { from: i, to: j };
    }
  }
  return best;
}

describe('densestWindow', () => {
  it.each<[number[], number, { from: number; to: number }]>([
    [[], 2, { from: 0, to: 0 }],
    [[50], 2, { from: 0, to: 1 }],
    // 40, 60, 70 fit in ×2 (70 ≤ 80); 300 and 900 do not
    [[40, 60, 70, 300, 900], 2, { from: 0, to: 3 }],
    // ×4: 60, 70 … 240 fit (240 ≤ 60·4); from 40 only up to 160
    [[40, 60, 70, 200, 240, 900], 4, { from: 1, to: 5 }],
    // a tie keeps the lower window
    [[10, 15, 100, 150], 2, { from: 0, to: 2 }],
  ])('%j within ×%d → %j', (xs, spread, expected) => {
    expect(densestWindow(xs, spread)).toEqual(expected);
  });

  it('agrees with the brute-force reference', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 5000 }), { maxLength: 40 }), fc.constantFrom(1.5, 2, 4), (raw, spread) => {
        const xs = raw.sort((a, b) => a - b);
        expect(densestWindow(xs, spread)).toEqual(reference(xs, spread));
      }),
    );
  });
});

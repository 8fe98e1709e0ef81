import { describe, expect, it } from 'vitest';
import { roundOrder } from '../../bench/worker/paired.ts';

describe('roundOrder', () => {
  // Worked by hand for [0, 1, 2]: rounds 0–2 shift left by the round; rounds 3–5 (the second cycle) shift and reverse.
  it.each([
    { r: 0, order: [0, 1, 2] },
    { r: 1, order: [1, 2, 0] },
    { r: 2, order: [2, 0, 1] },
    { r: 3, order: [2, 1, 0] },
    { r: 4, order: [0, 2, 1] },
    { r: 5, order: [1, 0, 2] },
    { r: 6, order: [0, 1, 2] },
  ])('round $r: $order', ({ r, order }) => {
    expect(roundOrder([0, 1, 2], r)).toEqual(order);
  });

  it('over two cycles, every variant is first equally often, and each pair of neighbours comes in both orders equally often', () => {
    const ids = [0, 1, 2, 3, 4];
    const first = new Map<number, number>();
    const after = new Map<string, number>();
    for (let r = 0; r < 2 * ids.length; r++) {
      const order = roundOrder(ids, r);
      expect([...order].sort()).toEqual(ids);
      first.set(order[0]!, (first.get(order[0]!) ?? 0) + 1);
      for (let k = 1; k < order.length; k++) after.set(`${order[k - 1]}>${order[k]}`, (after.get(`${order[k - 1]}>${order[k]}`) ?? 0) + 1);
    }
    expect([...first.values()]).toEqual([2, 2, 2, 2, 2]);
    // Shifting keeps each neighbour pair a→a+1 (mod 5) and reversing turns it round: each ordered pair of
    // neighbours in the cycle occurs in one cycle or the other, 4 pairs a round × 10 rounds over 10 ordered pairs.
    expect(after.size).toBe(10);
    expect(new Set(after.values())).toEqual(new Set([4]));
  });
});

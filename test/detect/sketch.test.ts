import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hashString, mix32 } from '../../src/detect/hash.ts';
import { BottomK, DistinctSketch } from '../../src/detect/sketch.ts';

describe('DistinctSketch', () => {
  it('is exact while small', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 200 }), (xs) => {
        const s = new DistinctSketch(10);
        for (const x of xs) s.add(mix32(x));
        const exact = new Set(xs).size;
        if (exact <= 32) expect(s.count()).toBe(exact);
        else expect(Math.abs(s.count() - exact) / exact).toBeLessThan(0.15);
      }),
    );
  });

  it.each([100, 1_000, 10_000, 100_000])('estimates %i distinct values within 4 standard errors (p=10)', (n) => {
    const s = new DistinctSketch(10);
    for (let i = 0; i < n; i++) {
      s.add(mix32(i));
      s.add(mix32(i)); // duplicates change nothing
    }
    const se = 1.04 / Math.sqrt(1024);
    expect(Math.abs(s.count() - n) / n).toBeLessThan(4 * se);
  });

  it('merges to the union (order and split do not matter)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 5000 }), { maxLength: 3000 }), fc.nat(), (xs, cut) => {
        const whole = new DistinctSketch(8);
        const a = new DistinctSketch(8);
        const b = new DistinctSketch(8);
        const k = xs.length === 0 ? 0 : cut % xs.length;
        xs.forEach((x, i) => {
          whole.add(mix32(x));
          (i < k ? a : b).add(mix32(x));
        });
        const merged = a.clone();
        merged.merge(b);
        expect(merged.count()).toBeCloseTo(whole.count(), 6);
      }),
      { numRuns: 50 },
    );
  });

  it('rejects a bad precision and merging different precisions', () => {
    expect(() => new DistinctSketch(3)).toThrow(TypeError);
    expect(() => new DistinctSketch(8).merge(new DistinctSketch(10))).toThrow(/precision/);
  });
});

describe('BottomK', () => {
  it('keeps every value while fewer than k, and counts them exactly', () => {
    const s = new BottomK(64);
    for (let i = 0; i < 50; i++) s.add(mix32(i), i);
    expect(s.count()).toBe(50);
    expect([...s.sample()].sort((a, b) => a - b)).toEqual([...Array(50).keys()]);
  });

  it('estimates large distinct counts and samples uniformly', () => {
    const s = new BottomK(64);
    for (let i = 0; i < 20_000; i++) s.add(hashString(`ua-${i}`), i);
    expect(Math.abs(s.count() - 20_000) / 20_000).toBeLessThan(0.5);
    // A uniform sample of 0..19999 has a mean near 10,000.
    const mean = s.sample().reduce((a, b) => a + b, 0) / s.sample().length;
    expect(mean).toBeGreaterThan(5000);
    expect(mean).toBeLessThan(15_000);
  });

  it('merge equals the bottom-k of the union', () => {
    const a = new BottomK(16);
    const b = new BottomK(16);
    const u = new BottomK(16);
    for (let i = 0; i < 500; i++) {
      (i % 3 === 0 ? a : b).add(mix32(i), i);
      u.add(mix32(i), i);
    }
    a.merge(b);
    expect([...a.sample()]).toEqual([...u.sample()]);
  });
});

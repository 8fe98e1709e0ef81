import { describe, expect, it } from 'vitest';
import { PopularityModel } from '../../src/detect/popularity.ts';
import { Random, WeightedSampler } from '../../src/detect/simulate/random.ts';

// A Zipf-like population of 500 user agents.
const counts = new Map<number, number>();
for (let i = 1; i <= 500; i++) counts.set(i, Math.max(1, Math.round(10_000 / i)));
const model = new PopularityModel(counts);
const sampler = new WeightedSampler([...counts.keys()], [...counts.values()]);

describe('PopularityModel', () => {
  it('inverts its own expectation', () => {
    for (const n of [2, 10, 50, 300, 2000]) {
      expect(model.estimateUsers(model.expectedDistinct(n)) / n).toBeCloseTo(1, 2);
    }
  });

  it.each([5, 20, 80, 300, 1000])('estimates %i people from the distinct agents they show (within ×1.3)', (n) => {
    const rng = new Random(n);
    const ratios: number[] = [];
    for (let trial = 0; trial < 20; trial++) {
      const seen = new Set<number>();
      for (let k = 0; k < n; k++) seen.add(sampler.sample(rng));
      ratios.push(model.estimateUsers(seen.size) / n);
    }
    ratios.sort((a, b) => a - b);
    const median = ratios[10]!;
    expect(median).toBeGreaterThan(1 / 1.3);
    expect(median).toBeLessThan(1.3);
  });

  it('caps the estimate when the distinct count is beyond what the model explains', () => {
    expect(model.estimateUsers(10_000, 50_000)).toBe(50_000);
    expect(model.estimateUsers(1)).toBe(1);
  });

  it('scores a natural crowd as plausible and a rotation through rare strings as not', () => {
    const rng = new Random(1);
    const crowd = new Set<number>();
    for (let k = 0; k < 200; k++) crowd.add(sampler.sample(rng));
    const sample = [...crowd].slice(0, 64);
    expect(model.plausibility(sample, model.estimateUsers(crowd.size))).toBeGreaterThan(0.6);
    // Uniform picks from the tail and from strings nobody else uses.
    const rotation = Array.from({ length: 64 }, (_, i) => (i % 2 === 0 ? 300 + i : 10_000 + i));
    expect(model.plausibility(rotation, model.estimateUsers(rotation.length))).toBeLessThan(0.2);
  });
});

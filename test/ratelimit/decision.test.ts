import { describe, expect, it } from 'vitest';
import { decide, effectiveLimit, type DecisionRule } from '../../src/ratelimit/index.ts';

const rule: DecisionRule = { id: 'api', limit: 5, period: 60, action: 'block', failOpen: true };

describe('decide (pure)', () => {
  it.each([
    // [factor, store answer, expected decision fields, Retry-After]
    [
      1,
      { allowed: true, remaining: 4, resetMs: 59_001, retryAfterMs: 0 },
      { limit: 5, remaining: 4, reset: 60, limited: false, enforced: true },
      1,
    ],
    [2.5, { allowed: true, remaining: 0, resetMs: 30_000, retryAfterMs: 1_500 }, { limit: 12, remaining: 0, reset: 2, limited: false }, 2], // floor(5 × 2.5) = 12
    [
      10,
      { allowed: false, remaining: 0, resetMs: 0, retryAfterMs: 42_100 },
      { limit: 50, remaining: 0, reset: 43, limited: true, enforced: true },
      43,
    ],
    [1, { allowed: false, remaining: -3, resetMs: Number.NaN, retryAfterMs: -1 }, { remaining: 0, reset: 0, limited: true }, 1], // a store's nonsense numbers
  ])('factor %d, store %j → %j, Retry-After %d', (factor, answer, expected, retryAfter) => {
    const out = decide(rule, factor, 'api 192.0.2.1', answer);
    expect(out.decision).toMatchObject({
      id: 'api',
      baseLimit: 5,
      period: 60,
      factor,
      key: 'api 192.0.2.1',
      storeError: false,
      ...expected,
    });
    expect(out.retryAfter).toBe(retryAfter);
  });

  it.each([
    [true, 'block', { remaining: 5, reset: 60, limited: false, enforced: false }],
    [false, 'block', { remaining: 0, reset: 1, limited: true, enforced: true }],
    [false, 'log', { remaining: 0, reset: 1, limited: true, enforced: false }],
  ] as const)('store failed, failOpen %s, action %s → %j', (failOpen, action, expected) => {
    const out = decide({ ...rule, failOpen, action }, 1, 'k', undefined);
    expect(out.decision).toMatchObject({ storeError: true, limit: 5, ...expected });
    expect(out.retryAfter).toBe(1);
  });

  it('the effective limit is floor(limit × factor), at least 1', () => {
    expect([effectiveLimit(600, 10), effectiveLimit(3, 1.5), effectiveLimit(1, 0.2)]).toEqual([6000, 4, 1]);
  });
});

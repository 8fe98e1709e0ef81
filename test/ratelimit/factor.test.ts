import { describe, expect, it } from 'vitest';
import { DEFAULT_FACTOR_POLICY, multiUserFactor, rateLimit } from '../../src/ratelimit/index.ts';
import { resolveFactor } from '../../src/ratelimit/factor.ts';
import { MULTI_USER_KINDS, type MultiUserKind } from '../../src/table/types.ts';

const m = (kind: string, users: number | undefined) => ({ prefix: '198.51.100.0/24', kind: kind as MultiUserKind, users });

describe('multiUserFactor (default policy)', () => {
  it.each([
    // kind, users, factor
    ['cgnat', 1, 1],
    ['cgnat', 3, 1],
    ['cgnat', 4, 2],
    ['cgnat', 99, 9],
    ['cgnat', 100, 10],
    ['cgnat', 10_000, 10],
    ['cgnat', undefined, 5],
    ['enterprise', 50, 7],
    ['enterprise', 1000, 8],
    ['enterprise', undefined, 4],
    ['relay', 1000, 8],
    ['relay', undefined, 4],
    ['vpn', 15, 3],
    ['vpn', 1000, 4],
    ['vpn', undefined, 3],
    ['proxy', 1000, 2],
    ['proxy', undefined, 2],
    ['tor', 1000, 2],
    ['tor', undefined, 2],
    ['unknown', 1000, 2],
    ['unknown', undefined, 2],
    ['cgnat', 0, 1],
    ['cgnat', -5, 5], // nonsense users: the kind's default
    ['cgnat', Number.NaN, 5],
    ['cgnat', Number.POSITIVE_INFINITY, 5],
    ['made-up-kind', 1000, 2], // a kind the policy does not know is `unknown`
  ] as const)('%s with %s users → %s', (kind, users, factor) => {
    expect(multiUserFactor(m(kind, users))).toBe(factor);
  });

  it('is 1 for an address not in the table', () => {
    expect(multiUserFactor(undefined)).toBe(1);
  });

  it('covers every kind of the table, never below 1 nor above the ceiling of 10', () => {
    for (const kind of MULTI_USER_KINDS) {
      expect(DEFAULT_FACTOR_POLICY.caps[kind]).toBeGreaterThanOrEqual(1);
      for (const users of [undefined, 0, 1, 2, 50, 1e9]) {
        const f = multiUserFactor(m(kind, users));
        expect(f).toBeGreaterThanOrEqual(1);
        expect(f).toBeLessThanOrEqual(10);
        expect(Number.isInteger(f)).toBe(true);
      }
    }
  });
});

describe('configured factor policies', () => {
  it('merges partial caps and default users over the defaults', () => {
    const f = resolveFactor({ caps: { cgnat: 6 }, defaultUsers: { vpn: 16 } });
    expect(f(m('cgnat', 1000))).toBe(6);
    expect(f(m('vpn', undefined))).toBe(4);
    expect(f(m('enterprise', 1000))).toBe(8);
  });

  it('refuses a cap above the ceiling unless the ceiling is raised explicitly', () => {
    expect(() => rateLimit({ factor: { caps: { cgnat: 20 } } })).toThrow(/factor\.caps\.cgnat.*ceiling/);
    const f = resolveFactor({ caps: { cgnat: 20 }, ceiling: 20 });
    expect(f(m('cgnat', 10_000))).toBe(20);
  });

  it('clamps a factor function into [1, 10] and survives its errors', () => {
    expect(resolveFactor(() => 50)(m('cgnat', 1))).toBe(10);
    expect(resolveFactor(() => 0.2)(m('cgnat', 1))).toBe(1);
    expect(resolveFactor(() => Number.NaN)(m('cgnat', 1))).toBe(1);
    expect(resolveFactor(() => 2.5)(m('cgnat', 1))).toBe(2.5);
    expect(
      resolveFactor(() => {
        throw new Error('boom');
      })(m('cgnat', 1)),
    ).toBe(1);
    expect(resolveFactor(() => 50)(undefined)).toBe(1);
  });

  it.each([
    [{ ceiling: 0 }, /factor\.ceiling/],
    [{ ceiling: Number.POSITIVE_INFINITY }, /factor\.ceiling/],
    [{ caps: { vpn: 0.5 } }, /factor\.caps\.vpn/],
    [{ caps: { vpn: Number.NaN } }, /factor\.caps\.vpn/],
    [{ defaultUsers: { tor: -1 } }, /factor\.defaultUsers\.tor/],
  ])('rejects %j', (factor, message) => {
    expect(() => rateLimit({ factor })).toThrow(TypeError);
    expect(() => rateLimit({ factor })).toThrow(message);
  });
});

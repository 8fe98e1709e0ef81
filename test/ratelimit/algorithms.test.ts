import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyHit, MemoryStore, type CounterState, type RateLimitAlgorithm, type StoreRule } from '../../src/ratelimit/index.ts';
import { referenceModel } from './reference.ts';

const ALGORITHMS: RateLimitAlgorithm[] = ['sliding-window', 'fixed-window', 'token-bucket'];
const EPOCH = 1_767_225_600_000; // 2026-01-01T00:00:00Z, a multiple of every period used here

function run(rule: StoreRule, times: number[]) {
  let state: CounterState | undefined;
  return times.map((t) => {
    const applied = applyHit(state, rule, t);
    state = applied.state;
    return applied.result;
  });
}

describe.each(ALGORITHMS)('%s', (algorithm) => {
  it('matches the reference model on random traffic (fake clock, bursts, rollovers)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.constantFrom(1000, 10_000, 60_000, 7),
        fc.constantFrom(0, 0, 5_000),
        fc.integer({ min: 0, max: 200_000 }),
        fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 90_000 })), { maxLength: 60 }),
        (limit, periodMs, mitigationMs, start, gaps) => {
          const rule: StoreRule = { algorithm, limit, periodMs, mitigationMs };
          const ref = referenceModel(algorithm, limit, periodMs, mitigationMs);
          let now = EPOCH + start;
          let state: CounterState | undefined;
          for (const gap of gaps) {
            now += gap;
            const before = ref.clone();
            const expected = ref.hit(now);
            const applied = applyHit(state, rule, now);
            state = applied.state;
            const got = applied.result;
            expect(got.allowed).toBe(expected.allowed);
            expect(got.remaining).toBe(expected.remaining);
            expect(got.remaining).toBeGreaterThanOrEqual(0);
            expect(applied.expiresAt).toBeGreaterThan(now - 1);
            // retryAfterMs is the earliest time the reference would allow a hit again (no other traffic).
            if (got.remaining === 0) {
              expect(got.retryAfterMs).toBeGreaterThan(0);
              expect(ref.clone().hit(now + got.retryAfterMs).allowed).toBe(true);
              expect(ref.clone().hit(now + got.retryAfterMs - 1).allowed).toBe(false);
            } else {
              expect(got.retryAfterMs).toBe(0);
            }
            void before;
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('forgets nothing that matters: a dropped state after expiresAt decides like the kept one', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.array(fc.integer({ min: 0, max: 3_000 }), { maxLength: 20 }), (limit, gaps) => {
        const rule: StoreRule = { algorithm, limit, periodMs: 1000, mitigationMs: 0 };
        let now = EPOCH;
        let state: CounterState | undefined;
        let expiresAt = 0;
        for (const gap of gaps) {
          now += gap;
          const kept = applyHit(state, rule, now);
          if (now >= expiresAt) expect(applyHit(undefined, rule, now)).toEqual(kept);
          state = kept.state;
          expiresAt = kept.expiresAt;
        }
      }),
      { numRuns: 200 },
    );
  });

  it('MemoryStore, which updates its counters in place, answers as the reference model (expiry, blocks, a second key)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.constantFrom(1000, 7),
        fc.constantFrom(0, 5_000),
        fc.array(fc.tuple(fc.boolean(), fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 20_000 }))), {
          maxLength: 60,
        }),
        (limit, periodMs, mitigationMs, hits) => {
          const rule: StoreRule = { algorithm, limit, periodMs, mitigationMs };
          const store = new MemoryStore();
          const refs = {
            a: referenceModel(algorithm, limit, periodMs, mitigationMs),
            b: referenceModel(algorithm, limit, periodMs, mitigationMs),
          };
          let now = EPOCH;
          for (const [second, gap] of hits) {
            now += gap;
            const key = second ? 'b' : 'a';
            const expected = refs[key].hit(now);
            const got = store.hit(key, rule, now);
            expect([got.allowed, got.remaining]).toEqual([expected.allowed, expected.remaining]);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('applyHit leaves the prior state as it was (the Durable Object keeps it in a cache)', () => {
    fc.assert(
      fc.property(fc.constantFrom(0, 5_000), fc.array(fc.integer({ min: 0, max: 700 }), { maxLength: 30 }), (mitigationMs, gaps) => {
        const rule: StoreRule = { algorithm, limit: 2, periodMs: 1000, mitigationMs };
        let now = EPOCH;
        let state: CounterState | undefined;
        for (const gap of gaps) {
          now += gap;
          const copy = state === undefined ? undefined : { ...state };
          const applied = applyHit(state, rule, now);
          expect(state).toEqual(copy);
          if (state !== undefined) expect(applied.state).not.toBe(state);
          state = applied.state;
        }
      }),
      { numRuns: 200 },
    );
  });

  it('never allows more than the limit in a burst at one instant', () => {
    const results = run({ algorithm, limit: 5, periodMs: 60_000, mitigationMs: 0 }, Array(20).fill(EPOCH + 123));
    expect(results.filter((r) => r.allowed)).toHaveLength(5);
    expect(results.map((r) => r.remaining).slice(0, 6)).toEqual([4, 3, 2, 1, 0, 0]);
  });

  it('treats a clock that goes backwards as standing still', () => {
    const rule: StoreRule = { algorithm, limit: 2, periodMs: 1000, mitigationMs: 0 };
    const results = run(rule, [EPOCH + 999, EPOCH + 999, EPOCH + 5, EPOCH + 1]);
    expect(results.map((r) => r.allowed)).toEqual([true, true, false, false]);
  });
});

describe('window edges (limit 10 per 60 s)', () => {
  const P = 60_000;
  it('fixed window resets exactly at the window boundary', () => {
    const rule: StoreRule = { algorithm: 'fixed-window', limit: 10, periodMs: P, mitigationMs: 0 };
    const r = run(rule, [...Array(11).fill(EPOCH + P - 1), EPOCH + P]);
    expect(r[9]).toEqual({ allowed: true, remaining: 0, resetMs: 1, retryAfterMs: 1 });
    expect(r[10]!.allowed).toBe(false);
    expect(r[11]).toEqual({ allowed: true, remaining: 9, resetMs: P, retryAfterMs: 0 });
  });

  it('sliding window weighs the previous window by the part of it still covered', () => {
    const rule: StoreRule = { algorithm: 'sliding-window', limit: 10, periodMs: P, mitigationMs: 0 };
    // 10 hits at the end of one window; 15 s into the next, 10 × 0.75 = 7.5 → 2 more allowed (7.5 + 2 ≤ 10).
    const r = run(rule, [...Array(10).fill(EPOCH + P - 1), ...Array(4).fill(EPOCH + P + 15_000)]);
    expect(r.slice(10).map((x) => x.allowed)).toEqual([true, true, false, false]);
    // Next allowed when 10 × (1 − e/60) + 2 + 1 ≤ 10, i.e. e ≥ 18 s: 3 s from now.
    expect(r[13]!.retryAfterMs).toBe(3_000);
  });

  it('token bucket refills one token every period / limit', () => {
    const rule: StoreRule = { algorithm: 'token-bucket', limit: 10, periodMs: P, mitigationMs: 0 };
    const r = run(rule, [...Array(11).fill(EPOCH), EPOCH + 5_999, EPOCH + 6_000]);
    expect(r[10]).toMatchObject({ allowed: false, retryAfterMs: 6_000 });
    expect(r[11]!.allowed).toBe(false);
    expect(r[12]).toMatchObject({ allowed: true, remaining: 0, resetMs: P });
  });

  it('mitigation timeout keeps blocking after the window rolled over', () => {
    const rule: StoreRule = { algorithm: 'fixed-window', limit: 1, periodMs: 1000, mitigationMs: 30_000 };
    const r = run(rule, [EPOCH, EPOCH + 10, EPOCH + 5_000, EPOCH + 30_009, EPOCH + 30_010]);
    expect(r.map((x) => x.allowed)).toEqual([true, false, false, false, true]);
    expect(r[1]!.retryAfterMs).toBe(30_000);
    expect(r[2]!.retryAfterMs).toBe(25_010);
  });
});

describe('MemoryStore', () => {
  const rule: StoreRule = { algorithm: 'fixed-window', limit: 1, periodMs: 60_000, mitigationMs: 0 };

  it('is bounded: past maxKeys the least recently used key is evicted', () => {
    const store = new MemoryStore({ maxKeys: 3 });
    store.hit('a', rule, EPOCH);
    store.hit('b', rule, EPOCH);
    store.hit('c', rule, EPOCH);
    expect(store.hit('a', rule, EPOCH).allowed).toBe(false); // touches a: b is now the stalest
    store.hit('d', rule, EPOCH); // evicts b
    expect(store.size).toBe(3);
    expect(store.hit('a', rule, EPOCH).allowed).toBe(false);
    expect(store.hit('b', rule, EPOCH).allowed).toBe(true); // b was forgotten
  });

  it('never evicts a key hit at least once every maxKeys / 2 operations, and never holds more than maxKeys', () => {
    fc.assert(
      fc.property(fc.integer({ min: 4, max: 64 }), fc.array(fc.nat(), { minLength: 1, maxLength: 400 }), (maxKeys, others) => {
        const store = new MemoryStore({ maxKeys });
        const big: StoreRule = { algorithm: 'fixed-window', limit: 1_000_000, periodMs: 60_000, mitigationMs: 0 };
        const every = Math.max(1, Math.floor(maxKeys / 2));
        let hot = 0;
        let ops = 0;
        for (const other of others) {
          if (ops % every === 0) {
            hot++;
            expect(store.hit('hot', big, EPOCH).remaining).toBe(1_000_000 - hot);
            ops++;
          }
          store.hit(`k${other}`, big, EPOCH);
          ops++;
          expect(store.size).toBeLessThanOrEqual(maxKeys);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('expires lazily and keeps keys apart', () => {
    const store = new MemoryStore();
    expect(store.hit('x', rule, EPOCH).allowed).toBe(true);
    expect(store.hit('x', rule, EPOCH + 59_999).allowed).toBe(false);
    expect(store.hit('y', rule, EPOCH + 59_999).allowed).toBe(true);
    expect(store.hit('x', rule, EPOCH + 60_000).allowed).toBe(true);
    store.reset('x');
    expect(store.hit('x', rule, EPOCH + 60_001).allowed).toBe(true);
  });

  it.each([0, -1, 1.5, Number.NaN])('rejects maxKeys %s', (maxKeys) => {
    expect(() => new MemoryStore({ maxKeys })).toThrow(/maxKeys/);
  });
});

// The isolate side of the Durable Object store (leases, deny cache, failures) against a fake
// namespace that decides with the same applyHit as the real object. The real object runs in
// durable-object.workers.test.ts.
import { describe, expect, it } from 'vitest';
import { applyHit, DurableObjectStore, type CounterState, type HitResult, type StoreRule } from '../../src/ratelimit/index.ts';

const EPOCH = 1_767_225_600_000;
const rule = (limit: number, mitigationMs = 0): StoreRule => ({ algorithm: 'fixed-window', limit, periodMs: 60_000, mitigationMs });

function fakeNamespace(options: { delayMs?: number; fail?: () => boolean; hang?: () => boolean } = {}) {
  const states = new Map<string, CounterState>();
  const calls: number[] = [];
  const ns = {
    getByName(_name: string) {
      return {
        async hit(key: string, r: StoreRule, now: number, count: number): Promise<HitResult[]> {
          calls.push(count);
          if (options.hang?.()) return new Promise<never>(() => {});
          await new Promise((resolve) => setTimeout(resolve, options.delayMs ?? 1));
          if (options.fail?.()) throw new Error('object unavailable');
          const out: HitResult[] = [];
          for (let i = 0; i < count; i++) {
            const applied = applyHit(states.get(key), r, now);
            states.set(key, applied.state);
            out.push(applied.result);
          }
          return out;
        },
      };
    },
  };
  return { ns, calls };
}

describe('DurableObjectStore (isolate side)', () => {
  it('concurrent first hits each ask the object: exactly the limit allowed', async () => {
    const { ns, calls } = fakeNamespace();
    const store = new DurableObjectStore(ns);
    const results = await Promise.all(Array.from({ length: 100 }, () => store.hit('k', rule(30), EPOCH)));
    expect(results.filter((r) => r.allowed)).toHaveLength(30);
    expect(calls.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(100 + 32);
  });

  it('leases a hot key: far fewer round trips, exactly the limit, remaining counts down', async () => {
    const { ns, calls } = fakeNamespace();
    const store = new DurableObjectStore(ns, { maxLease: 16, leaseMs: 100 });
    const results: HitResult[] = [];
    for (let i = 0; i < 1000; i++) results.push(await store.hit('k', rule(600), EPOCH + i));
    expect(results.filter((r) => r.allowed)).toHaveLength(600);
    expect(calls.length).toBeLessThan(200); // 100 single hits in the first interval, then leases of 16
    expect(Math.max(...calls)).toBe(16);
    const remaining = results.filter((r) => r.allowed).map((r) => r.remaining);
    expect(remaining).toEqual(Array.from({ length: 600 }, (_, i) => 599 - i));
    expect(results.slice(600).every((r) => !r.allowed && r.retryAfterMs > 0)).toBe(true);
  });

  it('several isolates leasing one key never allow more than the limit together', async () => {
    const { ns } = fakeNamespace();
    const stores = Array.from({ length: 5 }, () => new DurableObjectStore(ns, { maxLease: 8, leaseMs: 50 }));
    let allowed = 0;
    for (let i = 0; i < 1000; i++) if ((await stores[i % 5]!.hit('k', rule(600), EPOCH + i)).allowed) allowed++;
    expect(allowed).toBeLessThanOrEqual(600);
    expect(allowed).toBeGreaterThanOrEqual(600 - 5 * 7); // unused leases: at most maxLease − 1 per isolate
  });

  it('a lease never outlives the window it was counted in', async () => {
    const { ns, calls } = fakeNamespace();
    const store = new DurableObjectStore(ns, { maxLease: 50, leaseMs: 60_000 });
    // Fixed windows of 60 s, limit 40. Demand in one interval (hits spread over the window)…
    for (let i = 0; i < 5; i++) await store.hit('w', rule(40), EPOCH + i * 10_000);
    // …makes the next interval lease, at the very end of the window…
    let allowedEarly = 0;
    for (let i = 0; i < 3; i++) if ((await store.hit('w', rule(40), EPOCH + 60_000 * 2 - 10 + i)).allowed) allowedEarly++;
    expect(Math.max(...calls)).toBeGreaterThan(1);
    // …and the next window still allows exactly 40: the old window's leftovers are not reused.
    let allowedLate = 0;
    for (let i = 0; i < 60; i++) if ((await store.hit('w', rule(40), EPOCH + 60_000 * 2 + i)).allowed) allowedLate++;
    expect(allowedEarly).toBe(3);
    expect(allowedLate).toBe(40);
  });

  it('answers from the deny cache until the earliest allowed time, then asks again', async () => {
    const { ns, calls } = fakeNamespace();
    const store = new DurableObjectStore(ns, { maxLease: 1 });
    await store.hit('k', rule(1), EPOCH);
    const before = calls.length;
    expect(await store.hit('k', rule(1), EPOCH + 59_999)).toEqual({ allowed: false, remaining: 0, resetMs: 1, retryAfterMs: 1 });
    expect(calls.length).toBe(before);
    expect((await store.hit('k', rule(1), EPOCH + 60_000)).allowed).toBe(true);
    expect(calls.length).toBe(before + 1);
  });

  it('with a mitigation timeout, lets the first excess hit reach the object so that it starts the block', async () => {
    const { ns, calls } = fakeNamespace();
    const store = new DurableObjectStore(ns, { maxLease: 1 });
    expect((await store.hit('k', rule(1, 600_000), EPOCH)).remaining).toBe(0);
    const excess = await store.hit('k', rule(1, 600_000), EPOCH + 1);
    expect(calls).toHaveLength(2);
    expect(excess.retryAfterMs).toBe(600_000);
    expect((await store.hit('k', rule(1, 600_000), EPOCH + 120_000)).allowed).toBe(false); // still blocked, from the cache
    expect(calls).toHaveLength(2);
  });

  it('a different effective limit (another factor) starts afresh', async () => {
    const { ns, calls } = fakeNamespace();
    const store = new DurableObjectStore(ns);
    await store.hit('k', rule(1), EPOCH);
    await store.hit('k', rule(1), EPOCH + 1); // denied, cached
    const n = calls.length;
    expect((await store.hit('k', rule(5), EPOCH + 2)).allowed).toBe(true);
    expect(calls.length).toBe(n + 1);
  });

  it('a failing call rejects and the next one goes out', async () => {
    let failing = true;
    const { ns } = fakeNamespace({ fail: () => failing });
    const store = new DurableObjectStore(ns);
    const first = await Promise.allSettled(Array.from({ length: 5 }, () => store.hit('k', rule(10), EPOCH)));
    expect(first.every((r) => r.status === 'rejected')).toBe(true);
    failing = false;
    expect((await store.hit('k', rule(10), EPOCH)).allowed).toBe(true);
  });

  it('is bounded by maxKeys: forgotten keys ask the object again', async () => {
    const { ns, calls } = fakeNamespace();
    const store = new DurableObjectStore(ns, { maxKeys: 2, maxLease: 1 });
    await store.hit('a', rule(1), EPOCH);
    await store.hit('a', rule(1), EPOCH + 1); // denied, cached
    const n = calls.length;
    await store.hit('a', rule(1), EPOCH + 2);
    expect(calls.length).toBe(n);
    await store.hit('b', rule(1), EPOCH + 3);
    await store.hit('c', rule(1), EPOCH + 4); // evicts a
    await store.hit('a', rule(1), EPOCH + 5);
    expect(calls.length).toBe(n + 3);
  });

  it('rejects a binding whose objects are not RateLimitCounter', async () => {
    const store = new DurableObjectStore({ getByName: () => ({}) });
    await expect(Promise.resolve().then(() => store.hit('k', rule(1), EPOCH))).rejects.toThrow(TypeError);
    const answersNonsense = new DurableObjectStore({ getByName: () => ({ hit: async () => [{ nope: 1 }] }) });
    await expect(answersNonsense.hit('k', rule(1), EPOCH)).rejects.toThrow(/expected 1 results/);
  });

  it.each([
    [{ maxLease: 0 }, 'maxLease'],
    [{ leaseMs: 0 }, 'leaseMs'],
    [{ maxKeys: 1.5 }, 'maxKeys'],
  ])('rejects %j', (options, name) => {
    expect(() => new DurableObjectStore({ getByName: () => ({}) }, options)).toThrow(name);
  });

  it('rejects something that is not a namespace', () => {
    expect(() => new DurableObjectStore({} as never)).toThrow(/namespace/);
  });
});

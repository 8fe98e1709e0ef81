// The isolate side of the Durable Object store (batching, deny cache, failures) against a fake
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
  it('batches concurrent hits for one key: exact, few round trips, batches capped by maxBatch', async () => {
    const { ns, calls } = fakeNamespace();
    const store = new DurableObjectStore(ns, { maxBatch: 40 });
    const results = await Promise.all(Array.from({ length: 100 }, () => store.hit('k', rule(30), EPOCH)));
    expect(results.filter((r) => r.allowed)).toHaveLength(30);
    expect(calls.reduce((a, b) => a + b, 0)).toBe(100);
    expect(calls.length).toBeLessThanOrEqual(5);
    expect(Math.max(...calls)).toBeLessThanOrEqual(40);
    // Answers keep arrival order: the first 30 callers got the allowances.
    expect(results.map((r) => r.allowed)).toEqual([...Array(30).fill(true), ...Array(70).fill(false)]);
  });

  it('answers from the deny cache until the earliest allowed time, then asks again', async () => {
    const { ns, calls } = fakeNamespace();
    const store = new DurableObjectStore(ns);
    await store.hit('k', rule(1), EPOCH);
    const denied = await store.hit('k', rule(1), EPOCH + 1);
    expect(denied.allowed).toBe(false);
    const before = calls.length;
    expect(await store.hit('k', rule(1), EPOCH + 59_999)).toEqual({ allowed: false, remaining: 0, resetMs: 1, retryAfterMs: 1 });
    expect(calls.length).toBe(before);
    expect((await store.hit('k', rule(1), EPOCH + 60_000)).allowed).toBe(true);
    expect(calls.length).toBe(before + 1);
  });

  it('with a mitigation timeout, lets the first excess hit reach the object so that it starts the block', async () => {
    const { ns, calls } = fakeNamespace();
    const store = new DurableObjectStore(ns);
    expect((await store.hit('k', rule(1, 600_000), EPOCH)).remaining).toBe(0);
    const excess = await store.hit('k', rule(1, 600_000), EPOCH + 1);
    expect(calls).toHaveLength(2);
    expect(excess.retryAfterMs).toBe(600_000);
    expect((await store.hit('k', rule(1, 600_000), EPOCH + 120_000)).allowed).toBe(false); // still blocked, from the cache
    expect(calls).toHaveLength(2);
  });

  it('a failing batch rejects its hits and the next batch still goes out', async () => {
    let failing = true;
    const { ns } = fakeNamespace({ fail: () => failing });
    const store = new DurableObjectStore(ns);
    const first = await Promise.allSettled(Array.from({ length: 5 }, () => store.hit('k', rule(10), EPOCH)));
    expect(first.every((r) => r.status === 'rejected')).toBe(true);
    failing = false;
    expect((await store.hit('k', rule(10), EPOCH)).allowed).toBe(true);
  });

  it('a batch that never returns is abandoned after staleAfterMs', async () => {
    let hang = true;
    const { ns } = fakeNamespace({ hang: () => hang });
    const store = new DurableObjectStore(ns, { staleAfterMs: 50 });
    void store.hit('k', rule(10), EPOCH);
    hang = false;
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect((await store.hit('k', rule(10), EPOCH)).allowed).toBe(true);
  });

  it('rejects a binding whose objects are not RateLimitCounter', async () => {
    const store = new DurableObjectStore({ getByName: () => ({}) }, { batch: false });
    await expect(Promise.resolve().then(() => store.hit('k', rule(1), EPOCH))).rejects.toThrow(TypeError);
    const answersNonsense = new DurableObjectStore({ getByName: () => ({ hit: async () => [{ nope: 1 }] }) });
    await expect(answersNonsense.hit('k', rule(1), EPOCH)).rejects.toThrow(/expected 1 results/);
  });

  it.each([
    [{ maxBatch: 0 }, 'maxBatch'],
    [{ denyCacheKeys: -1 }, 'denyCacheKeys'],
    [{ staleAfterMs: 0 }, 'staleAfterMs'],
  ])('rejects %j', (options, name) => {
    expect(() => new DurableObjectStore({ getByName: () => ({}) }, options)).toThrow(name);
  });

  it('rejects something that is not a namespace', () => {
    expect(() => new DurableObjectStore({} as never)).toThrow(/namespace/);
  });

});

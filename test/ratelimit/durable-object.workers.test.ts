import { env } from 'cloudflare:workers';
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { DurableObjectStore, RateLimitCounter } from '../../src/ratelimit/durable-object.ts';
import { rateLimit, type StoreRule } from '../../src/ratelimit/index.ts';
import { parseRateLimitList, tinyTable } from './helpers.ts';

// Typed locally (not by augmenting Cloudflare.Env) so it never clashes with the worker's own Env.
const counters = (env as unknown as { RATE_LIMIT_COUNTER: DurableObjectNamespace<RateLimitCounter> }).RATE_LIMIT_COUNTER;

const rule = (limit: number, algorithm: StoreRule['algorithm'] = 'sliding-window'): StoreRule => ({
  algorithm,
  limit,
  periodMs: 60_000,
  mitigationMs: 0,
});

let unique = 0;
const freshKey = (label: string) => `test-${label}-${++unique}-${Date.now()}`;

/** Counts RPC round trips to the objects. */
function countingNamespace() {
  const calls = { rpc: 0 };
  const ns = {
    getByName(name: string) {
      const stub = counters.getByName(name);
      return {
        hit: (...args: Parameters<RateLimitCounter['hit']>) => {
          calls.rpc++;
          return stub.hit(...args);
        },
      };
    },
  };
  return { ns, calls };
}

describe('DurableObjectStore + RateLimitCounter', () => {
  it.each(['sliding-window', 'fixed-window', 'token-bucket'] as const)(
    '%s: 200 parallel hits for one key with limit 50 → exactly 50 allowed (one RPC each)',
    async (algorithm) => {
      const { ns, calls } = countingNamespace();
      const store = new DurableObjectStore(ns, { batch: false, denyCacheKeys: 0 });
      const key = freshKey(algorithm);
      const now = Date.now();
      const results = await Promise.all(Array.from({ length: 200 }, () => store.hit(key, rule(50, algorithm), now)));
      expect(results.filter((r) => r.allowed)).toHaveLength(50);
      expect(calls.rpc).toBe(200);
      // Each allowed hit saw a distinct remaining count: the object decided them one at a time.
      expect(new Set(results.filter((r) => r.allowed).map((r) => r.remaining)).size).toBe(50);
    },
  );

  it('batches a hot key: still exactly 50 of 200, in far fewer round trips, and denies locally afterwards', async () => {
    const { ns, calls } = countingNamespace();
    const store = new DurableObjectStore(ns);
    const key = freshKey('hot');
    const now = Date.now();
    const results = await Promise.all(Array.from({ length: 200 }, () => store.hit(key, rule(50), now)));
    expect(results.filter((r) => r.allowed)).toHaveLength(50);
    expect(calls.rpc).toBeLessThanOrEqual(3);
    const before = calls.rpc;
    const later = await store.hit(key, rule(50), now + 10);
    expect(later.allowed).toBe(false);
    expect(calls.rpc).toBe(before); // answered from the deny cache
  });

  it('several isolates (stores) hitting one key concurrently still allow exactly the limit', async () => {
    const key = freshKey('isolates');
    const now = Date.now();
    const stores = Array.from({ length: 4 }, () => new DurableObjectStore(counters));
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => stores[i % 4]!.hit(key, rule(50), now)));
    expect(results.filter((r) => r.allowed)).toHaveLength(50);
  });

  it('survives eviction: the count is restored from storage', async () => {
    const key = freshKey('evict');
    const store = new DurableObjectStore(counters, { denyCacheKeys: 0 });
    const now = Date.now();
    for (let i = 0; i < 7; i++) await store.hit(key, rule(10, 'fixed-window'), now);
    const stub = counters.getByName(key);
    await evictDurableObject(stub);
    const stored = await runInDurableObject(stub, (_instance: RateLimitCounter, state) => state.storage.kv.get<{ s: { c: number } }>('s'));
    expect(stored?.s.c).toBe(7);
    const after = await Promise.all(Array.from({ length: 5 }, () => store.hit(key, rule(10, 'fixed-window'), now)));
    expect(after.map((r) => r.allowed)).toEqual([true, true, true, false, false]);
    expect(after[2]!.remaining).toBe(0);
  });

  it('deletes its storage once the state has expired (alarm)', async () => {
    const key = freshKey('expire');
    const stub = counters.getByName(key);
    // A clock 10 minutes behind: the state is already expired by real time when the alarm runs.
    await stub.hit(key, rule(5), Date.now() - 600_000, 1);
    await runDurableObjectAlarm(stub);
    const stored = await runInDurableObject(stub, (_instance: RateLimitCounter, state) => state.storage.kv.get('s'));
    expect(stored).toBeUndefined();
  });

  it('rejects malformed RPC input', async () => {
    const key = freshKey('bad');
    let error: unknown;
    try {
      await counters.getByName(key).hit(key, { ...rule(5), limit: 0 }, Date.now(), 1);
    } catch (e) {
      error = e;
    }
    expect(String(error)).toMatch(/invalid rule\.limit/);
  });
});

describe('rateLimit with the Durable Object store, in a Hono app on workerd', () => {
  function app(limit: number) {
    let store: DurableObjectStore | undefined;
    const hono = new Hono<{ Bindings: { RATE_LIMIT_COUNTER: DurableObjectNamespace<RateLimitCounter> } }>();
    hono.use(rateLimit({ id: `app${++unique}`, limit, period: 60, table: tinyTable, store: (c) => (store ??= new DurableObjectStore(c.env.RATE_LIMIT_COUNTER)) }));
    hono.get('/', (c) => c.json({ factor: c.get('rateLimit').factor, multiUser: c.get('multiUser') ?? null }));
    return (ip: string, headers: Record<string, string> = {}) =>
      hono.request('/', { headers: { 'cf-connecting-ip': ip, ...headers } }, { RATE_LIMIT_COUNTER: counters });
  }

  it('gives a multi-user address q = limit × factor and a single-user one q = limit', async () => {
    const request = app(5);
    const single = await request('203.0.113.10');
    const [singleId, singlePolicy] = Object.entries(parseRateLimitList(single.headers.get('RateLimit-Policy')))[0]!;
    expect(singlePolicy).toEqual({ q: 5, w: 60 });
    const cgnat = await request('198.51.100.10');
    expect(parseRateLimitList(cgnat.headers.get('RateLimit-Policy'))[singleId]).toEqual({ q: 50, w: 60 });
    expect(parseRateLimitList(cgnat.headers.get('RateLimit'))[singleId]).toMatchObject({ r: 49 });
    expect(await cgnat.json()).toEqual({ factor: 10, multiUser: { prefix: '198.51.100.0/24', kind: 'cgnat', users: 400 } });
    const vpn = await request('192.0.2.10', { 'x-forwarded-for': '198.51.100.99' });
    expect(parseRateLimitList(vpn.headers.get('RateLimit-Policy'))[singleId]).toEqual({ q: 15, w: 60 });
  });

  it('200 parallel requests from one address with limit 50: exactly 50 pass, the rest get 429', async () => {
    const request = app(50);
    const statuses = await Promise.all(Array.from({ length: 200 }, async () => (await request('203.0.113.77')).status));
    expect(statuses.filter((s) => s === 200)).toHaveLength(50);
    expect(statuses.filter((s) => s === 429)).toHaveLength(150);
  });
});

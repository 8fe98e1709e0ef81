import { env, exports } from 'cloudflare:workers';
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { DurableObjectStore, type RateLimitCounter } from '../../src/ratelimit/durable-object.ts';
import { rateLimit, type StoreRule } from '../../src/ratelimit/index.ts';
import { parseRateLimitList, tinyTable } from './helpers.ts';

// Typed by test/env.d.ts (Cloudflare.Env) as DurableObjectNamespace<RateLimitCounter>.
const counters = env.RATE_LIMIT_COUNTER;

const rule = (limit: number, algorithm: StoreRule['algorithm'] = 'sliding-window'): StoreRule => ({
  algorithm,
  limit,
  periodMs: 60_000,
  mitigationMs: 0,
});

let unique = 0;
const freshKey = (label: string) => `test-${label}-${++unique}-${Date.now()}`;

/**
 * The start of the next 60 s window. Counters hit at this time expire at least 60 s after the real
 * clock, which the clean-up alarm runs on, so the alarm cannot delete them mid-test. With `Date.now()`
 * a fixed window could end during the test (one CI run failed so, near a minute boundary).
 */
const nextWindow = () => (Math.floor(Date.now() / 60_000) + 1) * 60_000;

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
      const store = new DurableObjectStore(ns, { maxLease: 1 });
      const key = freshKey(algorithm);
      const now = nextWindow();
      const results = await Promise.all(Array.from({ length: 200 }, () => store.hit(key, rule(50, algorithm), now)));
      expect(results.filter((r) => r.allowed)).toHaveLength(50);
      expect(calls.rpc).toBe(200);
      // Each allowed hit saw a distinct remaining count: the object decided them one at a time.
      expect(new Set(results.filter((r) => r.allowed).map((r) => r.remaining)).size).toBe(50);
    },
  );

  it('leases a hot key: exactly the limit over time, in far fewer round trips, then denies locally', async () => {
    const { ns, calls } = countingNamespace();
    const store = new DurableObjectStore(ns, { maxLease: 16, leaseMs: 100 });
    const key = freshKey('hot');
    const start = nextWindow();
    let allowed = 0;
    for (let i = 0; i < 400; i++) if ((await store.hit(key, rule(300), start + i)).allowed) allowed++;
    expect(allowed).toBe(300);
    expect(calls.rpc).toBeLessThan(200);
    const before = calls.rpc;
    expect((await store.hit(key, rule(300), start + 500)).allowed).toBe(false);
    expect(calls.rpc).toBe(before); // answered from the deny cache
  });

  it('several isolates (stores) hitting one key concurrently still allow exactly the limit', async () => {
    const key = freshKey('isolates');
    const now = nextWindow();
    const stores = Array.from({ length: 4 }, () => new DurableObjectStore(counters));
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => stores[i % 4]!.hit(key, rule(50), now)));
    expect(results.filter((r) => r.allowed)).toHaveLength(50);
  });

  it('survives eviction: the count is restored from storage', async () => {
    const key = freshKey('evict');
    const store = new DurableObjectStore(counters, { maxLease: 1 });
    const now = nextWindow();
    for (let i = 0; i < 7; i++) await store.hit(key, rule(10, 'fixed-window'), now);
    const stub = counters.getByName(key);
    await evictDurableObject(stub);
    const stored = await runInDurableObject(stub, (_instance: RateLimitCounter, state) =>
      state.storage.kv.get<{ s: { c: number } }>(`k:${key}`),
    );
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
    const stored = await runInDurableObject(stub, (_instance: RateLimitCounter, state) => state.storage.kv.get(`k:${key}`));
    expect(stored).toBeUndefined();
  });

  it('keeps every counter of one address in one object, each counted on its own (client keys)', async () => {
    const base = freshKey('address');
    const store = new DurableObjectStore(counters, { maxLease: 1 });
    const now = nextWindow();
    const keys = [`${base}#c:aaaa`, `${base}#c:bbbb`, `${base}#all`];
    for (const key of keys) for (let i = 0; i < 3; i++) await store.hit(key, rule(2, 'fixed-window'), now);
    const names = await runInDurableObject(counters.getByName(base), (_instance: RateLimitCounter, state) =>
      [...state.storage.kv.list({ prefix: 'k:' })].map(([name]) => name).sort(),
    );
    // Three counters, each allowed 2 of its 3 hits, all in the object named by the address key.
    expect(names).toEqual(keys.map((k) => `k:${k}`).sort());
    const next = await store.hit(`${base}#c:cccc`, rule(2, 'fixed-window'), now);
    expect(next.allowed).toBe(true);
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
    hono.use(
      rateLimit({
        id: `app${++unique}`,
        limit,
        period: 60,
        table: tinyTable,
        store: (c) => (store ??= new DurableObjectStore(c.env.RATE_LIMIT_COUNTER)),
      }),
    );
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

describe('separate requests (separate I/O contexts) through the deployed worker', () => {
  it('allow q requests of an address across the edge worker (never more; leases may leave < 16 unused), the rest get 429', async () => {
    // The worker's own configuration (wrangler.toml: Durable Object store, default rule); the limit is
    // read back from the first response, so the test does not depend on the rule's numbers.
    // The worker counts on the real clock with a sliding window, which lets a burst that crosses a
    // window edge through one request over q once q × elapsed / period ≥ 1 (after 100 ms at q = 600):
    // start the burst at least 5 s before the next edge.
    const left = 60_000 - (Date.now() % 60_000);
    if (left < 5_000) await new Promise((resolve) => setTimeout(resolve, left + 50));
    const ip = `100.${64 + (Date.now() % 60)}.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`;
    const send = () => exports.default.fetch('https://edge.example/concurrency', { headers: { 'cf-connecting-ip': ip } });
    const first = await send();
    expect(first.status).toBe(200);
    const [, policy] = Object.entries(parseRateLimitList(first.headers.get('RateLimit-Policy')))[0]!;
    const q = policy.q as number;
    const statuses = await Promise.all(Array.from({ length: q + 39 }, async () => (await send()).status));
    const allowed = statuses.filter((s) => s === 200).length + 1;
    expect(allowed).toBeLessThanOrEqual(q);
    expect(allowed).toBeGreaterThanOrEqual(q - 15); // DurableObjectStore's default maxLease − 1, one isolate
    expect(statuses.filter((s) => s === 429)).toHaveLength(q + 40 - allowed);
  }, 60_000);
});

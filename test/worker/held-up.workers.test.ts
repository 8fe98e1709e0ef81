/**
 * What held up under the red-team read of the worker (issue 10) and must keep holding.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import tableBytes from '../../src/worker/generated/multi-user-table.bin';
import manifest from '../../src/worker/generated/multi-user-table.manifest.json';
import { createWorker } from '../../src/worker/app.ts';
import worker from '../../src/worker/index.ts';
import { fixedEnv, send, statuses, uniqueId } from './helpers.ts';

const MULTI = '198.51.100.7'; // cgnat, 1200 users: factor 10 (see worker.workers.test.ts)
const SINGLE = '192.0.2.250'; // in no listed prefix: factor 1
const TOKEN = 'a-test-admin-token-of-32-chars-ok';
const memory = (rule: object = {}) =>
  fixedEnv({ STORE: 'memory', RULES: JSON.stringify([{ id: uniqueId('h'), limit: 3, period: 60, ...rule }]) });

afterEach(() => vi.restoreAllMocks());

describe('the counted address', () => {
  it('spoofed forwarding headers neither move the counter nor raise the limit', async () => {
    const env = memory();
    const spoofs = ['x-forwarded-for', 'x-real-ip', 'true-client-ip', 'x-client-ip', 'forwarded', 'cf-connecting-ipv6'];
    const results = [];
    for (const name of spoofs) {
      const value = name === 'forwarded' ? `for=${MULTI}` : MULTI;
      const res = await send(worker, env, SINGLE, '/', { headers: { [name]: value } });
      results.push([res.status, res.headers.get('ratelimit-policy')?.match(/q=(\d+)/)?.[1]]);
    }
    expect(results).toEqual([200, 200, 200, 429, 429, 429].map((status) => [status, '3']));
  });

  it('nine spellings of one address are one counter (even counted per /128)', async () => {
    const env = memory({ ipv6Subnet: 128 });
    const spellings = [
      '2a00:1450:4001:81a::1',
      '2A00:1450:4001:81A::1',
      '2a00:1450:4001:081a:0:0:0:1',
      '2a00:1450:4001:81a:0000:0000:0000:0001',
      '2a00:1450:4001:81a::0.0.0.1',
      '[2a00:1450:4001:81a::1]',
      '2a00:1450:4001:81a:0:0::1',
      '2a00:1450:4001:81a::0:1',
      '[2a00:1450:4001:81a:0::1]:443',
    ];
    const all = [];
    for (const ip of spellings) all.push((await send(worker, env, ip)).status);
    expect(all).toEqual([200, 200, 200, 429, 429, 429, 429, 429, 429]);
  });

  it('malformed addresses share one bucket at factor 1', async () => {
    const env = memory();
    const all = [];
    for (const ip of ['garbage', '999.1.1.1', '010.0.0.1', '198.51.100.7x', undefined]) {
      const res = await send(worker, env, ip);
      all.push([res.status, res.headers.get('ratelimit-policy')?.match(/q=(\d+)/)?.[1]]);
    }
    expect(all).toEqual([200, 200, 200, 429, 429].map((status) => [status, '3']));
  });
});

describe('the Durable Object store', () => {
  // 300 at once, not 1,000: the limiter gives an async store 1 s and then fails open (by design), and
  // 1,000 took 1.1 s alone and 1.3 s under the full suite on 2 cores, so some requests passed
  // uncounted. That tests the timeout, not the object's atomicity, which 300 still exercises.
  it('a burst of 300 concurrent requests from one multi-user address passes exactly q = 30', async () => {
    const env = fixedEnv({ STORE: 'durable-object', RULES: JSON.stringify([{ id: uniqueId('burst'), limit: 3, period: 60 }]) });
    const all = await Promise.all(Array.from({ length: 300 }, () => send(worker, env, MULTI).then((r) => r.status)));
    expect(all.filter((s) => s === 200)).toHaveLength(30); // 3 × factor 10
    expect(all.filter((s) => s !== 200 && s !== 429)).toEqual([]);
  });

  it.each([
    ['throws', () => ({ hit: () => Promise.reject(new Error('object exploded')) })],
    ['never answers', () => ({ hit: () => new Promise(() => {}) })],
    ['answers nonsense', () => ({ hit: async () => [{ nope: true }] })],
    ['is not a RateLimitCounter', () => ({})],
  ])('an object that %s fails open: 200, never a 5xx', async (_name, stub) => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const env = fixedEnv({
      STORE: 'durable-object',
      RATE_LIMIT_COUNTER: { getByName: stub } as unknown as DurableObjectNamespace,
      RULES: JSON.stringify([{ id: uniqueId('fo'), limit: 1, period: 60 }]),
    });
    expect(await statuses(worker, env, SINGLE, 2)).toEqual([200, 200]);
    expect(warn).toHaveBeenCalled();
  });
});

it('a mitigation timeout keeps blocking for its length, not the window', async () => {
  const env = memory({ limit: 2, mitigationTimeout: 600 });
  expect(await statuses(worker, env, SINGLE, 3)).toEqual([200, 200, 429]);
  const blocked = await send(worker, env, SINGLE);
  // Without mitigation the wait would end with the 60 s window; with it the block lasts 600 s.
  expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(540);
});

it('the admin token is compared in constant time (SHA-256 digests, timingSafeEqual)', async () => {
  const equal = vi.spyOn(crypto.subtle, 'timingSafeEqual');
  const w = createWorker({ tableBytes, manifest });
  const res = await send(w, fixedEnv({ ADMIN_TOKEN: TOKEN }), SINGLE, '/__multi-user/health', { headers: { authorization: 'Bearer a' } });
  expect(res.status).toBe(401);
  expect(equal).toHaveBeenCalledTimes(1);
  const [a, b] = equal.mock.calls[0]! as [ArrayBuffer, ArrayBuffer];
  expect([a.byteLength, b.byteLength]).toEqual([32, 32]); // same length whatever was sent
});

it('mutated tables never make the worker throw or answer 5xx', async () => {
  vi.spyOn(console, 'error').mockImplementation(() => {});
  const original = new Uint8Array(tableBytes);
  const env = fixedEnv({ STORE: 'memory', RULES: JSON.stringify([{ id: uniqueId('mut'), limit: 1_000_000, period: 60 }]) });
  const mutation = fc.record({
    flips: fc.array(fc.record({ at: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) }), { minLength: 1, maxLength: 8 }),
    cut: fc.option(fc.nat(), { nil: undefined }),
  });
  await fc.assert(
    fc.asyncProperty(mutation, async ({ flips, cut }) => {
      const bytes = original.slice(0, cut === undefined ? original.length : cut % (original.length + 1));
      for (const { at, xor } of flips) if (bytes.length > 0) bytes[at % bytes.length]! ^= xor;
      const w = createWorker({ tableBytes: bytes, manifest });
      for (const ip of [MULTI, SINGLE, '2001:db8:100:1::7', '2001:db8:200::1']) {
        const res = await send(w, env, ip);
        expect(res.status).toBe(200);
      }
    }),
    { numRuns: 300 },
  );
});

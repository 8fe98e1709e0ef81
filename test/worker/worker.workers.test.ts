import { exports } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import tableBytes from '../../src/worker/generated/multi-user-table.bin';
import manifest from '../../src/worker/generated/multi-user-table.manifest.json';
import worker from '../../src/worker/index.ts';
import { createWorker } from '../../src/worker/app.ts';
import { MultiUserTable } from '../../src/table/index.ts';
import { fixedEnv, send, statuses, uniqueId } from './helpers.ts';

const table = MultiUserTable.from(tableBytes);
// In data/multi-user-prefixes.csv 198.51.100.7 lies in 198.51.100.0/24, cgnat with 1200 users (not in the
// enterprise /28 at .64): per the README's policy table, min(cap 10, ceiling 10, floor(√1200) = 34) = 10.
const MULTI = '198.51.100.7';
const MULTI_FACTOR = 10;
const SINGLE = '192.0.2.250'; // after 192.0.2.128/26 (relay) ends at .191: in no listed prefix
const rules = (r: object[]) => JSON.stringify(r);
const low = (limit: number, extra: object = {}) => rules([{ id: uniqueId('low'), limit, period: 60, ...extra }]);
const policy = (res: Response) => res.headers.get('ratelimit-policy');
const TOKEN = 'a-test-admin-token-of-32-chars-ok';
const bearer = { headers: { authorization: `Bearer ${TOKEN}` } };

afterEach(() => vi.restoreAllMocks());

it('the example table makes the test addresses what the tests assume', () => {
  expect(table.lookup(MULTI)).toEqual({ prefix: '198.51.100.0/24', kind: 'cgnat', users: 1200 });
  expect(table.lookup(SINGLE)).toBeUndefined();
});

describe('the deployed configuration (exports.default)', () => {
  it('forwards to the demo origin with the verdict and rate-limit headers', async () => {
    const res = await exports.default.fetch('https://edge.example/hello?x=1', { headers: { 'cf-connecting-ip': MULTI } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { origin: string; path: string; query: string; client: string; multiUser: string };
    expect(body).toMatchObject({ origin: 'demo', path: '/hello', query: '?x=1', client: MULTI });
    expect(body.multiUser).toMatch(/^multi, kind=\w+/);
    expect(policy(res)).toBe('"default";q=6000;w=60'); // the README's figure: 600 × factor 10
    expect(res.headers.get('ratelimit')).toMatch(/^"default";r=\d+;t=\d+$/);
  });
});

describe.each(['memory', 'durable-object'])('under a low limit with the %s store', (store) => {
  it('a multi-user address gets q = limit × factor and is blocked right after', async () => {
    const env = fixedEnv({ STORE: store, RULES: low(3) });
    const q = 3 * MULTI_FACTOR; // 30
    expect(await statuses(worker, env, MULTI, q + 2)).toEqual([...Array(q).fill(200), 429, 429]);
  });

  it('a single-user address gets q = limit', async () => {
    const env = fixedEnv({ STORE: store, RULES: low(3) });
    expect(await statuses(worker, env, SINGLE, 5)).toEqual([200, 200, 200, 429, 429]);
  });
});

describe('rules', () => {
  const login = uniqueId('login');
  const api = uniqueId('api');
  const env = fixedEnv({
    STORE: 'memory',
    RULES: rules([
      { id: login, limit: 1, period: 60, path: '/login', methods: ['POST'] },
      { id: api, limit: 2, period: 10, path: '/api/*' },
      { id: 'rest', limit: 100, period: 60 },
    ]),
  });

  it.each([
    ['POST', '/login', login],
    ['POST', '/login/', login],
    ['POST', '/%6cogin', login],
    ['POST', '//login', login],
    ['GET', '/login', 'rest'],
    ['POST', '/loginx', 'rest'],
    ['GET', '/api/users/7', api],
    ['DELETE', '/api/x', api],
    ['GET', '/apix', 'rest'],
    ['POST', '/LOGIN', login],
    ['POST', '/login;jsessionid=1', login],
    ['POST', '/login.json', login],
    ['POST', '/x%2F..%2Flogin', login],
    ['POST', '/x/%2e%2e/login', login],
    ['POST', '/static/..%2Flogin', login],
    ['POST', '/a\\..\\login', login],
    ['HEAD', '/api/x', api],
  ])('%s %s is counted by the first matching rule', async (method, path, id) => {
    const res = await send(worker, env, '192.0.2.10', path, { method });
    expect(policy(res)).toContain(`"${id}";`);
  });

  it('a plain path is counted by one rule only', async () => {
    const res = await send(worker, env, '192.0.2.11', '/api/users/7');
    expect(policy(res)).toMatch(new RegExp(`^"${api}";q=\\d+;w=10$`));
  });

  it('no rule matching means no limit and no RateLimit headers', async () => {
    const env = fixedEnv({ STORE: 'memory', RULES: rules([{ id: uniqueId('only'), limit: 1, period: 60, path: '/only' }]) });
    expect(await statuses(worker, env, SINGLE, 3, '/elsewhere')).toEqual([200, 200, 200]);
    expect(policy(await send(worker, env, SINGLE, '/elsewhere'))).toBeNull();
  });

  it('a log rule counts but never blocks', async () => {
    const env = fixedEnv({ STORE: 'memory', RULES: low(1, { action: 'log' }) });
    const all = await Promise.all([1, 2, 3, 4].map(() => send(worker, env, SINGLE)));
    expect(all.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(all.at(-1)!.headers.get('ratelimit')).toMatch(/;r=0;/);
  });

  it('a rule with headers: false limits without RateLimit headers; its 429 keeps Retry-After', async () => {
    const env = fixedEnv({ STORE: 'memory', RULES: low(2, { headers: false }) });
    const all = [];
    for (let i = 0; i < 3; i++) all.push(await send(worker, env, SINGLE));
    expect(all.map((r) => r.status)).toEqual([200, 200, 429]); // a single-user address: q = limit = 2
    for (const res of all) {
      expect(policy(res)).toBeNull();
      expect(res.headers.get('ratelimit')).toBeNull();
    }
    expect(Number(all[2]!.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it.each([
    ['not json', 'RULES: expected a JSON array'],
    ['{"id":"x"}', 'RULES: expected an array'],
    ['[{"id":"a","limit":0,"period":60}]', 'RULES[0].limit'],
    ['[{"id":"a","limit":5,"period":60},{"id":"b","limit":5,"period":"1m"}]', 'RULES[1].period'],
    ['[{"id":"a","limit":5,"period":60,"limt":3}]', 'RULES[0].limt: unknown field'],
    ['[{"id":"a","limit":5,"period":60,"methods":["get"]}]', 'RULES[0].methods'],
    ['[{"id":"a","limit":5,"period":60,"algorithm":"leaky"}]', 'RULES[0].algorithm'],
    ['[{"id":"a","limit":5,"period":60,"path":"api"}]', 'RULES[0].path'],
    ['[{"id":"a","limit":5,"period":60,"headers":"false"}]', 'RULES[0].headers: expected true or false'],
    // 10_425_000 × 10 × 86_400_000 ms = 9_007_200_000_000_000 > 2^53 − 1; 10_424_999 fits (see test/ratelimit).
    ['[{"id":"a","limit":10425000,"period":86400}]', 'RULES[0]: limit (10425000) × factor ceiling'],
    ['[{"id":"a","limit":5,"period":60},{"id":"a","limit":5,"period":60}]', 'RULES[1].id'],
  ])('invalid RULES %s → a generic 500; health names %s', async (raw, expected) => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const env = fixedEnv({ RULES: raw, ADMIN_TOKEN: TOKEN });
    const res = await send(worker, env, SINGLE, '/', { headers: { accept: 'application/json' } });
    expect(res.status).toBe(500);
    expect(((await res.json()) as { error: string }).error).not.toContain('RULES');
    const health = (await (await send(worker, env, SINGLE, '/__multi-user/health', bearer)).json()) as {
      config: { ok: boolean; error: string };
    };
    expect(health.config.ok).toBe(false);
    expect(health.config.error).toContain(expected);
  });

  it('the largest exact limit at the longest period is accepted', async () => {
    const env = fixedEnv({ STORE: 'memory', RULES: rules([{ id: uniqueId('big'), limit: 10_424_999, period: 86_400 }]) });
    expect((await send(worker, env, SINGLE)).status).toBe(200);
  });

  it.each([
    [{ STORE: 'redis' }, 'STORE'],
    [{ ORIGIN: 'ftp://origin.example' }, 'ORIGIN'],
    [{ ORIGIN: 'not a url' }, 'ORIGIN'],
  ])('invalid %o → a generic 500; health names %s', async (overrides, name) => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const env = fixedEnv({ ...overrides, ADMIN_TOKEN: TOKEN });
    const res = await send(worker, env, SINGLE);
    expect(res.status).toBe(500);
    expect(await res.text()).not.toContain(name);
    const health = (await (await send(worker, env, SINGLE, '/__multi-user/health', bearer)).json()) as { config: { error: string } };
    expect(health.config.error).toContain(`${name}:`);
  });
});

describe('client address handling', () => {
  it('strips a spoofed verdict header and ignores X-Forwarded-For', async () => {
    const env = fixedEnv({ STORE: 'memory', RULES: low(2) });
    const spoof = { 'multi-user-ip': 'multi, kind=cgnat, users=100000', 'x-forwarded-for': MULTI };
    const res = await send(worker, env, SINGLE, '/', { headers: spoof });
    expect(((await res.json()) as { multiUser: string }).multiUser).toBe('multi=?0');
    expect(policy(res)).toMatch(/;q=2;/);
  });

  it('counts IPv6 addresses per /56', async () => {
    const env = fixedEnv({ STORE: 'memory', RULES: low(2) });
    expect((await send(worker, env, '2a00:1450:4001:81a::1')).status).toBe(200);
    expect((await send(worker, env, '2a00:1450:4001:8ff:ffff::2')).status).toBe(200); // another /64 of 2a00:1450:4001:800::/56
    expect((await send(worker, env, '2a00:1450:4001:800::3')).status).toBe(429);
    expect((await send(worker, env, '2a00:1450:4001:900::1')).status).toBe(200); // the next /56
  });

  it('answers 429 as JSON, HTML or text by Accept, with Retry-After', async () => {
    const env = fixedEnv({ STORE: 'memory', RULES: low(1) });
    await send(worker, env, SINGLE);
    for (const [accept, type] of [
      ['application/json', 'application/json'],
      ['text/html', 'text/html'],
      ['*/*', 'text/plain'],
    ]) {
      const res = await send(worker, env, SINGLE, '/', { headers: { accept: accept! } });
      expect(res.status).toBe(429);
      expect(res.headers.get('content-type')).toContain(type);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    }
  });
});

describe('a broken table never fails closed', () => {
  const bytes = new Uint8Array(tableBytes);
  const flipped = bytes.slice();
  flipped[flipped.length - 1]! ^= 0xff;

  it.each([
    ['empty', new Uint8Array(0)],
    ['truncated', bytes.slice(0, 20)],
    ['bad magic', Uint8Array.from(bytes, (b, i) => (i === 0 ? b ^ 0xff : b))],
    ['one flipped byte (caught by the checksum after the first response)', flipped],
  ])('%s: base limits for everyone, fault on health', async (_name, broken) => {
    const w = createWorker({ tableBytes: broken, manifest });
    const env = fixedEnv({ STORE: 'memory', RULES: low(2), ADMIN_TOKEN: TOKEN });
    await send(w, env, '192.0.2.99'); // first request: the checksum runs in waitUntil
    expect(await statuses(w, env, MULTI, 3)).toEqual([200, 200, 429]);
    const health = await send(w, env, SINGLE, '/__multi-user/health', bearer);
    expect(health.status).toBe(503);
    const body = (await health.json()) as { table: { fault: string; verified: string } };
    expect(body.table.fault).toMatch(/^table: /);
    expect(body.table.verified).toBe('failed');
  });
});

describe('admin endpoints', () => {
  it('are ordinary origin traffic when ADMIN_TOKEN is unset', async () => {
    const res = await send(worker, fixedEnv({ STORE: 'memory' }), SINGLE, '/__multi-user/health');
    expect(((await res.json()) as { origin: string }).origin).toBe('demo');
  });

  it.each([undefined, 'Bearer wrong', `Basic ${btoa(TOKEN)}`, `Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(1)}`, TOKEN])(
    'refuse Authorization %s',
    async (auth) => {
      const headers: Record<string, string> = auth ? { authorization: auth } : {};
      const res = await send(worker, fixedEnv({ ADMIN_TOKEN: TOKEN }), SINGLE, '/__multi-user/health', { headers });
      expect(res.status).toBe(401);
    },
  );

  it('refuse to run with a guessable ADMIN_TOKEN, saying why in the log only', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    const w = createWorker({ tableBytes, manifest });
    const res = await send(w, fixedEnv({ ADMIN_TOKEN: 'secret' }), SINGLE, '/__multi-user/health', {
      headers: { authorization: 'Bearer secret' },
    });
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: string }).error).toContain('disabled');
    expect(errors.mock.calls.flat().join(' ')).toContain('ADMIN_TOKEN is too short (6 characters)');
  });

  it('health and lookup answer with the token', async () => {
    const env = fixedEnv({ ADMIN_TOKEN: TOKEN, STORE: 'memory', RULES: low(10) });
    const auth = bearer;
    await send(worker, env, SINGLE); // the first request of an isolate starts the checksum in waitUntil
    const health = (await (await send(worker, env, SINGLE, '/__multi-user/health', auth)).json()) as Record<string, any>;
    expect(health.ok).toBe(true);
    expect(health.table).toMatchObject({
      loaded: true,
      verified: 'ok',
      sha256: manifest.table.sha256,
      ipv4Prefixes: table.info.v4Prefixes,
    });
    const lookup = (await (await send(worker, env, SINGLE, `/__multi-user/lookup?ip=${MULTI}`, auth)).json()) as Record<string, any>;
    expect(lookup.match).toEqual(table.lookup(MULTI));
    expect(lookup.rules[0]).toMatchObject({ limit: 10, factor: MULTI_FACTOR, effectiveLimit: 100 });
  });
});

describe('with a real ORIGIN (outbound fetch mocked: there is no origin inside workerd)', () => {
  it('passes method, headers, body and status through and joins the base path', async () => {
    const seen: Request[] = [];
    vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
      const req = new Request(input as RequestInfo, init);
      seen.push(req.clone());
      return new Response(`echo:${await req.text()}`, { status: 201, headers: { 'x-origin': 'yes', 'set-cookie': 'a=1' } });
    });
    const env = fixedEnv({ STORE: 'memory', RULES: low(10), ORIGIN: 'https://origin.example/base' });
    const stream = new Blob(['chunk-1 ', 'chunk-2']).stream();
    const res = await send(worker, env, MULTI, '/upload?v=2', {
      method: 'PUT',
      body: stream,
      headers: { 'x-client': 'c', 'content-type': 'text/plain' },
    });
    expect(res.status).toBe(201);
    expect(await res.text()).toBe('echo:chunk-1 chunk-2');
    expect(res.headers.get('x-origin')).toBe('yes');
    expect(res.headers.get('ratelimit-policy')).toMatch(/^"low-/);
    const [req] = seen;
    expect(req!.url).toBe('https://origin.example/base/upload?v=2');
    expect(req!.method).toBe('PUT');
    expect(req!.headers.get('x-client')).toBe('c');
    expect(req!.headers.get('multi-user-ip')).toMatch(/^multi, kind=/);
  });

  it("forwards the origin's own response under a rule with headers: false (nothing to add, so no copy)", async () => {
    const fromOrigin = new Response('from the origin', { headers: { 'x-origin': 'yes' } });
    vi.spyOn(globalThis, 'fetch').mockResolvedValue(fromOrigin);
    const env = fixedEnv({ STORE: 'memory', RULES: low(10, { headers: false }), ORIGIN: 'https://origin.example' });
    const res = await send(worker, env, MULTI);
    // The same object: a copy (`new Response(res.body, res)`) is what the worker makes only to add headers.
    expect(res).toBe(fromOrigin);
    expect(await res.text()).toBe('from the origin');
    expect(policy(res)).toBeNull();
  });
});

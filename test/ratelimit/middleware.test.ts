import { Hono, type Context } from 'hono';
import { describe, expect, it, vi } from 'vitest';
import { MemoryStore, rateLimit, type RateLimitOptions, type RateLimitStore } from '../../src/ratelimit/index.ts';
import { parseRateLimitList, tinyTable } from './helpers.ts';

const EPOCH = 1_767_225_600_000;

function setup(options: RateLimitOptions, handler?: (c: Context) => Response | Promise<Response>) {
  const clock = { now: EPOCH + 1_000 };
  const app = new Hono();
  app.use(rateLimit({ now: () => clock.now, ...options }));
  app.get('/', handler ?? ((c) => c.json({ multiUser: c.get('multiUser') ?? null, decision: c.get('rateLimit') })));
  const request = (socket: string, headers: Record<string, string> = {}) =>
    app.request('/', { headers }, { incoming: { socket: { remoteAddress: socket } } });
  return { app, clock, request };
}

describe('headers (draft-ietf-httpapi-ratelimit-headers, RFC 9651 round trip)', () => {
  it('q = limit for a single-user address, limit × factor for a multi-user one; r counts down', async () => {
    const { request } = setup({ id: 'api', limit: 5, period: 60, table: tinyTable, algorithm: 'fixed-window' });
    const single = await request('203.0.113.1');
    expect(parseRateLimitList(single.headers.get('RateLimit-Policy'))).toEqual({ api: { q: 5, w: 60 } });
    expect(parseRateLimitList(single.headers.get('RateLimit'))).toEqual({ api: { r: 4, t: 59 } });
    const cgnat = await request('198.51.100.20');
    expect(parseRateLimitList(cgnat.headers.get('RateLimit-Policy'))).toEqual({ api: { q: 50, w: 60 } });
    expect(parseRateLimitList(cgnat.headers.get('RateLimit'))).toEqual({ api: { r: 49, t: 59 } });
    const body = (await cgnat.json()) as { multiUser: unknown; decision: Record<string, unknown> };
    expect(body.multiUser).toEqual({ prefix: '198.51.100.0/24', kind: 'cgnat', users: 400 });
    expect(body.decision).toMatchObject({ id: 'api', limit: 50, baseLimit: 5, factor: 10, remaining: 49, limited: false, enforced: true });
  });

  it('lists one member per mounted rule', async () => {
    const app = new Hono();
    const now = () => EPOCH;
    app.use(rateLimit({ id: 'burst', limit: 2, period: 1, now }), rateLimit({ id: 'hour', limit: 100, period: 3600, now }));
    app.get('/', (c) => c.json(c.get('rateLimits').map((d) => d.id)));
    const res = await app.request('/', {}, { incoming: { socket: { remoteAddress: '203.0.113.1' } } });
    expect(await res.json()).toEqual(['burst', 'hour']);
    expect(parseRateLimitList(res.headers.get('RateLimit-Policy'))).toEqual({ burst: { q: 2, w: 1 }, hour: { q: 100, w: 3600 } });
    expect(Object.keys(parseRateLimitList(res.headers.get('RateLimit'))).sort()).toEqual(['burst', 'hour']);
  });

  it('are added to immutable responses (e.g. from fetch) and to 429s', async () => {
    const { request } = setup({ limit: 1 }, () => Response.redirect('https://example.com/', 302));
    const ok = await request('203.0.113.1');
    expect(ok.status).toBe(302);
    expect(ok.headers.get('RateLimit-Policy')).toBe('"default";q=1;w=60');
    const limited = await request('203.0.113.1');
    expect(limited.status).toBe(429);
    expect(parseRateLimitList(limited.headers.get('RateLimit'))).toEqual({ default: { r: 0, t: expect.any(Number) } });
  });

  it('can be turned off', async () => {
    const { request } = setup({ headers: false });
    const res = await request('203.0.113.1');
    expect(res.headers.get('RateLimit')).toBeNull();
    expect(res.headers.get('RateLimit-Policy')).toBeNull();
  });
});

describe('blocking', () => {
  it('answers 429 with Retry-After, JSON for JSON clients and text otherwise, until the window rolls over', async () => {
    const { request, clock } = setup({ limit: 2, period: 10, algorithm: 'fixed-window' });
    expect((await request('203.0.113.1')).status).toBe(200);
    expect((await request('203.0.113.1')).status).toBe(200);
    const text = await request('203.0.113.1');
    expect(text.status).toBe(429);
    expect(text.headers.get('Retry-After')).toBe('9');
    expect(text.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await text.text()).toMatch(/retry in 9 seconds/);
    const json = await request('203.0.113.1', { accept: 'application/json' });
    expect(json.status).toBe(429);
    expect(await json.json()).toMatchObject({ error: 'rate_limited', retryAfter: 9, policy: 'default' });
    expect((await request('203.0.113.2')).status).toBe(200);
    clock.now = EPOCH + 10_000;
    expect((await request('203.0.113.1')).status).toBe(200);
  });

  it('keeps blocking for mitigationTimeout', async () => {
    const { request, clock } = setup({ limit: 1, period: 10, algorithm: 'fixed-window', mitigationTimeout: 120 });
    await request('203.0.113.1');
    const blocked = await request('203.0.113.1');
    expect(blocked.headers.get('Retry-After')).toBe('120');
    clock.now += 60_000;
    expect((await request('203.0.113.1')).status).toBe(429);
    clock.now += 60_000;
    expect((await request('203.0.113.1')).status).toBe(200);
  });

  it('uses onLimited, and the default when onLimited throws', async () => {
    const custom = setup({ limit: 1, onLimited: (c, info) => c.text(`slow down ${info.decision.id}`, 503 as never) });
    await custom.request('203.0.113.1');
    const res = await custom.request('203.0.113.1');
    expect(await res.text()).toBe('slow down default');
    expect(res.headers.get('Retry-After')).not.toBeNull();
    const warn = vi.fn();
    const broken = setup({
      limit: 1,
      logger: { warn },
      onLimited: () => {
        throw new Error('oops');
      },
    });
    await broken.request('203.0.113.1');
    expect((await broken.request('203.0.113.1')).status).toBe(429);
    expect(warn).toHaveBeenCalledOnce();
  });

  it('log mode counts and annotates but never blocks', async () => {
    const { request } = setup({ limit: 1, action: 'log' });
    await request('203.0.113.1');
    for (let i = 0; i < 5; i++) {
      const res = await request('203.0.113.1');
      expect(res.status).toBe(200);
      expect(((await res.json()) as { decision: unknown }).decision).toMatchObject({ limited: true, enforced: false, remaining: 0 });
      expect(parseRateLimitList(res.headers.get('RateLimit'))).toMatchObject({ default: { r: 0 } });
    }
  });

  it('skip bypasses counting and headers; a throwing skip does not', async () => {
    const { request } = setup({ limit: 1, skip: (c) => c.req.header('x-internal') === 'yes' });
    for (let i = 0; i < 3; i++) {
      const res = await request('203.0.113.1', { 'x-internal': 'yes' });
      expect(res.status).toBe(200);
      expect(res.headers.get('RateLimit')).toBeNull();
    }
    expect((await request('203.0.113.1')).status).toBe(200);
    const throwing = setup({
      limit: 1,
      skip: () => {
        throw new Error('x');
      },
    });
    await throwing.request('203.0.113.1');
    expect((await throwing.request('203.0.113.1')).status).toBe(429);
  });
});

describe('key derivation in the middleware', () => {
  it('ignores a spoofed X-Forwarded-For without trustProxy: same counter, no bigger limit', async () => {
    const { request } = setup({ limit: 2, table: tinyTable });
    await request('203.0.113.1', { 'x-forwarded-for': '198.51.100.1' });
    const second = await request('203.0.113.1', { 'x-forwarded-for': '198.51.100.2' });
    expect(parseRateLimitList(second.headers.get('RateLimit-Policy'))).toEqual({ default: { q: 2, w: 60 } });
    expect((await request('203.0.113.1', { 'x-forwarded-for': '198.51.100.3' })).status).toBe(429);
  });

  it('with trustProxy, counts and classifies the forwarded client', async () => {
    const { request } = setup({ limit: 2, table: tinyTable, trustProxy: 1 });
    const res = await request('10.0.0.1', { 'x-forwarded-for': '203.0.113.5, 198.51.100.1' });
    expect(parseRateLimitList(res.headers.get('RateLimit-Policy'))).toEqual({ default: { q: 20, w: 60 } });
    expect(((await res.json()) as { decision: { key: string } }).decision.key).toBe('default 198.51.100.1');
  });

  it('a malformed forwarded address shares one counter at factor 1', async () => {
    const { request } = setup({ limit: 1, table: tinyTable, trustProxy: 1 });
    const first = await request('10.0.0.1', { 'x-forwarded-for': '198.51.100.1x' });
    expect(parseRateLimitList(first.headers.get('RateLimit-Policy'))).toEqual({ default: { q: 1, w: 60 } });
    expect(((await first.json()) as { multiUser: unknown }).multiUser).toBeNull();
    expect((await request('10.0.0.1', { 'x-forwarded-for': 'garbage' })).status).toBe(429);
  });

  it('counts IPv6 per /56 by default and classifies the address', async () => {
    const { request } = setup({ limit: 1, table: tinyTable });
    const a = await request('2001:db8:cafe:1::1');
    expect(parseRateLimitList(a.headers.get('RateLimit-Policy'))).toEqual({ default: { q: 8, w: 60 } }); // enterprise, 64 users: √64 = 8
    // Seven more from other /64s of the same /56 (2001:db8:cafe:0000–00ff::) use up the 8.
    for (let i = 0; i < 7; i++) expect((await request(`2001:db8:cafe:${((i + 2) * 17).toString(16)}::1`)).status).toBe(200);
    expect((await request('2001:db8:cafe:ff:ffff::9')).status).toBe(429);
    expect((await request('2001:db8:cafe:100::1')).status).toBe(200); // the next /56
  });

  it('ipv6Subnet: 64 counts each /64 apart', async () => {
    const { request } = setup({ limit: 1, ipv6Subnet: 64 });
    expect((await request('2001:db8:1:1::1')).status).toBe(200);
    expect((await request('2001:db8:1:1:ffff::2')).status).toBe(429);
    expect((await request('2001:db8:1:2::1')).status).toBe(200);
  });

  it('rotating through all 256 /64s of one /56 gets no more than the limit', async () => {
    const { request } = setup({ limit: 5 });
    const passed = await Promise.all(Array.from({ length: 256 }, (_, i) => request(`2001:db8:77:${i.toString(16)}::1`)));
    expect(passed.filter((r) => r.status === 200)).toHaveLength(5);
  });

  it('a custom key is classified when it is an address, factor 1 otherwise', async () => {
    const byHeader = setup({ limit: 3, table: tinyTable, key: (c) => c.req.header('x-user') ?? 'anonymous' });
    const user = await byHeader.request('198.51.100.1', { 'x-user': 'alice' });
    expect(parseRateLimitList(user.headers.get('RateLimit-Policy'))).toEqual({ default: { q: 3, w: 60 } });
    expect(((await user.json()) as { decision: { key: string } }).decision.key).toBe('default key:alice');
    const addr = await byHeader.request('203.0.113.1', { 'x-user': '198.51.100.1' });
    expect(parseRateLimitList(addr.headers.get('RateLimit-Policy'))).toEqual({ default: { q: 30, w: 60 } });
  });

  it('namespaces keys by policy id so two rules never share counters', async () => {
    const store = new MemoryStore();
    const app = new Hono();
    app.use('/a', rateLimit({ id: 'a', limit: 1, store }));
    app.use('/b', rateLimit({ id: 'b', limit: 1, store }));
    app.get('*', (c) => c.text('ok'));
    const env = { incoming: { socket: { remoteAddress: '203.0.113.1' } } };
    expect((await app.request('/a', {}, env)).status).toBe(200);
    expect((await app.request('/b', {}, env)).status).toBe(200);
    expect((await app.request('/a', {}, env)).status).toBe(429);
  });
});

describe('store failures', () => {
  function flaky() {
    const state = { fail: true, hang: false };
    const inner = new MemoryStore();
    const store: RateLimitStore = {
      hit(key, rule, now) {
        if (state.hang) return new Promise(() => {});
        if (state.fail) return Promise.reject(new Error('unreachable'));
        return inner.hit(key, rule, now);
      },
    };
    return { state, store };
  }

  it('fails open with one warning per incident, marks the decision unenforced, never a 5xx', async () => {
    const { state, store } = flaky();
    const warn = vi.fn();
    const { request } = setup({ limit: 1, store: () => store, logger: { warn }, timeout: 20 });
    for (let i = 0; i < 3; i++) {
      const res = await request('203.0.113.1');
      expect(res.status).toBe(200);
      expect(res.headers.get('RateLimit')).toBeNull();
      expect(res.headers.get('RateLimit-Policy')).toBe('"default";q=1;w=60');
      expect(((await res.json()) as { decision: unknown }).decision).toMatchObject({ enforced: false, storeError: true, limited: false });
    }
    expect(warn).toHaveBeenCalledOnce();
    expect(warn.mock.calls[0]![0]).toMatch(/"default".*unreachable.*open/);
    state.fail = false;
    expect((await request('203.0.113.1')).status).toBe(200);
    expect((await request('203.0.113.1')).status).toBe(429);
    state.hang = true;
    expect((await request('203.0.113.1')).status).toBe(200);
    expect(warn).toHaveBeenCalledTimes(2);
    expect(warn.mock.calls[1]![0]).toMatch(/no answer within 20 ms/);
  }, 10_000);

  it('fails closed with a 429 (not a 5xx) when failOpen is false', async () => {
    const { store } = flaky();
    const { request } = setup({ store, failOpen: false, logger: { warn() {} } });
    const res = await request('203.0.113.1');
    expect(res.status).toBe(429);
    expect(res.headers.get('Retry-After')).toBe('1');
  });

  it('log mode never blocks, even when the store fails and failOpen is false', async () => {
    const { store } = flaky();
    const { request } = setup({ store, failOpen: false, action: 'log', logger: { warn() {} } });
    const res = await request('203.0.113.1');
    expect(res.status).toBe(200);
    expect(((await res.json()) as { decision: unknown }).decision).toMatchObject({ limited: true, enforced: false, storeError: true });
  });

  it('sanitises odd numbers from a custom store into valid header integers', async () => {
    const { request } = setup({ store: { hit: () => ({ allowed: true, remaining: Number.NaN, resetMs: -5, retryAfterMs: 0 }) } });
    const res = await request('203.0.113.1');
    expect(parseRateLimitList(res.headers.get('RateLimit'))).toEqual({ default: { r: 0, t: 0 } });
  });

  it('treats a store answering nonsense as a failure', async () => {
    const { request } = setup({ store: { hit: () => ({}) as never }, logger: { warn() {} } });
    const res = await request('203.0.113.1');
    expect(res.status).toBe(200);
    expect(((await res.json()) as { decision: unknown }).decision).toMatchObject({ storeError: true });
  });
});

describe('option validation', () => {
  it.each([
    [{ id: '' }, 'id'],
    [{ id: 'has space' }, 'id'],
    [{ id: 'quo"te' }, 'id'],
    [{ limit: 0 }, 'limit'],
    [{ limit: 1.5 }, 'limit'],
    [{ limit: '10' }, 'limit'],
    [{ period: 0 }, 'period'],
    [{ period: 86_401 }, 'period'],
    [{ algorithm: 'leaky' }, 'algorithm'],
    [{ action: 'challenge' }, 'action'],
    [{ mitigationTimeout: -1 }, 'mitigationTimeout'],
    [{ trustProxy: -1 }, 'trustProxy'],
    [{ ipv6Subnet: 0 }, 'ipv6Subnet'],
    [{ ipv6Subnet: 129 }, 'ipv6Subnet'],
    [{ ipv4Subnet: 33 }, 'ipv4Subnet'],
    [{ timeout: 0 }, 'timeout'],
    [{ failOpen: 'no' }, 'failOpen'],
    [{ headers: 1 }, 'headers'],
    [{ key: 'ip' }, 'key'],
    [{ skip: true }, 'skip'],
    [{ onLimited: 429 }, 'onLimited'],
    [{ now: 5 }, 'now'],
    [{ store: {} }, 'store'],
    [{ table: {} }, 'table'],
    [{ classify: 'x' }, 'classify'],
    [{ table: { lookup: () => undefined }, classify: () => undefined }, 'table'],
    [{ logger: {} }, 'logger'],
    [{ factor: 3 }, 'factor'],
    [{ limit: 1_000_000_000, period: 86_400 }, 'limit'],
    [{ limit: 20_000_000, period: 86_400, factor: { ceiling: 20, caps: { cgnat: 20 } } }, 'limit'],
  ])('%j → TypeError naming "%s"', (options, name) => {
    expect(() => rateLimit(options as RateLimitOptions)).toThrow(TypeError);
    expect(() => rateLimit(options as RateLimitOptions)).toThrow(`"${name}"`);
  });

  it('accepts the largest limit × period that stays exact, and refuses one more', () => {
    // Counting is exact while floor(limit × 10) × period in ms ≤ 2^53 − 1 = 9_007_199_254_740_991.
    // At period 86_400 s: limit × 10 × 86_400_000 = limit × 864_000_000, so limit ≤ 10_424_999.1…:
    // 10_424_999 → 9_007_199_136_000_000 (fits), 10_425_000 → 9_007_200_000_000_000 (does not).
    expect(() => rateLimit({ limit: 10_424_999, period: 86_400 })).not.toThrow();
    expect(() => rateLimit({ limit: 10_425_000, period: 86_400 })).toThrow(/"limit"/);
    // A ceiling of 20 halves it: limit × 20 × 86_400_000 ≤ 2^53 − 1 → limit ≤ 5_212_499.
    const ceiling20 = { ceiling: 20, caps: { cgnat: 20 } };
    expect(() => rateLimit({ limit: 5_212_499, period: 86_400, factor: ceiling20 })).not.toThrow();
    expect(() => rateLimit({ limit: 5_212_500, period: 86_400, factor: ceiling20 })).toThrow(/"limit"/);
  });

  it('accepts no options at all (documented defaults)', async () => {
    const { request } = setup({});
    const res = await request('203.0.113.1');
    expect(parseRateLimitList(res.headers.get('RateLimit-Policy'))).toEqual({ default: { q: 60, w: 60 } });
  });
});

describe('getConnInfo', () => {
  it("counts by the address hono's own getConnInfo reports (hono/cloudflare-workers reads CF-Connecting-IP)", async () => {
    const { getConnInfo } = await import('hono/cloudflare-workers');
    const app = new Hono();
    app.use(rateLimit({ limit: 1, getConnInfo, table: tinyTable }));
    app.get('/', (c) => c.json(c.get('rateLimit')));
    const get = (ip: string) => app.request('/', { headers: { 'cf-connecting-ip': ip } });
    const first = await get('198.51.100.9');
    expect((await first.json()) as { key: string; limit: number }).toMatchObject({ key: 'default 198.51.100.9', limit: 10 }); // cgnat 400 users: factor 10
    expect((await get('203.0.113.9')).status).toBe(200);
    expect((await get('203.0.113.9')).status).toBe(429);
  });

  it('a getConnInfo that throws or reports nothing counts in the shared unknown bucket', async () => {
    const app = new Hono();
    let calls = 0;
    const getConnInfo = () =>
      ++calls === 1
        ? { remote: {} }
        : (() => {
            throw new Error('no socket');
          })();
    app.use(rateLimit({ limit: 1, getConnInfo }));
    app.get('/', (c) => c.text(c.get('rateLimit').key));
    const first = await app.request('/');
    expect(await first.text()).toBe('default unknown-address');
    expect((await app.request('/')).status).toBe(429);
  });
});

describe('runtime-agnostic entry', () => {
  it('imports on Node without cloudflare:workers and does not export the Durable Object class', async () => {
    const mod = await import('../../src/ratelimit/index.ts');
    expect(typeof mod.rateLimit).toBe('function');
    expect(typeof mod.DurableObjectStore).toBe('function');
    expect('RateLimitCounter' in mod).toBe(false);
  });
});

describe('with a real compiled MultiUserTable', () => {
  it('q = limit × factor for table prefixes (IPv4 and IPv6), q = limit elsewhere', async () => {
    const { compileTable, MultiUserTable } = await import('../../src/table/index.ts');
    const { bytes } = compileTable([
      { prefix: '198.51.100.0/24', kind: 'cgnat', users: 30 },
      { prefix: '2001:db8:aa::/48', kind: 'relay', users: undefined },
      { prefix: '192.0.2.0/28', kind: 'tor', users: 5000 },
    ]);
    const { request } = setup({ id: 'real', limit: 10, table: MultiUserTable.from(bytes) });
    const q = async (ip: string) => parseRateLimitList((await request(ip)).headers.get('RateLimit-Policy')).real!.q;
    expect(await q('198.51.100.200')).toBe(50); // √30 → 5
    expect(await q('2001:db8:aa:1::9')).toBe(40); // relay default 16 users → 4
    expect(await q('192.0.2.3')).toBe(20); // tor cap 2
    expect(await q('192.0.2.99')).toBe(10);
    expect(await q('203.0.113.1')).toBe(10);
  });
});

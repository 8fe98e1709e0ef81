/**
 * The framework-free limiter (`rateLimiter`) on its own, and against the Hono adapter (`rateLimit`)
 * that wraps it: both must decide every request the same way, and as a naive reference counter does.
 */
import fc from 'fast-check';
import { Hono } from 'hono';
import { describe, expect, it, vi } from 'vitest';
import {
  MemoryStore,
  rateLimit,
  rateLimiter,
  type RateLimitAlgorithm,
  type RateLimiterOptions,
  type RateLimitOutcome,
  type RateLimitStore,
} from '../../src/ratelimit/index.ts';
import { referenceModel, type RefModel } from './reference.ts';
import { tinyTable } from './helpers.ts';

const EPOCH = 1_767_225_600_000; // 2026-01-01T00:00:00Z, a whole number of minutes
const request = (ip?: string, headers: Record<string, string> = {}) =>
  new Request('https://edge.example/', { headers: { ...(ip === undefined ? {} : { 'x-test-ip': ip }), ...headers } });
const address = (r: Request) => r.headers.get('x-test-ip') ?? undefined;

async function decideOnce(options: RateLimiterOptions, r: Request): Promise<RateLimitOutcome> {
  return rateLimiter({ now: () => EPOCH + 1_000, address, ...options })(r);
}

describe('rateLimiter: one request, worked out by hand', () => {
  // tinyTable: 198.51.100.0/24 cgnat 400 users (√400 = 20, capped at 10), 192.0.2.0/24 vpn, users unknown
  // (9 assumed: factor 3), 2001:db8:cafe::/48 enterprise 64 users (√64 = 8 = the enterprise cap).
  // Fixed window of 60 s, one second into it: t = 59.
  it.each([
    ['a single-user address', '203.0.113.1', {}, '203.0.113.1', 1, 5, '"api";q=5;w=60', '"api";r=4;t=59'],
    ['a carrier-NAT address: 5 × 10', '198.51.100.20', {}, '198.51.100.20', 10, 50, '"api";q=50;w=60', '"api";r=49;t=59'],
    ['a VPN address, users unknown: 5 × 3', '192.0.2.5', {}, '192.0.2.5', 3, 15, '"api";q=15;w=60', '"api";r=14;t=59'],
    [
      'IPv6, counted per /56, looked up per address',
      '2001:db8:cafe:0:1::2',
      {},
      '2001:db8:cafe::/56',
      8,
      40,
      '"api";q=40;w=60',
      '"api";r=39;t=59',
    ],
    [
      'IPv6 per /64 when asked',
      '2001:db8:cafe:0:1::2',
      { ipv6Subnet: 64 },
      '2001:db8:cafe::/64',
      8,
      40,
      '"api";q=40;w=60',
      '"api";r=39;t=59',
    ],
    ['IPv4 per /24 when asked', '203.0.113.77', { ipv4Subnet: 24 }, '203.0.113.0/24', 1, 5, '"api";q=5;w=60', '"api";r=4;t=59'],
    ['a malformed address: the shared unknown bucket', '010.1.1.1', {}, 'unknown-address', 1, 5, '"api";q=5;w=60', '"api";r=4;t=59'],
    ['no address at all', undefined, {}, 'unknown-address', 1, 5, '"api";q=5;w=60', '"api";r=4;t=59'],
  ] as const)('%s', async (_name, ip, extra, counted, factor, limit, policy, state) => {
    const o = await decideOnce({ id: 'api', limit: 5, period: 60, algorithm: 'fixed-window', table: tinyTable, ...extra }, request(ip));
    expect(o.decision).toMatchObject({ key: `api ${counted}`, factor, limit, baseLimit: 5, remaining: limit - 1, limited: false });
    expect(o.headers).toEqual({ 'RateLimit-Policy': policy, RateLimit: state });
  });

  it.each<[RateLimiterOptions, Record<string, string>, string, number]>([
    // trustProxy 1: the rightmost X-Forwarded-For entry, whatever the connection says.
    [{ trustProxy: 1 }, { 'x-forwarded-for': '10.9.9.9, 198.51.100.9' }, 'api 198.51.100.9', 10],
    [{ trustProxy: 2 }, { 'x-forwarded-for': '198.51.100.9' }, 'api unknown-address', 1], // fewer entries than proxies
    // A custom key: an address is looked up; anything else is counted as is, with factor 1.
    [{ key: () => '192.0.2.44' }, {}, 'api 192.0.2.44', 3],
    [{ key: () => 'user-17' }, {}, 'api key:user-17', 1],
    [{ key: () => Promise.reject(new Error('no')) }, {}, 'api unknown-address', 1],
  ])('key source %o', async (extra, headers, counted, factor) => {
    const o = await decideOnce({ id: 'api', limit: 5, table: tinyTable, ...extra }, request('203.0.113.1', headers));
    expect(o.decision.key).toBe(counted);
    expect(o.decision.factor).toBe(factor);
  });

  it('keeps the RateLimit-Policy value of each factor apart, in one limiter that caches it', () => {
    // The policy value is formatted once per effective limit and reused; a cache keyed on anything
    // less than the factor would hand one address's quota to the next. Limit 5, tinyTable (above):
    // 203.0.113.1 factor 1 → q=5; 198.51.100.20 factor 10 → q=50; 192.0.2.5 factor 3 → q=15.
    const limit = rateLimiter({ id: 'api', limit: 5, period: 60, table: tinyTable, store: new MemoryStore(), now: () => EPOCH, address });
    const policy = (ip: string) => (limit(request(ip)) as RateLimitOutcome).headers['RateLimit-Policy'];
    const ips = ['203.0.113.1', '198.51.100.20', '192.0.2.5', '203.0.113.1', '198.51.100.20', '192.0.2.5'];
    expect(ips.map(policy)).toEqual([
      '"api";q=5;w=60',
      '"api";q=50;w=60',
      '"api";q=15;w=60',
      '"api";q=5;w=60',
      '"api";q=50;w=60',
      '"api";q=15;w=60',
    ]);
  });

  it('answers synchronously with a synchronous store and the default key (no await on the hot path)', () => {
    const limit = rateLimiter({ address, store: new MemoryStore() });
    expect(limit(request('203.0.113.1'))).not.toBeInstanceOf(Promise);
  });

  it('blocks the request after the limit, with Retry-After seconds until the window ends', async () => {
    const limit = rateLimiter({ id: 'x', limit: 2, period: 60, algorithm: 'fixed-window', now: () => EPOCH + 45_000, address });
    const outcomes = [limit(request('203.0.113.1')), limit(request('203.0.113.1')), limit(request('203.0.113.1'))] as RateLimitOutcome[];
    expect(outcomes.map((o) => [o.decision.limited, o.decision.enforced])).toEqual([
      [false, true],
      [false, true],
      [true, true],
    ]);
    expect(outcomes[2]!.retryAfter).toBe(15); // 60 − 45 s
    expect(outcomes[2]!.headers).toEqual({ 'RateLimit-Policy': '"x";q=2;w=60', RateLimit: '"x";r=0;t=15' });
  });

  it.each([
    [true, { limited: false, enforced: false, storeError: true, remaining: 5 }],
    [false, { limited: true, enforced: true, storeError: true, remaining: 0 }],
  ])('a failing store with failOpen %s', async (failOpen, expected) => {
    const broken: RateLimitStore = { hit: () => Promise.reject(new Error('down')) };
    const logger = { warn: vi.fn() };
    const o = await decideOnce({ id: 'api', limit: 5, store: broken, failOpen, logger }, request('203.0.113.1'));
    expect(o.decision).toMatchObject(expected);
    expect(o.headers).toEqual({ 'RateLimit-Policy': '"api";q=5;w=60' }); // no RateLimit state: the store did not say
    expect(logger.warn).toHaveBeenCalledOnce();
  });

  it('produces no headers with headers: false, and decides log rules without enforcing them', async () => {
    const limit = rateLimiter({ limit: 1, headers: false, action: 'log', address });
    limit(request('203.0.113.1'));
    const o = (await limit(request('203.0.113.1'))) as RateLimitOutcome;
    expect(o.headers).toEqual({});
    expect(o.decision).toMatchObject({ limited: true, enforced: false });
  });

  it('receives its own input type in key and the store getter', async () => {
    const store = new MemoryStore();
    const limit = rateLimiter<{ user: string; request: Request }>({
      key: (input) => input.user,
      store: (input) => (input.user === 'a' ? store : store),
      request: (input) => input.request,
    });
    const o = await limit({ user: 'a', request: request() });
    expect(o.decision.key).toBe('default key:a');
  });

  it.each([
    [{ limit: 0 }, 'rateLimiter: option "limit"'],
    [{ address: 'x' }, 'rateLimiter: option "address" must be a function'],
    [{ request: 1 }, 'rateLimiter: option "request" must be a function'],
    [{ store: {} }, 'rateLimiter: option "store"'],
    [{ clientKey: { secret: 'short' } }, 'rateLimiter: option "clientKey.secret"'],
  ])('refuses %o at construction', (options, message) => {
    expect(() => rateLimiter(options as RateLimiterOptions)).toThrow(message);
  });
});

// The pool the property draws from, with what each address is counted as and its factor under
// tinyTable (see above), worked out by hand: two IPv6 addresses share a /56 counter.
const POOL: readonly { ip: string; counted: string; factor: number }[] = [
  { ip: '203.0.113.1', counted: '203.0.113.1', factor: 1 },
  { ip: '198.51.100.20', counted: '198.51.100.20', factor: 10 },
  { ip: '198.51.100.21', counted: '198.51.100.21', factor: 10 },
  { ip: '192.0.2.5', counted: '192.0.2.5', factor: 3 },
  { ip: '2001:db8:cafe::1', counted: '2001:db8:cafe::/56', factor: 8 },
  { ip: '2001:db8:cafe:0:1::2', counted: '2001:db8:cafe::/56', factor: 8 },
  { ip: '2001:db8:1:100::1', counted: '2001:db8:1:100::/56', factor: 1 },
  { ip: 'not-an-address', counted: 'unknown-address', factor: 1 },
];

describe('rateLimiter and the Hono adapter decide alike', () => {
  it('property: for generated request sequences both agree with each other and with a reference counter', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<RateLimitAlgorithm>('fixed-window', 'sliding-window', 'token-bucket'),
        fc.integer({ min: 1, max: 3 }),
        fc.constantFrom(1, 10, 60),
        fc.array(fc.tuple(fc.integer({ min: 0, max: POOL.length - 1 }), fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 90_000 }))), {
          maxLength: 40,
        }),
        async (algorithm, limit, period, sequence) => {
          const clock = { now: EPOCH };
          const options = { id: 'p', limit, period, algorithm, table: tinyTable, now: () => clock.now };
          const core = rateLimiter({ ...options, address, store: new MemoryStore() });
          const app = new Hono();
          app.use(
            rateLimit({ ...options, store: new MemoryStore(), getConnInfo: (c) => ({ remote: { address: c.req.header('x-test-ip') } }) }),
          );
          app.get('/', (c) => c.text('ok'));
          const refs = new Map<string, RefModel>();
          for (const [i, gap] of sequence) {
            clock.now += gap;
            const { ip, counted, factor } = POOL[i]!;
            let ref = refs.get(counted);
            if (ref === undefined) refs.set(counted, (ref = referenceModel(algorithm, limit * factor, period * 1000)));
            const expected = ref.hit(clock.now);
            const o = await core(request(ip));
            const res = await app.request('/', { headers: { 'x-test-ip': ip } });
            expect(o.decision).toMatchObject({ key: `p ${counted}`, factor, limited: !expected.allowed, remaining: expected.remaining });
            expect(res.status).toBe(expected.allowed ? 200 : 429);
            expect(res.headers.get('RateLimit-Policy')).toBe(o.headers['RateLimit-Policy']);
            expect(res.headers.get('RateLimit')).toBe(o.headers.RateLimit);
            if (!expected.allowed) expect(res.headers.get('Retry-After')).toBe(String(o.retryAfter));
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});

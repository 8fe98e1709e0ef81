/**
 * The `clientKey` option of the middleware in Node (memory store), driven by the scenarios
 * (test/support/client-scenarios.ts) at 198.51.100.7 of the tiny table: carrier NAT, factor 10, and
 * limit 5, so L × F = 50 and the documented worst case is 4 × L × F = 200 per address per period.
 */
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { rateLimit, type RateLimitOptions } from '../../src/ratelimit/index.ts';
import { abuserKeepingCookie, botAfterOrdinary, copiedToken, Jar, type Send } from '../support/client-scenarios.ts';
import { parseRateLimitList, tinyTable } from './helpers.ts';

const SECRET = 'a-test-secret-of-at-least-32-characters!';
const NAT = '198.51.100.7';

function app(
  options: Partial<RateLimitOptions> = {},
  keyed = true,
  origin = 'http://example.test',
): { send: Send; seen: (string | undefined)[] } {
  const seen: (string | undefined)[] = [];
  const a = new Hono();
  a.use(
    rateLimit({
      id: 's',
      limit: 5,
      period: 3600,
      table: tinyTable,
      getConnInfo: (c) => ({ remote: { address: c.req.header('x-test-ip') } }),
      ...(keyed ? { clientKey: { secret: SECRET } } : {}),
      ...options,
    }),
  );
  a.get('/', (c) => {
    const d = c.get('rateLimit');
    seen.push(d.keyed === undefined ? undefined : `${d.keyed}`);
    return c.text('ok');
  });
  const send: Send = ({ address, cookie, accept }) =>
    Promise.resolve(
      a.request(`${origin}/`, { headers: { 'x-test-ip': address, ...(cookie ? { cookie } : {}), ...(accept ? { accept } : {}) } }),
    );
  return { send, seen };
}

describe('rateLimit clientKey option', () => {
  it.each([
    [{ secret: 'short' }, 'clientKey.secret'],
    [{ secret: SECRET, cookie: 'a b' }, 'clientKey.cookie'],
    [{ secret: SECRET, ttl: 10 }, 'clientKey.ttl'],
    [{ secret: SECRET, ceiling: 5 }, 'clientKey.ceiling'],
    [{ secret: SECRET, mintPerPeriod: 0 }, 'clientKey.mintPerPeriod'],
  ])('refuses %j at construction, naming %s', (clientKey, name) => {
    expect(() => rateLimit({ clientKey })).toThrow(new RegExp(`^rateLimit: option "${name.replace('.', '\\.')}"`));
  });

  it('scenario 1: an abuser keeping its cookie no longer blocks the 20 clients behind its address', async () => {
    const plain = await abuserKeepingCookie(app({}, false).send, NAT);
    // Without client keys the abuser spends the whole L × F = 50 and every ordinary request is blocked.
    expect(plain).toMatchObject({ ordinaryPassed: 0, attackerPassed: 50 });
    const keyed = await abuserKeepingCookie(app().send, NAT);
    // Worked out in docs/ratelimit.md: the abuser gets its first (tokenless) request plus L = 5 with its token;
    // 9 clients get the rest of the mint budget (10) and keep their 4; 11 stay tokenless on the address
    // counter: 1 + 20 + 33 = 54 > 50, so 4 of their requests are blocked: 76 of 80 pass.
    expect(keyed.attackerPassed).toBeLessThanOrEqual(5 + 1);
    expect(keyed.ordinaryPassed).toBeGreaterThanOrEqual(76);
  });

  it.each(['none', 'fresh'] as const)(
    'scenarios 2 and 3 (bot jars: %s): never more than the worst case; earlier clients keep their budget',
    async (bot) => {
      const plain = await botAfterOrdinary(app({}, false).send, NAT, bot);
      expect(plain.ordinaryPassed).toBe(10); // their first requests only: the bot spent the other 40
      const keyed = await botAfterOrdinary(app().send, NAT, bot);
      expect(keyed.ordinaryPassed).toBe(50); // each of the 10 keeps its own L = 5
      expect(keyed.attackerPassed).toBeLessThanOrEqual(50 - 10); // the address counter's rest, far below 4 × L × F
    },
  );

  it('a bot that collects a token per jar and spends each one gets at most 2 × L × F (the mint bound)', async () => {
    const { send } = app();
    let passed = 0;
    const jars = Array.from({ length: 100 }, () => new Jar());
    for (const jar of jars) {
      const res = await send({ address: NAT });
      if (res.status < 400) passed++;
      jar.take(res);
    }
    for (const jar of jars) for (let i = 0; i < 10; i++) if ((await send({ address: NAT, cookie: jar.header() })).status < 400) passed++;
    // 50 tokenless requests (the address counter) + 10 tokens (the mint bound, F) × L = 5 each.
    expect(jars.filter((j) => j.cookies.size > 0)).toHaveLength(10);
    expect(passed).toBe(100);
  });

  it('fails open with client keys when the store fails, like without them', async () => {
    const broken = { hit: () => Promise.reject(new Error('down')) };
    const { send } = app({ store: broken, logger: { warn: () => {} } });
    const res = await send({ address: NAT });
    expect(res.status).toBe(200);
    expect(res.headers.get('ratelimit')).toBeNull();
  });

  it('scenario 4: a token copied to another /24 counts as no token; headers describe the budget applied', async () => {
    const { send, seen } = app();
    const { home, away } = await copiedToken(send, NAT, '192.0.2.9');
    expect(seen).toEqual(['false', 'true', 'false']);
    const policy = parseRateLimitList(home.headers.get('ratelimit-policy'))['s']!;
    expect(policy['q']).toBe(5);
    expect(policy['pk']).toBeInstanceOf(ArrayBuffer);
    expect(parseRateLimitList(home.headers.get('ratelimit'))['s']!['pk']).toEqual(policy['pk']);
    const awayPolicy = parseRateLimitList(away.headers.get('ratelimit-policy'))['s']!;
    expect(awayPolicy['q']).toBe(15); // the VPN /24 of the tiny table: factor 3, per address, no pk
    expect(awayPolicy['pk']).toBeUndefined();
  });

  it('issues tokens on 429s too, only at multi-user addresses, with the documented cookie', async () => {
    const { send } = app({ limit: 1, clientKey: { secret: SECRET, mintPerPeriod: 50 } });
    const jar = new Jar();
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      const res = await send({ address: NAT });
      statuses.push(res.status);
      if (i === 11) jar.take(res);
    }
    expect(statuses.slice(10)).toEqual([429, 429]);
    expect(jar.cookies.has('mu-client')).toBe(true);
    const single = await send({ address: '100.64.1.1' });
    expect(single.headers.getSetCookie()).toEqual([]);
    const http = await app().send({ address: NAT });
    expect(http.headers.getSetCookie()[0]).toMatch(/^mu-client=[A-Za-z0-9_-]{46}; Max-Age=86400; Path=\/; HttpOnly; SameSite=Lax$/);
    const https = await app({}, true, 'https://example.test').send({ address: NAT });
    expect(https.headers.getSetCookie()[0]).toMatch(
      /^__Host-mu-client=[A-Za-z0-9_-]{46}; Max-Age=86400; Path=\/; HttpOnly; Secure; SameSite=Lax$/,
    );
  });
});

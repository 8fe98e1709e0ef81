/**
 * End to end: client keys and the challenge action through `wrangler dev` (a real workerd process,
 * real Durable Objects, real HTTP), one `wrangler dev` per store for all scenarios, each scenario on
 * its own rule. The address is 198.51.100.7 of the example table (carrier NAT, 1,200 users: factor
 * 10) and every rule has limit 5, so L × F = 50 and the documented worst case is 4 × L × F = 200
 * requests per address per period (docs/ratelimit.md). The rule without client keys (`/plain-s1`)
 * shows today's limiter on scenario 1's traffic (the figures of every scenario without client keys
 * are in docs/benchmarks.md, `npm run bench -- clientkeys`).
 *
 * Cloudflare's siteverify cannot be reached from this machine: a local HTTP server speaking its
 * documented format stands in for it (test/support/siteverify.ts), reached via TURNSTILE_VERIFY_URL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { abuserKeepingCookie, botAfterOrdinary, copiedToken, Jar, type Send } from '../support/client-scenarios.ts';
import { FAILING_RESPONSE, PASS, startSiteverify, TEST_SITE_KEY } from '../support/siteverify.ts';
import { startWranglerDev, type WranglerDev } from '../support/wrangler-dev.ts';

const NAT = '198.51.100.7';
const OTHER_24 = '203.0.113.5'; // enterprise egress of the example table: multi-user, another /24
const SCENARIOS = ['s1', 's2', 's3', 's4'] as const;
const rule = (id: string, extra: object = {}) => ({ id, limit: 5, period: 3600, path: `/${id}`, ...extra });
const RULES = [
  rule('plain-s1'),
  ...SCENARIOS.map((s) => rule(`keyed-${s}`, { clientKey: 'cookie' })),
  rule('challenge', { clientKey: 'cookie', action: 'challenge' }),
];

let siteverify: Awaited<ReturnType<typeof startSiteverify>>;
beforeAll(async () => {
  siteverify = await startSiteverify();
});
afterAll(() => siteverify?.close());

describe.each(['memory', 'durable-object'] as const)('client keys through wrangler dev (%s store)', (store) => {
  let dev: WranglerDev;
  beforeAll(async () => {
    dev = await startWranglerDev({
      STORE: store,
      RULES: JSON.stringify(RULES),
      CLIENT_KEY_SECRET: 'e2e-client-key-secret-long-enough-for-the-check',
      TURNSTILE_SITE_KEY: TEST_SITE_KEY,
      TURNSTILE_SECRET: PASS,
      TURNSTILE_VERIFY_URL: siteverify.url,
    });
  }, 120_000);
  afterAll(() => dev?.stop());

  const sender =
    (path: string): Send =>
    ({ address, cookie, accept }) =>
      fetch(`${dev.url}${path}`, {
        headers: { 'cf-connecting-ip': address, ...(cookie ? { cookie } : {}), ...(accept ? { accept } : {}) },
        redirect: 'manual',
      });

  it('scenario 1: an abuser keeping its cookie, then 20 ordinary clients × 4', async () => {
    const plain = await abuserKeepingCookie(sender('/plain-s1'), NAT);
    expect(plain.ordinaryPassed).toBe(0);
    const keyed = await abuserKeepingCookie(sender('/keyed-s1'), NAT);
    expect(keyed.ordinaryPassed).toBeGreaterThanOrEqual(76);
    expect(keyed.attackerPassed).toBeLessThanOrEqual(5 + 1); // its own limit + the request that got it the token
  });

  it('scenario 2: a bot dropping its cookie stays under the worst case; earlier clients keep their budget', async () => {
    const keyed = await botAfterOrdinary(sender('/keyed-s2'), NAT, 'none');
    expect(keyed.attackerPassed).toBeLessThanOrEqual(200);
    expect(keyed.attackerPassed).toBeLessThanOrEqual(50); // tokenless: the address counter's L × F
    expect(keyed.ordinaryPassed).toBe(50);
  });

  it('scenario 3: a bot with a fresh cookie jar per request (1,000 jars)', async () => {
    const keyed = await botAfterOrdinary(sender('/keyed-s3'), NAT, 'fresh');
    expect(keyed.attackerPassed).toBeLessThanOrEqual(200);
    expect(keyed.attackerPassed).toBeLessThanOrEqual(50);
    expect(keyed.ordinaryPassed).toBe(50); // the 10 clients that came before keep L = 5 each
  }, 60_000);

  it('scenario 4: a token copied to another /24 counts as no token', async () => {
    const { home, away } = await copiedToken(sender('/keyed-s4'), NAT, OTHER_24);
    expect(((await home.json()) as { multiUser: string }).multiUser).toMatch(/, keyed$/);
    expect(home.headers.get('ratelimit-policy')).toMatch(/^"keyed-s4";q=5;w=3600;pk=:/);
    expect(((await away.json()) as { multiUser: string }).multiUser).toMatch(/, keyed=\?0$/);
    expect(away.headers.get('ratelimit-policy')).not.toContain('pk=');
  });

  it('scenario 5: a browser over the limit gets the challenge; solved, it has its own budget; failed, 429', async () => {
    const send = sender('/challenge');
    for (let i = 0; i < 50; i++) await (await send({ address: NAT })).body?.cancel();
    const browser = new Jar();
    const page = browser.take(await send({ address: NAT, accept: 'text/html' }));
    expect(page.status).toBe(429);
    expect(await page.text()).toContain('class="cf-turnstile"');
    const api = await send({ address: NAT, accept: 'application/json' });
    expect(api.status).toBe(429);
    expect(Number(api.headers.get('retry-after'))).toBeGreaterThan(0);

    const post = (response: string) =>
      fetch(`${dev.url}/__multi-user/challenge`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'cf-connecting-ip': NAT, 'content-type': 'application/x-www-form-urlencoded', cookie: browser.header() ?? '' },
        body: new URLSearchParams({ 'cf-turnstile-response': response, return: '/challenge?from=test' }),
      });
    const calls = siteverify.seen.length;
    expect((await post(FAILING_RESPONSE)).status).toBe(429);
    const solved = browser.take(await post('XXXX.DUMMY.TOKEN.XXXX'));
    expect(solved.status).toBe(303);
    expect(solved.headers.get('location')).toBe('/challenge?from=test');
    expect(siteverify.seen.length - calls).toBe(2);
    expect(siteverify.seen.at(-1)!.get('remoteip')).toBe(NAT);
    const after: number[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await send({ address: NAT, cookie: browser.header(), accept: 'text/html' });
      await res.body?.cancel();
      after.push(res.status);
    }
    expect(after).toEqual([200, 200, 200, 200, 200, 429]);
  });
});

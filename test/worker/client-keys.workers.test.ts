/**
 * Client keys and the challenge action in the worker, inside workerd, with both stores (the isolate's
 * memory store and real Durable Objects), at 198.51.100.7 of the example table (carrier NAT, factor
 * 10) under rules of limit 5: L × F = 50, worst case 4 × L × F = 200 per address per period.
 * Siteverify cannot be reached from here: the test's fetch answers the worker's siteverify call with
 * the stand-in's documented-format answers (test/support/siteverify-answer.ts).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import tableBytes from '../../src/worker/generated/multi-user-table.bin';
import manifest from '../../src/worker/generated/multi-user-table.manifest.json';
import { createWorker } from '../../src/worker/app.ts';
import type { Env } from '../../src/worker/config.ts';
import { abuserKeepingCookie, botAfterOrdinary, copiedToken, Jar, type Send } from '../support/client-scenarios.ts';
import { FAILING_RESPONSE, PASS, siteverifyAnswer, TEST_SITE_KEY } from '../support/siteverify-answer.ts';
import { fixedEnv, send, uniqueId } from './helpers.ts';

const NAT = '198.51.100.7';
const SECRET = 'a-client-key-secret-of-32-characters-or-more';
const ADMIN = 'a-test-admin-token-of-32-chars-ok';
const VERIFY_URL = 'https://siteverify.invalid/turnstile/v0/siteverify';

afterEach(() => vi.restoreAllMocks());

function deployment(store: 'memory' | 'durable-object', extra: object = {}, settings: Partial<Env> = {}) {
  const id = uniqueId(`ck-${store}`);
  const fixed = fixedEnv({
    STORE: store,
    RULES: JSON.stringify([{ id, limit: 5, period: 3600, clientKey: 'cookie', ...extra }]),
    CLIENT_KEY_SECRET: SECRET,
    ADMIN_TOKEN: ADMIN,
    ...settings,
  });
  const worker = createWorker({ tableBytes, manifest });
  const sendFrom: Send = ({ address, cookie, accept }) =>
    send(worker, fixed, address, '/page', { headers: { ...(cookie ? { cookie } : {}), ...(accept ? { accept } : {}) } });
  return { id, worker, fixed, send: sendFrom };
}

describe.each(['memory', 'durable-object'] as const)('client keys in the worker (%s store)', (store) => {
  it('scenario 1: the abuser gets its own limit; ≥ 76 of the 80 ordinary requests pass', async () => {
    const r = await abuserKeepingCookie(deployment(store).send, NAT);
    expect(r.attackerPassed).toBeLessThanOrEqual(6);
    expect(r.ordinaryPassed).toBeGreaterThanOrEqual(76);
  });

  it.each(['none', 'fresh'] as const)(
    'scenarios 2 and 3 (bot jars: %s): the bot stays under the worst case, earlier clients keep their budget',
    async (bot) => {
      const r = await botAfterOrdinary(deployment(store).send, NAT, bot);
      expect(r.attackerPassed).toBeLessThanOrEqual(40);
      expect(r.ordinaryPassed).toBe(50);
    },
  );

  it('scenario 4: a token copied to another /24 counts as no token (verdict keyed=?0, the address budget)', async () => {
    const d = deployment(store);
    const { home, away } = await copiedToken(d.send, NAT, '203.0.113.5');
    const verdict = async (res: Response) => ((await res.json()) as { multiUser: string }).multiUser;
    expect(await verdict(home)).toMatch(/, keyed$/);
    expect(home.headers.get('ratelimit-policy')).toMatch(new RegExp(`^"${d.id}";q=5;w=3600;pk=:[A-Za-z0-9+/]{16}:$`));
    expect(await verdict(away)).toMatch(/, keyed=\?0$/);
    expect(away.headers.get('ratelimit-policy')).not.toContain('pk=');
  });
});

describe('client keys on a rule with headers: false', () => {
  it('still mint and honour the client token, without RateLimit headers', async () => {
    const d = deployment('memory', { headers: false });
    const first = await d.send({ address: NAT });
    expect(first.status).toBe(200);
    const [setCookie] = first.headers.getSetCookie();
    expect(setCookie).toBeDefined(); // the token is part of client keys, not of the rate-limit headers
    const keyed = await d.send({ address: NAT, cookie: setCookie!.split(';')[0]! });
    expect(keyed.status).toBe(200);
    expect(((await keyed.json()) as { multiUser: string }).multiUser).toMatch(/, keyed$/);
    for (const res of [first, keyed]) {
      expect(res.headers.get('ratelimit-policy')).toBeNull();
      expect(res.headers.get('ratelimit')).toBeNull();
    }
  });
});

describe.each(['memory', 'durable-object'] as const)('the challenge action (%s store)', (store) => {
  const settings = { TURNSTILE_SITE_KEY: TEST_SITE_KEY, TURNSTILE_SECRET: PASS, TURNSTILE_VERIFY_URL: VERIFY_URL };

  function standIn() {
    const original = globalThis.fetch;
    return vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
      const url = input instanceof Request ? input.url : String(input);
      if (url !== VERIFY_URL) return original(input, init);
      const form = new URLSearchParams(new TextDecoder().decode(await new Response(init?.body).arrayBuffer()));
      return Response.json(siteverifyAnswer(init?.method ?? 'GET', form));
    });
  }

  it('a browser over the limit gets the page; a solved challenge gives it its own budget; a failed one 429', async () => {
    const calls = standIn();
    const d = deployment(store, { action: 'challenge' }, settings);
    // Spend the address budget (L × F = 50) without cookies.
    for (let i = 0; i < 50; i++) expect((await d.send({ address: NAT })).status).toBe(200);
    const browser = new Jar();
    const page = browser.take(await d.send({ address: NAT, accept: 'text/html' }));
    expect(page.status).toBe(429);
    const html = await page.text();
    expect(html).toContain(`data-sitekey="${TEST_SITE_KEY}"`);
    expect(html).toContain('action="/__multi-user/challenge"');
    const api = await d.send({ address: NAT, accept: 'application/json' });
    expect(api.status).toBe(429);
    expect(Number(api.headers.get('retry-after'))).toBeGreaterThan(0);

    const post = (response: string, back = '/page') =>
      send(d.worker, d.fixed, NAT, '/__multi-user/challenge', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: browser.header() ?? '' },
        body: new URLSearchParams({ 'cf-turnstile-response': response, return: back }).toString(),
      });
    const failed = await post(FAILING_RESPONSE);
    expect(failed.status).toBe(429);
    expect(failed.headers.getSetCookie()).toEqual([]);

    const solved = browser.take(await post('XXXX.DUMMY.TOKEN.XXXX', '//evil.example/'));
    expect(solved.status).toBe(303);
    expect(solved.headers.get('location')).toBe('/'); // never another site
    expect(calls.mock.calls.filter(([u]) => String(u) === VERIFY_URL)).toHaveLength(2);
    const after: number[] = [];
    for (let i = 0; i < 6; i++) after.push((await d.send({ address: NAT, cookie: browser.header(), accept: 'text/html' })).status);
    expect(after).toEqual([200, 200, 200, 200, 200, 429]); // its own budget: L = 5
  });

  it('a solved challenge does not reset the count of a rule whose id is "challenge"', async () => {
    standIn();
    // The challenge endpoint's attempts share the rules' store; they were once keyed `challenge <address>`,
    // which is also this rule's key: solving a challenge reset the rule's count for the address. (A
    // challenge rule turns the endpoint on; at a single-user address it counts as any rule does.)
    const fixed = fixedEnv({
      STORE: store,
      RULES: JSON.stringify([{ id: 'challenge', limit: 3, period: 3600, action: 'challenge', clientKey: 'cookie' }]),
      CLIENT_KEY_SECRET: SECRET,
      ...settings,
    });
    const worker = createWorker({ tableBytes, manifest });
    const address = store === 'memory' ? '192.0.2.251' : '192.0.2.252'; // not in the table; one per store (Durable Objects outlive the test)
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await send(worker, fixed, address, '/page')).status);
    const solved = await send(worker, fixed, address, '/__multi-user/challenge', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ 'cf-turnstile-response': 'XXXX.DUMMY.TOKEN.XXXX', return: '/page' }).toString(),
    });
    expect(solved.status).toBe(303);
    statuses.push((await send(worker, fixed, address, '/page')).status);
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
  });

  it('caps the form body and refuses other methods', async () => {
    standIn();
    const d = deployment(store, { action: 'challenge' }, settings);
    const big = await send(d.worker, d.fixed, NAT, '/__multi-user/challenge', { method: 'POST', body: 'x'.repeat(5000) });
    expect(big.status).toBe(413);
    expect((await send(d.worker, d.fixed, NAT, '/__multi-user/challenge')).status).toBe(405);
  });
});

describe('client-key configuration errors', () => {
  it.each([
    [{ clientKey: 'cookie' }, {}, 'CLIENT_KEY_SECRET'],
    [{ clientKey: 'cookie' }, { CLIENT_KEY_SECRET: 'short' }, 'CLIENT_KEY_SECRET'],
    [{ clientKey: 'yes' }, {}, 'RULES[0].clientKey'],
    [{ action: 'challenge' }, {}, 'RULES[0].action'],
    [{ action: 'challenge', clientKey: 'cookie' }, { CLIENT_KEY_SECRET: SECRET }, 'TURNSTILE_SITE_KEY'],
    [
      { action: 'challenge', clientKey: 'cookie' },
      { CLIENT_KEY_SECRET: SECRET, TURNSTILE_SITE_KEY: 'k', TURNSTILE_SECRET: 's', TURNSTILE_VERIFY_URL: 'ftp://x' },
      'TURNSTILE_VERIFY_URL',
    ],
  ])('rule %j with %j: generic 500, the reason (%s) on the health endpoint', async (rule, settings, named) => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const fixed = fixedEnv({
      STORE: 'memory',
      ADMIN_TOKEN: ADMIN,
      RULES: JSON.stringify([{ id: 'x', limit: 5, period: 60, ...rule }]),
      CLIENT_KEY_SECRET: undefined,
      ...settings,
    });
    const worker = createWorker({ tableBytes, manifest });
    const res = await send(worker, fixed, NAT, '/');
    expect(res.status).toBe(500);
    expect(await res.text()).not.toContain(named);
    const health = await send(worker, fixed, '192.0.2.1', '/__multi-user/health', { headers: { authorization: `Bearer ${ADMIN}` } });
    const body = (await health.json()) as { config: { error: string } };
    expect(body.config.error.startsWith(named)).toBe(true);
  });
});

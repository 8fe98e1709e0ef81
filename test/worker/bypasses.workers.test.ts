/**
 * The bypasses a red-team read of the worker found (issue 10), each replayed against the worker in
 * workerd. Where the origin matters, the origin is a real Hono app (its router decides what a path
 * means); it runs in-process because workerd has no outbound network here, so `fetch` is pointed at it.
 */
import fc from 'fast-check';
import { Hono } from 'hono';
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { afterEach, describe, expect, it, vi } from 'vitest';
import tableBytes from '../../src/worker/generated/multi-user-table.bin';
import manifest from '../../src/worker/generated/multi-user-table.manifest.json';
import { createWorker } from '../../src/worker/app.ts';
import worker from '../../src/worker/index.ts';
import { fixedEnv, send, statuses, uniqueId } from './helpers.ts';

const SINGLE = '192.0.2.250'; // not in the example table: factor 1
const TOKEN = 'a-test-admin-token-of-32-chars-ok';
const policy = (res: Response) => res.headers.get('ratelimit-policy') ?? '';

afterEach(() => vi.restoreAllMocks());

/** A real Hono origin that says which route served a request, and keeps the headers and the URL of each it received. */
function honoOrigin() {
  const seen: Headers[] = [];
  const urls: string[] = [];
  const app = new Hono();
  app.get('/api/users/:id', (c) => c.json({ route: '/api/users/:id', id: c.req.param('id') }));
  app.all('*', (c) => c.json({ route: '*' }));
  vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
    const req = new Request(input as RequestInfo, init);
    seen.push(new Headers(req.headers));
    urls.push(req.url);
    return app.fetch(req);
  });
  return { seen, urls };
}

/**
 * A request as workerd hands it to a worker: `url` is `"http://" + Host + target` as the client sent
 * them, unparsed (a `new Request` in a test is always parsed and serialised, so it cannot carry a bad
 * Host or a raw dot segment). The worker reads only these four members.
 */
async function sendRaw(env: ReturnType<typeof fixedEnv>, url: string, ip: string, headers: Record<string, string> = {}) {
  const request = { url, method: 'GET', headers: new Headers({ ...headers, 'cf-connecting-ip': ip }), body: null } as unknown as Request;
  const ctx = createExecutionContext();
  const res = await worker.fetch(request, env, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

describe('1. path rules and percent-encoding', () => {
  it.each([
    ['/%61pi/users/%ff'], // one bad escape used to make the whole decoding give up
    ['/%61pi/users/%'],
    ['/%61pi/users/%c0%af'],
    ['/api/users/..%2f..%2fx'], // Hono routes this under /api/users/:id, not to /x
    ['/api/users/%2e%2e%2f%2e%2e%2fx'],
    ['/api/users/..%5c..%5cx'],
  ])('%s is counted by the /api rule that the origin routes it under', async (path) => {
    honoOrigin();
    const api = uniqueId('api');
    // A lax rule for /x first: decoding %2F before resolving dot-segments used to trade the /api rule for it.
    const env = fixedEnv({
      STORE: 'memory',
      ORIGIN: 'https://origin.example',
      RULES: JSON.stringify([
        { id: uniqueId('lax'), limit: 1000, period: 60, path: '/x' },
        { id: api, limit: 3, period: 60, path: '/api' },
      ]),
    });
    const first = await send(worker, env, SINGLE, path);
    expect(((await first.json()) as { route: string }).route).toBe('/api/users/:id');
    expect(await statuses(worker, env, SINGLE, 5, path)).toEqual([200, 200, 429, 429, 429]);
  });

  it('property: every encoding variant of a limited path is limited', async () => {
    const segment = fc.stringMatching(/^[a-z0-9]{1,5}$/);
    const variant = fc.record({
      encode: fc.array(fc.boolean(), { maxLength: 40 }), // percent-encode the i-th character
      upper: fc.array(fc.boolean(), { maxLength: 40 }), // upper-case the i-th character (or its hex digits)
      slash: fc.constantFrom('/', '//', '/./', '/zz/../', '\\', '/%2e/'),
      params: fc.constantFrom('', ';jsessionid=1'),
      tail: fc.constantFrom('', '/', '/%ff', '/%', '/%c0%af', '.json', '/..%2f..%2fother'),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(segment, { minLength: 1, maxLength: 3 }),
        fc.array(segment, { maxLength: 2 }),
        variant,
        async (ruleSegs, rest, v) => {
          const rulePath = `/${ruleSegs.join('/')}`;
          const id = uniqueId('p');
          const env = fixedEnv({ STORE: 'memory', RULES: JSON.stringify([{ id, limit: 1, period: 60, path: rulePath }]) });
          const limited = [rulePath, ...rest].join('/');
          // The variant: the same segments, joined by another slash form, characters encoded or upper-cased.
          const segs = limited.slice(1).split('/');
          let i = 0;
          const spell = (s: string) =>
            [...s]
              .map((ch) => {
                const k = i++;
                const hex = `%${ch.charCodeAt(0).toString(16).padStart(2, '0')}`;
                const out = v.encode[k] ? hex : ch;
                return v.upper[k] ? out.toUpperCase() : out;
              })
              .join('');
          const spelled = `/${segs.map(spell).join(v.slash)}${v.params}${v.tail}`;
          expect(policy(await send(worker, env, SINGLE, limited))).toContain(`"${id}"`);
          const res = await send(worker, env, SINGLE, spelled);
          expect(res.status, `${spelled} (limited path ${limited}, rule ${rulePath})`).toBe(429);
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('2. the verdict header cannot be forged', () => {
  it('strips every spelling that a CGI/WSGI stack folds into HTTP_MULTI_USER_IP', async () => {
    const { seen } = honoOrigin();
    const env = fixedEnv({
      STORE: 'memory',
      ORIGIN: 'https://origin.example',
      RULES: JSON.stringify([{ id: uniqueId('v'), limit: 100, period: 60 }]),
    });
    const forged = 'multi=?1, kind=cgnat, users=1000000, factor=10';
    const headers = { Multi_User_IP: forged, 'Multi-User_IP': forged, multi_user_ip: forged, 'MULTI-USER-IP': forged };
    expect((await send(worker, env, SINGLE, '/', { headers })).status).toBe(200);
    const folded = [...seen[0]!.entries()].filter(([name]) => name.replaceAll('_', '-') === 'multi-user-ip');
    expect(folded).toEqual([['multi-user-ip', 'multi=?0']]);
  });

  it('strips the spellings PHP folds there too (it reads "." as "_"), and any other separator', async () => {
    const { seen } = honoOrigin();
    const env = fixedEnv({ STORE: 'memory', ORIGIN: 'https://origin.example', RULES: '[]' });
    const forged = 'multi=?1, kind=cgnat, users=1000000, factor=10';
    const headers = { 'Multi.User.IP': forged, 'Multi.User_IP': forged, 'Multi~User~IP': forged, MultiUserIPs: 'kept' };
    expect((await send(worker, env, SINGLE, '/', { headers })).status).toBe(200);
    const names = [...seen[0]!.keys()].filter((name) => name.replace(/[^a-z0-9]/g, '').startsWith('multiuserip'));
    expect(names.sort()).toEqual(['multi-user-ip', 'multiuserips']); // the worker's own, and a different name
  });
});

describe('the request target: one reading for the rules and the origin', () => {
  it('a Host with "?" or "\\" cannot make the rules read another path than the origin gets', async () => {
    const { urls } = honoOrigin();
    const env = fixedEnv({
      STORE: 'memory',
      ORIGIN: 'https://origin.example',
      RULES: JSON.stringify([{ id: uniqueId('host'), limit: 2, period: 60, path: '/login' }]),
    });
    const out: number[] = [];
    for (const host of ['edge.example', 'edge.example?x', 'edge.example\\x', 'edge.example?y'])
      out.push((await sendRaw(env, `http://${host}/login`, SINGLE)).status);
    // The URL parser ends the host at "?" or "\\": the worker reads "/" (query "?x/login") or "/x/login",
    // and forwards just that; only what it read as /login is counted, and only that reaches /login.
    expect(urls.map((u) => new URL(u).pathname + new URL(u).search)).toEqual(['/login', '/?x/login', '/x/login', '/?y/login']);
    expect(out).toEqual([200, 200, 200, 200]);
    expect((await sendRaw(env, 'http://edge.example/login', SINGLE)).status).toBe(200);
    expect((await sendRaw(env, 'http://edge.example/login', SINGLE)).status).toBe(429); // the third /login
  });

  it.each(['http://[/a/../x', 'http://a b/x\\y', 'http://a:99999/x"y'])(
    "a URL that does not parse (%s: a bad Host and a target the parser must read) is a 400, not the worker's 502",
    async (url) => {
      const error = vi.spyOn(console, 'error').mockImplementation(() => {});
      const env = fixedEnv({ STORE: 'memory', RULES: JSON.stringify([{ id: uniqueId('bad'), limit: 5, period: 60 }]) });
      expect((await sendRaw(env, url, SINGLE)).status).toBe(400);
      expect(error).not.toHaveBeenCalled(); // the client's error: nothing for the operator's log
    },
  );

  it.each([
    ['/../secret', '/app/secret'],
    ['/%2e%2e/secret', '/app/secret'],
    ['/.%2E/secret', '/app/secret'],
    ['/x/../../secret', '/app/secret'],
    ['/a\\..\\..\\secret', '/app/secret'],
    ['/../app/login', '/app/app/login'], // not /app/login, which a /login rule would not have counted
  ])("%s stays under ORIGIN's base path: %s", async (target, expected) => {
    const { urls } = honoOrigin();
    const env = fixedEnv({ STORE: 'memory', ORIGIN: 'https://origin.example/app', RULES: '[]' });
    expect((await sendRaw(env, `https://edge.example${target}`, SINGLE)).status).toBe(200);
    expect(urls.map((u) => new URL(u).pathname)).toEqual([expected]);
  });
});

describe('3. IPv6 rotation', () => {
  const limit5 = (extra: object = {}) =>
    fixedEnv({ STORE: 'memory', RULES: JSON.stringify([{ id: uniqueId('v6'), limit: 5, period: 60, ...extra }]) });
  // 2a00:1450:4001:8 is an address outside the example table (factor 1); its /56 is 2a00:1450:4001:800::/56.
  const sixty4 = (i: number) => `2a00:1450:4001:8${i.toString(16).padStart(2, '0')}::1`;

  it('twelve /64s of one /56 pass no more than the limit (at most 4× is the requirement)', async () => {
    const env = limit5();
    const all: number[] = [];
    for (let i = 0; i < 12; i++) all.push(...(await statuses(worker, env, sixty4(i * 20), 2)));
    expect(all.filter((s) => s === 200)).toHaveLength(5);
  });

  it('ipv6Subnet per rule: 64 counts each /64 apart, 48 joins /56s', async () => {
    const per64 = limit5({ ipv6Subnet: 64 });
    expect(await statuses(worker, per64, sixty4(1), 6)).toEqual([200, 200, 200, 200, 200, 429]);
    expect((await send(worker, per64, sixty4(2))).status).toBe(200);
    const per48 = limit5({ ipv6Subnet: 48 });
    for (let i = 0; i < 5; i++) expect((await send(worker, per48, `2a00:1450:4001:${(i * 0x100).toString(16)}::1`)).status).toBe(200);
    expect((await send(worker, per48, '2a00:1450:4001:ff00::1')).status).toBe(429);
  });

  // 192.0.2.250 is SINGLE; each of these carries it (RFC 3056, 4380, 6052, 4291), and 6to4 gives its holder a /48: 256 /56s.
  it.each([
    ['6to4', (i: number) => `2002:c000:2fa:${(i * 0x100).toString(16)}::1`],
    ['NAT64, IPv4-compatible, IPv4-translated', (i: number) => ['64:ff9b::192.0.2.250', '::192.0.2.250', '::ffff:0:192.0.2.250'][i % 3]!],
    ['Teredo, through other servers', (i: number) => `2001:0:${(0x4100 + i).toString(16)}:e378:8000:63bf:3fff:fd05`],
  ])('%s spellings of an IPv4 address share its counter', async (_name, spelling) => {
    const env = fixedEnv({ STORE: 'memory', RULES: JSON.stringify([{ id: uniqueId('embedded'), limit: 2, period: 60 }]) });
    const all = await statuses(worker, env, SINGLE, 2);
    for (let i = 0; i < 8; i++) all.push((await send(worker, env, spelling(i))).status);
    expect(all).toEqual([200, 200, ...Array(8).fill(429)]);
  });

  it('ipv4Subnet per rule', async () => {
    const env = fixedEnv({ STORE: 'memory', RULES: JSON.stringify([{ id: uniqueId('v4'), limit: 2, period: 60, ipv4Subnet: 24 }]) });
    expect([
      (await send(worker, env, '8.8.8.1')).status,
      (await send(worker, env, '8.8.8.200')).status,
      (await send(worker, env, '8.8.8.9')).status,
    ]).toEqual([200, 200, 429]);
  });

  it.each([
    ['{"ipv6Subnet":129}', 'RULES[0].ipv6Subnet'],
    ['{"ipv4Subnet":0}', 'RULES[0].ipv4Subnet'],
    ['{"ipv6Subnet":"56"}', 'RULES[0].ipv6Subnet'],
  ])('invalid subnet %s is refused naming %s', async (extra, field) => {
    const env = fixedEnv({ ADMIN_TOKEN: TOKEN, RULES: `[{"id":"a","limit":5,"period":60,${extra.slice(1, -1)}}]` });
    expect((await send(worker, env, SINGLE)).status).toBe(500);
    const health = (await (
      await send(worker, env, SINGLE, '/__multi-user/health', { headers: { authorization: `Bearer ${TOKEN}` } })
    ).json()) as {
      config: { error: string };
    };
    expect(health.config.error).toContain(`${field}: expected an integer`);
  });
});

describe('4. glob rules', () => {
  it.each(['/v2/7/delete/', '/v2/7/delete.', '/v2/7/delete.json', '/v2/7/delete%20', '/V2/7/DELETE'])(
    '/v2/*/delete also limits %s',
    async (variant) => {
      const id = uniqueId('glob');
      const env = fixedEnv({ STORE: 'memory', RULES: JSON.stringify([{ id, limit: 1, period: 60, path: '/v2/*/delete' }]) });
      expect(policy(await send(worker, env, SINGLE, '/v2/7/delete'))).toContain(`"${id}"`);
      expect((await send(worker, env, SINGLE, variant)).status).toBe(429);
    },
  );

  it('a glob does not reach into a longer word: /v2/7/deleted is not /v2/*/delete', async () => {
    const env = fixedEnv({
      STORE: 'memory',
      RULES: JSON.stringify([{ id: uniqueId('glob'), limit: 1, period: 60, path: '/v2/*/delete' }]),
    });
    expect(policy(await send(worker, env, SINGLE, '/v2/7/deleted'))).toBe('');
  });

  it('the glob is matched case-insensitively without editing its regular expression (\\D stays \\D)', async () => {
    const id = uniqueId('rx');
    const env = fixedEnv({ STORE: 'memory', RULES: JSON.stringify([{ id, limit: 5, period: 60, path: '/rx/:id(\\D+)/*' }]) });
    expect(policy(await send(worker, env, SINGLE, '/rx/abc/1'))).toContain(`"${id}"`);
    expect(policy(await send(worker, env, SINGLE, '/RX/ABC/1'))).toContain(`"${id}"`);
    expect(policy(await send(worker, env, SINGLE, '/rx/123/1'))).toBe('');
  });
});

describe('6. nothing leaks before authentication', () => {
  it('an invalid ORIGIN answers a generic 500; the reason is on the authenticated health endpoint', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    const env = fixedEnv({ ORIGIN: 'https://origin.internal.example/?key=s3cr3t-value', ADMIN_TOKEN: TOKEN });
    const res = await send(worker, env, SINGLE, '/', { headers: { accept: 'application/json' } });
    expect(res.status).toBe(500);
    const body = await res.text();
    expect(body).not.toMatch(/origin\.internal|s3cr3t|ORIGIN/);
    expect(body).toContain('misconfigured');
    const health = (await (
      await send(worker, env, SINGLE, '/__multi-user/health', { headers: { authorization: `Bearer ${TOKEN}` } })
    ).json()) as {
      config: { error: string };
    };
    expect(health.config.error).toContain('ORIGIN');
    expect(errors.mock.calls.flat().join(' ')).toContain('ORIGIN');
  });

  it('a short ADMIN_TOKEN does not tell anyone its length', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const res = await send(worker, fixedEnv({ ADMIN_TOKEN: 'abcde' }), SINGLE, '/__multi-user/health', {
      headers: { authorization: 'Bearer x' },
    });
    expect(res.status).toBe(503);
    expect(await res.text()).not.toMatch(/\d|short/);
  });
});

describe('7. operator endpoints', () => {
  const auth = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

  it('limit failed attempts per address: 10 a minute, then 429 even with the right token', async () => {
    const w = createWorker({ tableBytes, manifest });
    const env = fixedEnv({ ADMIN_TOKEN: TOKEN, STORE: 'memory' });
    const attacker = '198.51.100.99';
    for (let i = 0; i < 10; i++) expect((await send(w, env, attacker, '/__multi-user/health', auth(`guess-${i}`))).status).toBe(401);
    const blocked = await send(w, env, attacker, '/__multi-user/health', auth(TOKEN));
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await send(w, env, '192.0.2.77', '/__multi-user/health', auth(TOKEN))).status).toBe(200); // another address
  });

  it('an operator succeeding often is never blocked (a success clears the count)', async () => {
    const w = createWorker({ tableBytes, manifest });
    const env = fixedEnv({ ADMIN_TOKEN: TOKEN, STORE: 'memory' });
    for (let i = 0; i < 30; i++) expect((await send(w, env, SINGLE, '/__multi-user/health', auth(TOKEN))).status).toBe(200);
  });

  it('refuse a 120 KiB Authorization header with 431', async () => {
    const w = createWorker({ tableBytes, manifest });
    const res = await send(w, fixedEnv({ ADMIN_TOKEN: TOKEN }), SINGLE, '/__multi-user/health', auth('x'.repeat(120 * 1024)));
    expect(res.status).toBe(431);
  });
});

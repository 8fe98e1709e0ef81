/**
 * The worker's answers for a fixed sequence of requests: status, `RateLimit-Policy` / `RateLimit`
 * members (in order), `Retry-After`, and what the origin sees (path, query, client address, verdict
 * header, no forged copy of it). Written before the hot path was taken out of Hono, so it pins the
 * answers the redesign had to keep. Run against the demo origin and against a fetched origin (fetch
 * mocked: workerd has no outbound network here), which must see the same thing.
 *
 * Expected values are worked out by hand from the example table (data/multi-user-prefixes.csv) and the
 * default factor policy (src/ratelimit/factor.ts):
 * - 192.0.2.250 and 2606:4700::1 are in no listed prefix: factor 1.
 * - 198.51.100.7 is in 198.51.100.0/24, cgnat, 1200 users: min(cap 10, ⌊√1200⌋ = 34) = 10.
 * - 2001:db8:1::5 is in 2001:db8::/32, cgnat, users unknown (25 assumed): min(10, √25) = 5; counted per
 *   /56 (2001:db8:1::/56), as is 2001:db8:1:ff::6.
 */
import { afterEach, expect, it, vi } from 'vitest';
import tableBytes from '../../src/worker/generated/multi-user-table.bin';
import manifest from '../../src/worker/generated/multi-user-table.manifest.json';
import { createWorker } from '../../src/worker/app.ts';
import { fixedEnv, send, uniqueId } from './helpers.ts';

afterEach(() => vi.restoreAllMocks());

const SINGLE = '192.0.2.250';
const MULTI = '198.51.100.7';
const V6 = '2001:db8:1::5';
const V6_SAME_56 = '2001:db8:1:ff::6';
const V6_SINGLE = '2606:4700::1';
const CGNAT = 'multi, kind=cgnat, users=1200, prefix="198.51.100.0/24"';
const CGNAT_V6 = 'multi, kind=cgnat, prefix="2001:db8::/32"';
// Matched by /api (the path as sent) and by /login (after %2f is decoded and dot-segments resolved).
const BOTH = '/api/users/..%2f..%2flogin';

interface Step {
  method: string;
  path: string;
  ip: string;
  headers?: Record<string, string>;
  status: number;
  /** RateLimit-Policy members, `<rule>;q=<quota>` (window 60 for both rules), in header order. */
  policy: string[];
  /** `r` of each RateLimit member, in the same order. */
  remaining: number[];
  /** For forwarded requests: the verdict the origin sees, and its path and query. */
  verdict?: string;
  originPath?: string;
  query?: string;
}

// Rule A: POST /login, limit 2. Rule B: /api, limit 3. Counts run on from step to step.
const STEPS: Step[] = [
  {
    method: 'GET',
    path: '/api/x',
    ip: SINGLE,
    status: 200,
    policy: ['B;q=3'],
    remaining: [2],
    verdict: 'multi=?0',
    originPath: '/api/x',
    query: '',
  },
  // 3 × 10 = 30 for the carrier-NAT address; the verdict carries the applied factor.
  {
    method: 'GET',
    path: '/api/x?y=1',
    ip: MULTI,
    status: 200,
    policy: ['B;q=30'],
    remaining: [29],
    verdict: `${CGNAT}, factor=10`,
    originPath: '/api/x',
    query: '?y=1',
  },
  // No rule: no RateLimit headers, and the verdict has no factor.
  { method: 'GET', path: '/other?', ip: MULTI, status: 200, policy: [], remaining: [], verdict: CGNAT, originPath: '/other', query: '' },
  // Forged copies of the verdict header, in every spelling a CGI stack folds together, never reach the origin.
  {
    method: 'GET',
    path: '/other',
    ip: SINGLE,
    headers: { 'multi-user-ip': 'multi, kind=cgnat, users=1000000', multi_user_ip: 'multi', 'multi-user_ip': 'multi' },
    status: 200,
    policy: [],
    remaining: [],
    verdict: 'multi=?0',
    originPath: '/other',
    query: '',
  },
  {
    method: 'GET',
    path: '/api/v6',
    ip: V6,
    status: 200,
    policy: ['B;q=15'],
    remaining: [14],
    verdict: `${CGNAT_V6}, factor=5`,
    originPath: '/api/v6',
    query: '',
  },
  { method: 'HEAD', path: '/api/v6', ip: V6_SAME_56, status: 200, policy: ['B;q=15'], remaining: [13] },
  {
    method: 'GET',
    path: '/api/v6',
    ip: V6_SINGLE,
    status: 200,
    policy: ['B;q=3'],
    remaining: [2],
    verdict: 'multi=?0',
    originPath: '/api/v6',
    query: '',
  },
  // Both rules: A is counted first, then B; the inner (later) rule's members come first.
  {
    method: 'POST',
    path: BOTH,
    ip: SINGLE,
    status: 200,
    policy: ['B;q=3', 'A;q=2'],
    remaining: [1, 1],
    verdict: 'multi=?0',
    originPath: BOTH,
    query: '',
  },
  {
    method: 'GET',
    path: '/api/x',
    ip: SINGLE,
    status: 200,
    policy: ['B;q=3'],
    remaining: [0],
    verdict: 'multi=?0',
    originPath: '/api/x',
    query: '',
  },
  { method: 'GET', path: '/api/x', ip: SINGLE, status: 429, policy: ['B;q=3'], remaining: [0] },
  // A passes (its 2nd), B blocks: both members on the 429.
  { method: 'POST', path: BOTH, ip: SINGLE, status: 429, policy: ['B;q=3', 'A;q=2'], remaining: [0, 0] },
  // A blocks first; B is never asked.
  { method: 'POST', path: '/login', ip: SINGLE, status: 429, policy: ['A;q=2'], remaining: [0] },
  {
    method: 'POST',
    path: '/login',
    ip: MULTI,
    status: 200,
    policy: ['A;q=20'],
    remaining: [19],
    verdict: `${CGNAT}, factor=10`,
    originPath: '/login',
    query: '',
  },
];

interface Seen {
  method: string;
  path: string;
  query: string;
  client: string | null;
  multiUser: string | null;
  forged?: string[];
}

/** A fetched origin that answers what it received, as the demo origin does, plus any forged header names. */
function fetchedOrigin() {
  vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
    const req = new Request(input as RequestInfo, init);
    const url = new URL(req.url);
    const forged = [...req.headers.keys()].filter((n) => n !== 'multi-user-ip' && n.replaceAll('_', '-') === 'multi-user-ip');
    const seen: Seen = {
      method: req.method,
      path: url.pathname.slice('/base'.length),
      query: url.search,
      client: req.headers.get('cf-connecting-ip'),
      multiUser: req.headers.get('multi-user-ip'),
      forged,
    };
    return Response.json(seen);
  });
}

it.each(['demo origin', 'fetched origin'])('answers a fixed sequence of requests as pinned (%s)', async (kind) => {
  if (kind === 'fetched origin') fetchedOrigin();
  const a = uniqueId('A');
  const b = uniqueId('B');
  const worker = createWorker({ tableBytes, manifest });
  const env = fixedEnv({
    STORE: 'memory',
    ...(kind === 'fetched origin' ? { ORIGIN: 'https://origin.example/base' } : {}),
    RULES: JSON.stringify([
      { id: a, limit: 2, period: 60, path: '/login', methods: ['POST'] },
      { id: b, limit: 3, period: 60, path: '/api' },
    ]),
  });
  const named = (s: string) => s.replace(/^A;/, `"${a}";`).replace(/^B;/, `"${b}";`);
  for (const [i, step] of STEPS.entries()) {
    const where = `step ${i}: ${step.method} ${step.path} from ${step.ip}`;
    const res = await send(worker, env, step.ip, step.path, { method: step.method, headers: step.headers });
    expect(res.status, where).toBe(step.status);
    const policy = res.headers.get('ratelimit-policy');
    expect(policy, where).toBe(step.policy.length ? step.policy.map((p) => `${named(p)};w=60`).join(', ') : null);
    const state = res.headers.get('ratelimit');
    if (step.remaining.length === 0) expect(state, where).toBeNull();
    else {
      const members = state!.split(', ');
      expect(
        members.map((m) => m.replace(/;t=\d+$/, '')),
        where,
      ).toEqual(step.policy.map((p, j) => `${named(p).replace(/;q=\d+$/, '')};r=${step.remaining[j]}`));
      for (const m of members) expect(Number(m.match(/;t=(\d+)$/)?.[1]), where).toBeGreaterThanOrEqual(1);
    }
    if (step.status === 429) {
      expect(Number(res.headers.get('retry-after')), where).toBeGreaterThanOrEqual(1);
      expect(res.headers.get('content-type'), where).toBe('text/plain; charset=UTF-8');
      expect(await res.text(), where).toMatch(/^Too many requests: try again in \d+ s\.\n$/);
      continue;
    }
    // The forwarded answer carries exactly the origin's JSON type and the rate-limit headers, each once.
    expect([...res.headers.keys()].sort(), where).toEqual([
      'content-type',
      ...(step.policy.length ? ['ratelimit', 'ratelimit-policy'] : []),
    ]);
    expect(res.headers.get('content-type'), where).toBe('application/json');
    if (step.method === 'HEAD') continue;
    const seen = (await res.json()) as Seen;
    expect(seen, where).toMatchObject({
      method: step.method,
      path: step.originPath,
      query: step.query,
      client: step.ip,
      multiUser: step.verdict,
    });
    if (seen.forged !== undefined) expect(seen.forged, where).toEqual([]);
  }
});

it('keeps every Set-Cookie when two client-key rules both mint a token for one request', async () => {
  const a = uniqueId('A');
  const b = uniqueId('B');
  const worker = createWorker({ tableBytes, manifest });
  const env = fixedEnv({
    STORE: 'memory',
    CLIENT_KEY_SECRET: 'a-client-key-secret-of-32-characters-or-more',
    RULES: JSON.stringify([
      { id: a, limit: 2, period: 60, path: '/login', methods: ['POST'], clientKey: 'cookie' },
      { id: b, limit: 3, period: 60, path: '/api', clientKey: 'cookie' },
    ]),
  });
  // A first, tokenless request from the carrier-NAT address: each rule counts it per address (q = limit × 10)
  // and mints a token (within its mint budget of 10 per period), so two cookies go out, B's first.
  const res = await send(worker, env, MULTI, BOTH, { method: 'POST' });
  expect(res.status).toBe(200);
  expect(res.headers.get('ratelimit-policy')).toBe(`"${b}";q=30;w=60, "${a}";q=20;w=60`);
  const cookies = res.headers.getSetCookie();
  expect(cookies).toHaveLength(2);
  for (const cookie of cookies) expect(cookie).toMatch(/^__Host-mu-client=[^;]+; Max-Age=86400; Path=\/; HttpOnly; Secure; SameSite=Lax$/);
  expect(((await res.json()) as Seen).multiUser).toBe(`${CGNAT}, factor=10, keyed=?0`);
});

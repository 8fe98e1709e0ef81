// Where the worker's time goes: this worker runs one piece of the request path `REPEAT` times per
// request (`/piece/<index>`; `/pieces` lists them), then answers as the empty worker does. A piece's cost is
// (CPU per request − the `none` piece's) / REPEAT: repeating it lifts it above the noise of workerd's
// own per-request work, which dwarfs a few microseconds.
import { Hono } from 'hono';
import { clientTokens, MemoryStore, rateLimit, rateLimiter } from '../../../src/ratelimit/index.ts';
import { demoOrigin } from '../../../src/worker/demo-origin.ts';
import { originRequest } from '../../../src/worker/origin.ts';
import { pathForms } from '../../../src/worker/path.ts';
import { requestTarget } from '../../../src/worker/request-target.ts';
import { formatVerdict } from '../../../src/worker/verdict-header.ts';

const REPEAT = 20;
const ORIGIN = new URL('https://demo-origin.invalid');
const VERDICT = formatVerdict({ prefix: '198.51.100.0/24', kind: 'cgnat', users: 1200 }, 10);
const HEADERS = { 'RateLimit-Policy': '"bench";q=1000000000;w=60', RateLimit: '"bench";r=999999999;t=60' };
// The worker's limiter as the worker builds it (memory store, the client address from CF-Connecting-IP);
// no table here: the lookup is its own piece in the table benchmark (< 1 µs).
const limit = rateLimiter({
  id: 'bench',
  limit: 1_000_000_000,
  period: 60,
  store: new MemoryStore(),
  address: (r) => r.headers.get('cf-connecting-ip') ?? undefined,
});

const routed = new Hono();
routed.all('*', (c) => c.text('ok'));
const limited = new Hono();
limited.use(rateLimit({ id: 'bench', limit: 1_000_000_000, period: 60, store: new MemoryStore() }));
limited.all('*', (c) => c.text('ok'));

const tokens = clientTokens({ secret: 'bench-client-key-secret-of-32-characters-or-more' });
let token: Promise<string | undefined> | undefined;

let sink: unknown;
type Env = Record<string, never>;
type Ctx = { waitUntil(p: Promise<unknown>): void; passThroughOnException(): void };
const pieces: Record<string, (request: Request, env: Env, ctx: Ctx) => unknown> = {
  none: () => undefined,
  'URL parse (new URL)': (r) => (sink = new URL(r.url)),
  'requestTarget + pathForms': (r) => (sink = pathForms(requestTarget(r.url).pathname)),
  formatVerdict: () => (sink = formatVerdict({ prefix: '198.51.100.0/24', kind: 'cgnat', users: 1200 }, 10)),
  'new Headers(request.headers)': (r) => (sink = new Headers(r.headers)),
  originRequest: (r) => (sink = originRequest(r, requestTarget(r.url), ORIGIN, VERDICT)),
  'demoOrigin (requestTarget, Response.json, two headers appended)': async (r) =>
    (sink = await demoOrigin(r, requestTarget(r.url), VERDICT, HEADERS)),
  'rateLimiter (memory store): key, factor, hit, decision, header values': (r) => (sink = limit(r)),
  'Response.json': () => (sink = Response.json({ origin: 'demo', path: '/bench' })),
  'Response.json + new Response(body, res) copy': () => {
    const res = Response.json({ origin: 'demo', path: '/bench' });
    sink = new Response(res.body, res);
  },
  'Response.json + two header appends': () => {
    const res = Response.json({ origin: 'demo', path: '/bench' });
    res.headers.append('RateLimit-Policy', '"bench";q=1000000000;w=60');
    res.headers.append('RateLimit', '"bench";r=999999999;t=60');
    sink = res;
  },
  'client token check (verify: HMAC-SHA-256)': async () =>
    (sink = await tokens.verify(await (token ??= tokens.issue('198.51.100.7', Date.now())), '198.51.100.7', Date.now())),
  'Hono app.fetch, one route, c.text': async (r, env, ctx) =>
    (sink = await routed.fetch(r, env, ctx as Parameters<typeof routed.fetch>[2])),
  'Hono app.fetch + rateLimit (memory store), c.text': async (r, env, ctx) =>
    (sink = await limited.fetch(r, env, ctx as Parameters<typeof limited.fetch>[2])),
};

const names = Object.keys(pieces);

export default {
  async fetch(request: Request, env: Env, ctx: Ctx): Promise<Response> {
    const path = new URL(request.url).pathname;
    if (path === '/pieces') return Response.json({ repeat: REPEAT, pieces: names });
    const piece = pieces[names[Number(path.slice('/piece/'.length))] ?? ''];
    if (piece === undefined) return new Response(`no piece at ${path}`, { status: 404 });
    for (let i = 0; i < REPEAT; i++) await piece(request, env, ctx);
    return Response.json({ path });
  },
};

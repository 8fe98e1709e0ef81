/**
 * A POST that an origin routes as another method (src/worker/method-override.ts), replayed against a
 * real Hono origin with its `methodOverride` middleware: it runs in-process because workerd has no
 * outbound network here, so `fetch` is pointed at it.
 */
import { Hono } from 'hono';
import { methodOverride } from 'hono/method-override';
import { afterEach, describe, expect, it, vi } from 'vitest';
import worker from '../../src/worker/index.ts';
import { fixedEnv, send, uniqueId } from './helpers.ts';

const SINGLE = '192.0.2.250';
afterEach(() => vi.restoreAllMocks());

/**
 * The origin: DELETE /v2/:id and POST /v2/:id; which one served each request, and the size of the
 * body the worker sent (`methodOverride` takes `_method` out of the form it hands on).
 */
function origin(override: Parameters<typeof methodOverride>[0] extends infer O ? Omit<O & object, 'app'> : never) {
  const served: { route: string; bytes: number }[] = [];
  const app = new Hono();
  const inner = new Hono();
  let bytes = 0;
  inner.delete('/v2/:id', (c) => c.json(served[served.push({ route: 'DELETE', bytes }) - 1]));
  inner.post('/v2/:id', (c) => c.json(served[served.push({ route: 'POST', bytes }) - 1]));
  app.use('*', methodOverride({ app: inner, ...override } as Parameters<typeof methodOverride>[0]));
  app.route('/', inner);
  vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
    const request = new Request(input as RequestInfo, init);
    bytes = (await request.clone().arrayBuffer()).byteLength;
    return app.fetch(request);
  });
  return served;
}

const deleteRule = (extra: object[] = []) =>
  fixedEnv({
    STORE: 'memory',
    ORIGIN: 'https://origin.example',
    RULES: JSON.stringify([...extra, { id: uniqueId('del'), limit: 2, period: 60, path: '/v2', methods: ['DELETE'] }]),
  });

async function fourPosts(env: ReturnType<typeof fixedEnv>, init: () => RequestInit, path = '/v2/7') {
  const out: number[] = [];
  for (let i = 0; i < 4; i++) out.push((await send(worker, env, SINGLE, path, { method: 'POST', ...init() })).status);
  return out;
}

describe('a POST the origin routes as DELETE is counted by a DELETE rule', () => {
  it.each([
    ['a _method form field', {}, () => ({ body: new URLSearchParams({ _method: 'DELETE', x: '1' }) })],
    [
      'a _method multipart field',
      {},
      () => ({
        body: (() => {
          const f = new FormData();
          f.set('_method', 'delete');
          return f;
        })(),
      }),
    ],
    [
      'a form field with an encoded name (%5Fmethod: origins decode names)',
      {},
      () => ({ body: '%5Fmethod=DELETE', headers: { 'content-type': 'application/x-www-form-urlencoded' } }),
    ],
    ['an X-HTTP-Method-Override header', { header: 'X-HTTP-Method-Override' }, () => ({ headers: { 'x-http-method-override': 'DELETE' } })],
    ['a _method query parameter', { query: '_method' }, () => ({})],
  ] as const)('%s', async (_name, override, init) => {
    const served = origin(override);
    const path = 'query' in override ? '/v2/7?_method=DELETE' : '/v2/7';
    expect(await fourPosts(deleteRule(), init, path)).toEqual([200, 200, 429, 429]);
    expect(served.map((s) => s.route)).toEqual(['DELETE', 'DELETE']); // the origin did delete
  });

  it('even behind a laxer POST rule for the same path (each reading passes its own first rule)', async () => {
    origin({});
    const env = deleteRule([{ id: uniqueId('post'), limit: 1000, period: 60, path: '/v2', methods: ['POST'] }]);
    expect(await fourPosts(env, () => ({ body: new URLSearchParams({ _method: 'DELETE' }) }))).toEqual([200, 200, 429, 429]);
  });

  it('a form too large to read for _method counts as a possible DELETE, and reaches the origin whole', async () => {
    const served = origin({});
    const big = `x=${'a'.repeat(70 * 1024)}&_method=DELETE`; // the field past the 64 KiB the worker reads
    expect(await fourPosts(deleteRule(), () => ({ body: big, headers: { 'content-type': 'application/x-www-form-urlencoded' } }))).toEqual([
      200, 200, 429, 429,
    ]);
    expect(served).toEqual([
      { route: 'DELETE', bytes: big.length },
      { route: 'DELETE', bytes: big.length },
    ]);
  });

  it('a plain POST (no override) is not counted by the DELETE rule, and its body reaches the origin whole', async () => {
    const served = origin({});
    const body = new URLSearchParams({ x: '1', method: 'DELETE' }).toString(); // "method", not "_method"
    expect(await fourPosts(deleteRule(), () => ({ body, headers: { 'content-type': 'application/x-www-form-urlencoded' } }))).toEqual([
      200, 200, 200, 200,
    ]);
    expect(served.map((s) => [s.route, s.bytes])).toEqual(Array(4).fill(['POST', body.length]));
  });

  it('the demo origin still counts the whole body after the worker read it for _method', async () => {
    const env = fixedEnv({
      STORE: 'memory',
      RULES: JSON.stringify([{ id: uniqueId('del'), limit: 1, period: 60, path: '/v2', methods: ['DELETE'] }]),
    });
    const body = new URLSearchParams({ _method: 'DELETE', note: 'é'.repeat(100) }).toString();
    const init = { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' } };
    const first = await send(worker, env, SINGLE, '/v2/7', init);
    expect(((await first.json()) as { bodyBytes: number }).bodyBytes).toBe(new TextEncoder().encode(body).byteLength);
    expect((await send(worker, env, SINGLE, '/v2/7', init)).status).toBe(429);
  });

  it('an override header on a GET changes nothing (origins only override POSTs)', async () => {
    origin({ header: 'X-HTTP-Method-Override' });
    const env = fixedEnv({
      STORE: 'memory',
      RULES: JSON.stringify([{ id: uniqueId('del'), limit: 1, period: 60, path: '/v2', methods: ['DELETE'] }]),
    });
    for (let i = 0; i < 3; i++)
      expect((await send(worker, env, SINGLE, '/v2/7', { headers: { 'x-http-method-override': 'DELETE' } })).status).toBe(200);
  });
});

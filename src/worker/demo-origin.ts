import { VERDICT_HEADER } from './verdict-header.ts';

/**
 * The origin `npm start` talks to when `ORIGIN` is unset: a JSON echo of what an origin behind the
 * worker sees — the path, the client address and the multi-user verdict header — so a fresh clone
 * works with nothing else running.
 *
 * @example
 * ```ts
 * const res = await demoOrigin(new Request('https://demo/hello', { headers: { 'cf-connecting-ip': '192.0.2.1' } }));
 * await res.json(); // { origin: 'demo', method: 'GET', path: '/hello', client: '192.0.2.1', multiUser: null, ... }
 * ```
 */
export async function demoOrigin(request: Request): Promise<Response> {
  const url = new URL(request.url);
  // Counts the bytes as sent; decoding to text and encoding back cost a TextEncoder per request.
  const bodyBytes = request.body === null ? 0 : (await request.arrayBuffer()).byteLength;
  return Response.json({
    origin: 'demo',
    method: request.method,
    path: url.pathname,
    query: url.search,
    client: request.headers.get('cf-connecting-ip'),
    multiUser: request.headers.get(VERDICT_HEADER),
    bodyBytes,
  });
}

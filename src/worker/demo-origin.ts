import type { RateLimitHeaders } from '../ratelimit/index.ts';
import type { RequestTarget } from './request-target.ts';

/**
 * The origin `npm start` talks to when `ORIGIN` is unset: a JSON echo of what an origin behind the
 * worker sees — method, path and query, the client address, the multi-user verdict header and the
 * body's size — so a fresh clone works with nothing else running.
 *
 * It answers from the values directly instead of reading back a forwarded `Request` (building that
 * request cost ~13 µs and reading it ~9 µs per request on workerd, bench/worker/pieces), and each
 * value is what `originRequest` would give a real origin: the path and query as the request
 * sent them (the demo base has no path, and an empty query `?` is no query, as `URL.search` reads
 * it), `CF-Connecting-IP` as copied, the worker's own verdict (every forged copy is stripped), and no
 * body for GET and HEAD. The rate-limit headers are appended to the built response.
 * `client` is the `CF-Connecting-IP` value when the caller has already read it (default: read here).
 *
 * @example
 * ```ts
 * const request = new Request('https://edge/hello?x=1', { headers: { 'cf-connecting-ip': '192.0.2.1' } });
 * const res = await demoOrigin(request, new URL(request.url), 'multi=?0', { RateLimit: '"api";r=9;t=60' });
 * await res.json(); // { origin: 'demo', method: 'GET', path: '/hello', query: '?x=1', client: '192.0.2.1', multiUser: 'multi=?0', bodyBytes: 0 }
 * ```
 */
export function demoOrigin(
  request: Request,
  url: RequestTarget,
  verdict: string,
  headers: RateLimitHeaders | undefined,
  client: string | null = request.headers.get('cf-connecting-ip'),
): Response | Promise<Response> {
  // `request.method` is a call into workerd that makes a new string each time: read once.
  const method = request.method;
  if (method === 'GET' || method === 'HEAD' || request.body === null) return echo(method, url, client, verdict, 0, headers);
  // Counts the bytes as sent; decoding to text and encoding back cost a TextEncoder per request.
  return request.arrayBuffer().then((body) => echo(method, url, client, verdict, body.byteLength, headers));
}

function echo(
  method: string,
  url: RequestTarget,
  client: string | null,
  verdict: string,
  bodyBytes: number,
  headers: RateLimitHeaders | undefined,
): Response {
  const body = { origin: 'demo', method, path: url.pathname, query: url.search, client, multiUser: verdict, bodyBytes };
  const res = Response.json(body);
  if (headers === undefined) return res;
  // Appended to the built response, not passed in its init (paired floor variants over HTTP on
  // workerd, docs/worker.md: no route was reliably cheaper, and an array of pairs cost ~10 % of the
  // empty worker's CPU more, as workerd reads it through the JS iterator protocol). `res.headers` is
  // read once: each read is a call into workerd.
  const out = res.headers;
  for (const name in headers) out.append(name, headers[name]!);
  return res;
}

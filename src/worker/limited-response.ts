import type { LimitedInfo, RateLimitHeaders } from '../ratelimit/index.ts';

/**
 * How the worker answers a blocked request: from the request (its `Accept` header, its URL), the
 * limiter's verdict, and the rate-limit headers of every rule the request passed, which go on the
 * response at construction.
 *
 * @example
 * ```ts
 * const answer: LimitedAnswer = limitedResponse;
 * return answer(request, { decision, retryAfter }, outcome.headers);
 * ```
 */
export type LimitedAnswer = (request: Request, info: LimitedInfo, headers: RateLimitHeaders) => Response;

/**
 * The worker's answer to a blocked request: 429 with `Retry-After`, as JSON for API clients and as a
 * small HTML page for browsers (plain text for anything else), chosen by `Accept`; the rate-limit
 * `headers` are added at construction.
 *
 * @example
 * ```ts
 * limitedResponse(request, { decision, retryAfter: 30 }, { 'RateLimit-Policy': '"api";q=100;w=60' }).status; // 429
 * ```
 */
export function limitedResponse(request: Request, info: LimitedInfo, headers: RateLimitHeaders): Response {
  const { decision, retryAfter } = info;
  const accept = request.headers.get('accept') ?? '';
  if (accept.includes('application/json')) {
    const body = { error: 'rate limited', policy: decision.id, limit: decision.limit, period: decision.period, retryAfter };
    return blocked(JSON.stringify(body), 'application/json', retryAfter, headers);
  }
  if (accept.includes('text/html')) {
    return blocked(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Too many requests</title></head>` +
        `<body><h1>Too many requests</h1><p>Please try again in ${retryAfter} second${retryAfter === 1 ? '' : 's'}.</p></body></html>`,
      'text/html; charset=UTF-8',
      retryAfter,
      headers,
    );
  }
  return blocked(`Too many requests: try again in ${retryAfter} s.\n`, 'text/plain; charset=UTF-8', retryAfter, headers);
}

/**
 * A 429 that is never cached, with `Retry-After` and the given headers set at construction.
 *
 * @example
 * ```ts
 * blocked('<!doctype html>…', 'text/html; charset=UTF-8', 30, outcome.headers);
 * ```
 */
export function blocked(body: string, contentType: string, retryAfter: number, headers: RateLimitHeaders): Response {
  return new Response(body, {
    status: 429,
    headers: { 'Content-Type': contentType, 'Retry-After': String(retryAfter), 'Cache-Control': 'no-store', ...headers },
  });
}

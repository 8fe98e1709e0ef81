import type { Context } from 'hono';
import type { LimitedInfo } from '../ratelimit/index.ts';

/**
 * The worker's answer to a blocked request: 429 with `Retry-After`, as JSON for API clients and as a
 * small HTML page for browsers (plain text for anything else), chosen by `Accept`.
 *
 * @example
 * ```ts
 * rateLimit({ limit: 100, onLimited: limitedResponse });
 * ```
 */
export function limitedResponse(c: Context, info: LimitedInfo): Response {
  const { decision, retryAfter } = info;
  const headers = { 'Retry-After': String(retryAfter), 'Cache-Control': 'no-store' };
  const accept = c.req.header('accept') ?? '';
  if (accept.includes('application/json')) {
    return c.json({ error: 'rate limited', policy: decision.id, limit: decision.limit, period: decision.period, retryAfter }, 429, headers);
  }
  if (accept.includes('text/html')) {
    return c.html(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Too many requests</title></head>` +
        `<body><h1>Too many requests</h1><p>Please try again in ${retryAfter} second${retryAfter === 1 ? '' : 's'}.</p></body></html>`,
      429,
      headers,
    );
  }
  return c.text(`Too many requests: try again in ${retryAfter} s.\n`, 429, headers);
}

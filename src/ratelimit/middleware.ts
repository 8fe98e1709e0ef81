import type { Context, MiddlewareHandler } from 'hono';
import type { MultiUserMatch } from '../table/types.ts';
import { connectionAddress } from './address.ts';
import { limiterFrom, safely } from './limiter.ts';
import { checkFunction, resolveOptions } from './resolve-options.ts';
import type { LimitedInfo, RateLimitDecision, RateLimitHeaders, RateLimitOptions } from './types.ts';

declare module 'hono' {
  interface ContextVariableMap {
    /** The multi-user table's answer for the counted address (`undefined`: single-user or not an address). */
    multiUser: MultiUserMatch | undefined;
    /** The decision of the latest `rateLimit` middleware the request passed. */
    rateLimit: RateLimitDecision;
    /** The decisions of every `rateLimit` middleware the request passed, in order. */
    rateLimits: readonly RateLimitDecision[];
  }
}

const JSON_ACCEPT = /application\/json|\+json/i;

/**
 * The Hono middleware: a thin adapter over the framework-free limiter {@link rateLimiter} (one
 * implementation of the limiting itself), with the Hono `Context` as the limiter's input. It adds
 * what only a middleware does: `skip`, the context variables (`multiUser`, `rateLimit`, `rateLimits`),
 * `onLimited`, and appending the headers to whatever response the app produced.
 *
 * Rate limiting that gives multi-user addresses (carrier NAT, enterprise egress, VPNs, relays) a
 * conservative factor: the effective limit is `floor(limit × factor)` with the factor from the
 * multi-user table (see `multiUserFactor`). Adds `RateLimit-Policy` and `RateLimit` headers
 * (draft-ietf-httpapi-ratelimit-headers) to every response that passed through; blocked requests get
 * `onLimited` (default 429 with `Retry-After`). Options are validated here (`TypeError` naming the
 * option). The limiter never causes a 5xx: store failures fail open by default.
 *
 * With `clientKey`, the clients behind a multi-user address are counted apart by a signed cookie
 * (each at the base `limit`, all together at most 4 × `limit × factor`; see docs/ratelimit.md).
 *
 * @example
 * ```ts
 * import { Hono } from 'hono';
 * import { rateLimit } from 'multi-user-ip/ratelimit';
 *
 * const app = new Hono();
 * app.use('/api/*', rateLimit({ id: 'api', limit: 100, period: 60, table }));
 * app.use('/app/*', rateLimit({ id: 'app', limit: 100, table, clientKey: { secret: env.CLIENT_KEY_SECRET } }));
 * ```
 */
export function rateLimit(options: RateLimitOptions = {}): MiddlewareHandler {
  if (typeof options !== 'object' || options === null) throw new TypeError('rateLimit: options must be an object');
  const getConnInfo = checkFunction(options.getConnInfo, 'getConnInfo', 'rateLimit');
  const skip = checkFunction(options.skip, 'skip', 'rateLimit');
  const onLimited = checkFunction(options.onLimited, 'onLimited', 'rateLimit') ?? defaultOnLimited;
  const o = resolveOptions<Context>(
    {
      ...options,
      request: (c) => c.req.raw,
      address: getConnInfo ? (c) => getConnInfo(c).remote.address : connectionAddress,
    },
    'rateLimit',
  );
  const { id, logger } = o;
  const limit = limiterFrom(o);

  return async function rateLimit(c, next) {
    if (skip !== undefined && (await safely(() => skip(c), false)) === true) return next();

    const pending = limit(c);
    const { decision, match, retryAfter, headers } = pending instanceof Promise ? await pending : pending;
    c.set('multiUser', match);
    c.set('rateLimit', decision);
    const prior = c.get('rateLimits');
    c.set('rateLimits', prior === undefined ? [decision] : [...prior, decision]);

    if (decision.limited && decision.enforced) {
      const info: LimitedInfo = { decision, retryAfter };
      let response: Response;
      try {
        response = await onLimited(c, info);
        if (!(response instanceof Response)) throw new TypeError('onLimited did not return a Response');
      } catch (error) {
        logger.warn(
          `rateLimit "${id}": onLimited failed (${error instanceof Error ? error.message : String(error)}); sent the default response`,
        );
        response = defaultOnLimited(c, info);
      }
      c.res = response;
      if (!c.res.headers.has('retry-after')) appendHeader(c, 'Retry-After', String(retryAfter)); // only when onLimited left it out
      addHeaders(c, headers);
      return c.res;
    }

    await next();
    addHeaders(c, headers);
  };
}

function addHeaders(c: Context, headers: RateLimitHeaders): void {
  for (const name in headers) appendHeader(c, name, headers[name]!);
}

/**
 * Appends a list member (inner middlewares finish first, so their members come first), copying the
 * response once if its headers are immutable (`fetch`). `append` rather than get + set: measured
 * cheaper in bench/ratelimit, where header writes are most of the limiter's cost on Node.
 */
function appendHeader(c: Context, name: string, value: string): void {
  try {
    c.res.headers.append(name, value);
  } catch {
    const res = c.res;
    // A WebSocket upgrade (101) cannot be copied: it goes out without the headers.
    if (res.status < 200 || (res as { webSocket?: unknown }).webSocket) return;
    c.res = new Response(res.body, res);
    c.res.headers.append(name, value);
  }
}

/**
 * The default response for a blocked request: 429 with a JSON body for clients that accept JSON,
 * plain text otherwise. `Retry-After` and the rate-limit headers are added by the middleware.
 *
 * @example
 * ```ts
 * rateLimit({ onLimited: (c, info) => (c.req.path.startsWith('/api') ? defaultOnLimited(c, info) : c.redirect('/slow-down')) });
 * ```
 */
export function defaultOnLimited(c: Context, info: LimitedInfo): Response {
  const message = `Too many requests: retry in ${info.retryAfter} second${info.retryAfter === 1 ? '' : 's'}.`;
  const headers = { 'Retry-After': String(info.retryAfter) };
  if (JSON_ACCEPT.test(c.req.header('accept') ?? '')) {
    return c.json({ error: 'rate_limited', message, retryAfter: info.retryAfter, policy: info.decision.id }, 429, headers);
  }
  return c.text(`${message}\n`, 429, headers);
}

import type { Context, MiddlewareHandler } from 'hono';
import type { MultiUserMatch } from '../table/types.ts';
import { addressKey, clientAddress, UNKNOWN_ADDRESS_KEY, type AddressKey } from './address.ts';
import type { ClientKeyOutcome } from './client-key-limit.ts';
import { decide, effectiveLimit } from './decision.ts';
import { formatRateLimit, formatRateLimitPolicy } from './headers.ts';
import { resolveOptions } from './resolve-options.ts';
import type { HitResult, LimitedInfo, RateLimitDecision, RateLimitOptions, StoreRule } from './types.ts';

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
  const o = resolveOptions(options);
  const { id, limit, period, algorithm, skip, key, classify, factorOf, logger, clientKeys } = o;
  const onLimited = o.onLimited ?? defaultOnLimited;
  const periodMs = period * 1000;
  const mitigationMs = o.mitigationTimeout * 1000;
  const policyHeaders = new Map<number, string>();
  let failing = false;

  function countedKey(c: Context): AddressKey | Promise<AddressKey> {
    if (key === undefined) {
      let raw: string | undefined;
      try {
        raw = clientAddress(c, o.trustProxy, o.getAddress);
      } catch {
        raw = undefined;
      }
      return addressKey(raw, o.ipv4Subnet, o.ipv6Subnet);
    }
    return safely(() => key(c), undefined).then((custom) =>
      typeof custom === 'string' && custom !== ''
        ? customKey(custom, o.ipv4Subnet, o.ipv6Subnet)
        : { key: UNKNOWN_ADDRESS_KEY, address: undefined },
    );
  }

  function storeFailed(error: unknown): undefined {
    if (!failing) {
      failing = true;
      logger.warn(
        `rateLimit "${id}": the store failed (${error instanceof Error ? error.message : String(error)}); ` +
          `failing ${o.failOpen ? 'open' : 'closed'} until it answers again`,
      );
    }
    return undefined;
  }

  function storeAnswered(result: HitResult): HitResult {
    if (typeof result?.allowed !== 'boolean') throw new TypeError(`store answered ${JSON.stringify(result)}`);
    failing = false;
    return result;
  }

  /** The store's answer, `undefined` when it failed; synchronous for a synchronous store (no extra await). */
  function hit(c: Context, storeKey: string, rule: StoreRule): HitResult | undefined | Promise<HitResult | undefined> {
    try {
      const pending = o.getStore(c).hit(storeKey, rule, o.now());
      if (isThenable(pending)) return withTimeout(pending, o.timeout).then(storeAnswered).catch(storeFailed);
      return storeAnswered(pending);
    } catch (error) {
      return storeFailed(error);
    }
  }

  function policyHeader(effective: number): string {
    let policy = policyHeaders.get(effective);
    if (policy === undefined) {
      policy = formatRateLimitPolicy(id, effective, period);
      if (policyHeaders.size < 64) policyHeaders.set(effective, policy);
    }
    return policy;
  }

  return async function rateLimit(c, next) {
    if (skip !== undefined && (await safely(() => skip(c), false)) === true) return next();

    const pendingKey = countedKey(c);
    const counted = pendingKey instanceof Promise ? await pendingKey : pendingKey;
    let match: MultiUserMatch | undefined;
    if (counted.address !== undefined && classify !== undefined) {
      try {
        match = classify(counted.address) ?? undefined;
      } catch {
        match = undefined;
      }
    }
    const factor = factorOf(match);
    const storeKey = `${id} ${counted.key}`;
    let result: HitResult | undefined;
    let keyed: ClientKeyOutcome | undefined;
    if (clientKeys !== undefined && match !== undefined && counted.address !== undefined) {
      // Client keys only where the table says several people share the address; elsewhere nothing changes.
      keyed = await clientKeys.count(c, {
        storeKey,
        address: counted.address,
        limit,
        factor,
        rule: { algorithm, periodMs, mitigationMs },
        now: o.now(),
        hit: (k, r) => hit(c, k, r),
      });
      result = keyed.result;
    } else {
      const answer = hit(c, storeKey, { algorithm, limit: effectiveLimit(limit, factor), periodMs, mitigationMs });
      result = isThenable(answer) ? await answer : answer;
    }
    const { decision, retryAfter } = decide(o, factor, keyed?.key ?? storeKey, result, keyed?.applied);
    c.set('multiUser', match);
    c.set('rateLimit', decision);
    const prior = c.get('rateLimits');
    c.set('rateLimits', prior === undefined ? [decision] : [...prior, decision]);

    const pk = keyed?.pk;
    const policy = pk === undefined ? policyHeader(decision.limit) : formatRateLimitPolicy(id, decision.limit, period, pk);
    const state = o.headers && !decision.storeError ? formatRateLimit(id, decision.remaining, decision.reset, pk) : undefined;

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
      if (o.headers) addHeaders(c, policy, state);
      if (keyed?.setCookie !== undefined) appendHeader(c, 'Set-Cookie', keyed.setCookie);
      return c.res;
    }

    await next();
    if (o.headers) addHeaders(c, policy, state);
    if (keyed?.setCookie !== undefined) appendHeader(c, 'Set-Cookie', keyed.setCookie);
  };
}

function addHeaders(c: Context, policy: string, state: string | undefined): void {
  appendHeader(c, 'RateLimit-Policy', policy);
  if (state !== undefined) appendHeader(c, 'RateLimit', state);
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

function customKey(custom: string, ipv4Subnet: number, ipv6Subnet: number): AddressKey {
  const asAddress = addressKey(custom, ipv4Subnet, ipv6Subnet);
  return asAddress.address !== undefined ? asAddress : { key: `key:${custom}`, address: undefined };
}

async function safely<T, F>(run: () => T | Promise<T>, fallback: F): Promise<T | F> {
  try {
    return await run();
  } catch {
    return fallback;
  }
}

function isThenable<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as PromiseLike<T> | null)?.then === 'function';
}

function withTimeout<T>(promise: PromiseLike<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, expired]).finally(() => {
    if (timer !== undefined) clearTimeout(timer);
  });
}

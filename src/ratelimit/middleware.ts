import type { Context, MiddlewareHandler } from 'hono';
import type { MultiUserMatch } from '../table/types.ts';
import { addressKey, clientAddress, connectionAddress, UNKNOWN_ADDRESS_KEY, type AddressKey } from './address.ts';
import { FACTOR_CEILING, resolveFactor } from './factor.ts';
import { formatRateLimit, formatRateLimitPolicy } from './headers.ts';
import { MemoryStore } from './memory-store.ts';
import type { HitResult, LimitedInfo, RateLimitDecision, RateLimitOptions, RateLimitStore, StoreRule } from './types.ts';

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

// Printable ASCII without space, `"` and `\`: goes verbatim into a structured-field string and is
// the unambiguous prefix of every key (ended by a space).
const ID = /^[\x21\x23-\x5b\x5d-\x7e]{1,64}$/;
const ALGORITHMS = new Set(['sliding-window', 'fixed-window', 'token-bucket']);
const JSON_ACCEPT = /application\/json|\+json/i;

/**
 * Rate limiting that gives multi-user addresses (carrier NAT, enterprise egress, VPNs, relays) a
 * conservative factor: the effective limit is `floor(limit × factor)` with the factor from the
 * multi-user table (see `multiUserFactor`). Adds `RateLimit-Policy` and `RateLimit` headers
 * (draft-ietf-httpapi-ratelimit-headers) to every response that passed through; blocked requests get
 * `onLimited` (default 429 with `Retry-After`). Options are validated here (`TypeError` naming the
 * option). The limiter never causes a 5xx: store failures fail open by default.
 *
 * @example
 * ```ts
 * import { Hono } from 'hono';
 * import { rateLimit } from 'multi-user-ip/ratelimit';
 *
 * const app = new Hono();
 * app.use('/api/*', rateLimit({ id: 'api', limit: 100, period: 60, table }));
 * ```
 */
export function rateLimit(options: RateLimitOptions = {}): MiddlewareHandler {
  if (typeof options !== 'object' || options === null) throw new TypeError('rateLimit: options must be an object');
  const id = options.id ?? 'default';
  if (typeof id !== 'string' || !ID.test(id)) {
    throw new TypeError(`rateLimit: option "id" must be 1–64 printable ASCII characters without space, '"' or '\\', got ${JSON.stringify(id)}`);
  }
  const limit = integer(options.limit ?? 60, 'limit', 1, 1e9);
  const period = integer(options.period ?? 60, 'period', 1, 86_400);
  const algorithm = options.algorithm ?? 'sliding-window';
  if (!ALGORITHMS.has(algorithm)) {
    throw new TypeError(`rateLimit: option "algorithm" must be 'sliding-window', 'fixed-window' or 'token-bucket', got ${JSON.stringify(algorithm)}`);
  }
  const action = options.action ?? 'block';
  if (action !== 'block' && action !== 'log') throw new TypeError(`rateLimit: option "action" must be 'block' or 'log', got ${JSON.stringify(action)}`);
  const mitigationTimeout = integer(options.mitigationTimeout ?? 0, 'mitigationTimeout', 0, 86_400);
  const trustProxy = integer(options.trustProxy ?? 0, 'trustProxy', 0, 64);
  const ipv4Subnet = integer(options.ipv4Subnet ?? 32, 'ipv4Subnet', 1, 32);
  const ipv6Subnet = integer(options.ipv6Subnet ?? 64, 'ipv6Subnet', 1, 128);
  const timeout = integer(options.timeout ?? 1000, 'timeout', 1, 60_000);
  const failOpen = bool(options.failOpen ?? true, 'failOpen');
  const sendHeaders = bool(options.headers ?? true, 'headers');
  const key = fn(options.key, 'key');
  const skip = fn(options.skip, 'skip');
  const onLimited = fn(options.onLimited, 'onLimited') ?? defaultOnLimited;
  const now = fn(options.now, 'now') ?? Date.now;
  const getConnInfo = fn(options.getConnInfo, 'getConnInfo');
  const logger = options.logger ?? console;
  if (typeof logger?.warn !== 'function') throw new TypeError('rateLimit: option "logger" must have a warn(message) method');
  if (options.table !== undefined && options.classify !== undefined) {
    throw new TypeError('rateLimit: options "table" and "classify" are alternatives; give one');
  }
  if (options.table !== undefined && typeof options.table?.lookup !== 'function') {
    throw new TypeError('rateLimit: option "table" must have a lookup(ip) method (a MultiUserTable or classifier)');
  }
  const table = options.table;
  const classify = table ? (ip: string) => table.lookup(ip) : fn(options.classify, 'classify');
  const factorOf = resolveFactor(options.factor);
  const ceiling = typeof options.factor === 'object' && typeof options.factor.ceiling === 'number' ? options.factor.ceiling : FACTOR_CEILING;
  // The algorithms compare limit × period (ms) in integers: past 2^53 a double rounds and a window edge may admit one too many.
  if (Math.floor(limit * ceiling) * period * 1000 > Number.MAX_SAFE_INTEGER) {
    throw new TypeError(
      `rateLimit: options "limit" (${limit}) × factor ceiling (${ceiling}) × "period" (${period} s, in ms) must stay below 2^53 for exact counting`,
    );
  }
  const storeOption = options.store ?? new MemoryStore();
  if (typeof storeOption !== 'function' && typeof storeOption?.hit !== 'function') {
    throw new TypeError('rateLimit: option "store" must be a store (with hit()) or a function (c) => store');
  }
  const getStore = typeof storeOption === 'function' ? storeOption : () => storeOption;
  const getAddress = getConnInfo ? (c: Context) => getConnInfo(c).remote.address : connectionAddress;
  const periodMs = period * 1000;
  const mitigationMs = mitigationTimeout * 1000;
  const policyHeaders = new Map<number, string>();
  let failing = false;

  return async function rateLimit(c, next) {
    if (skip !== undefined && (await safely(() => skip(c), false)) === true) return next();

    let counted: AddressKey;
    if (key === undefined) {
      let raw: string | undefined;
      try {
        raw = clientAddress(c, trustProxy, getAddress);
      } catch {
        raw = undefined;
      }
      counted = addressKey(raw, ipv4Subnet, ipv6Subnet);
    } else {
      const custom = await safely(() => key(c), undefined);
      counted = typeof custom === 'string' && custom !== '' ? customKey(custom, ipv4Subnet, ipv6Subnet) : { key: UNKNOWN_ADDRESS_KEY, address: undefined };
    }
    const address = counted.address;
    let match: MultiUserMatch | undefined;
    if (address !== undefined && classify !== undefined) {
      try {
        match = classify(address) ?? undefined;
      } catch {
        match = undefined;
      }
    }
    const factor = factorOf(match);
    const effective = Math.max(1, Math.floor(limit * factor));
    const storeKey = `${id} ${counted.key}`;
    const rule: StoreRule = { algorithm, limit: effective, periodMs, mitigationMs };

    let result: HitResult | undefined;
    try {
      const pending = getStore(c).hit(storeKey, rule, now());
      result = isThenable(pending) ? await withTimeout(pending, timeout) : pending;
      if (typeof result?.allowed !== 'boolean') throw new TypeError(`store answered ${JSON.stringify(result)}`);
      failing = false;
    } catch (error) {
      result = undefined;
      if (!failing) {
        failing = true;
        logger.warn(
          `rateLimit "${id}": the store failed (${error instanceof Error ? error.message : String(error)}); ` +
            `failing ${failOpen ? 'open' : 'closed'} until it answers again`,
        );
      }
    }

    const decision: RateLimitDecision = result
      ? {
          id,
          limit: effective,
          baseLimit: limit,
          period,
          remaining: nonNegative(result.remaining),
          reset: Math.ceil(nonNegative(result.remaining > 0 ? result.resetMs : result.retryAfterMs) / 1000),
          factor,
          limited: !result.allowed,
          enforced: action === 'block',
          storeError: false,
          key: storeKey,
        }
      : {
          id,
          limit: effective,
          baseLimit: limit,
          period,
          remaining: failOpen ? effective : 0,
          reset: failOpen ? period : 1,
          factor,
          limited: !failOpen,
          enforced: !failOpen && action === 'block',
          storeError: true,
          key: storeKey,
        };
    c.set('multiUser', match);
    c.set('rateLimit', decision);
    const prior = c.get('rateLimits');
    c.set('rateLimits', prior === undefined ? [decision] : [...prior, decision]);

    let policy = policyHeaders.get(effective);
    if (policy === undefined) {
      policy = formatRateLimitPolicy(id, effective, period);
      if (policyHeaders.size < 64) policyHeaders.set(effective, policy);
    }
    const state = sendHeaders && !decision.storeError ? formatRateLimit(id, decision.remaining, decision.reset) : undefined;

    if (decision.limited && decision.enforced) {
      const retryAfter = Math.max(1, result ? Math.ceil(nonNegative(result.retryAfterMs) / 1000) : 1);
      const info: LimitedInfo = { decision, retryAfter };
      let response: Response;
      try {
        response = await onLimited(c, info);
        if (!(response instanceof Response)) throw new TypeError('onLimited did not return a Response');
      } catch (error) {
        logger.warn(`rateLimit "${id}": onLimited failed (${error instanceof Error ? error.message : String(error)}); sent the default response`);
        response = defaultOnLimited(c, info);
      }
      c.res = response;
      if (!c.res.headers.has('retry-after')) appendHeader(c, 'Retry-After', String(retryAfter)); // only when onLimited left it out
      if (sendHeaders) addHeaders(c, policy, state);
      return c.res;
    }

    await next();
    if (sendHeaders) addHeaders(c, policy, state);
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

/** A store's number as a non-negative integer (a custom store may answer anything). */
function nonNegative(n: number): number {
  return n > 0 ? Math.min(Math.floor(n), Number.MAX_SAFE_INTEGER) : 0;
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

function integer(value: unknown, name: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new TypeError(`rateLimit: option "${name}" must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
  }
  return value;
}

function bool(value: unknown, name: string): boolean {
  if (typeof value !== 'boolean') throw new TypeError(`rateLimit: option "${name}" must be true or false, got ${JSON.stringify(value)}`);
  return value;
}

function fn<F>(value: F | undefined, name: string): F | undefined {
  if (value !== undefined && typeof value !== 'function') throw new TypeError(`rateLimit: option "${name}" must be a function`);
  return value;
}

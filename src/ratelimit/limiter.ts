import type { MultiUserMatch } from '../table/types.ts';
import { addressKey, forwardedAddress, UNKNOWN_ADDRESS_KEY, type AddressKey } from './address.ts';
import type { ClientKeyOutcome } from './client-key-limit.ts';
import { decide, effectiveLimit } from './decision.ts';
import { formatRateLimit, formatRateLimitPolicy } from './headers.ts';
import { resolveOptions, type ResolvedOptions } from './resolve-options.ts';
import type { HitResult, RateLimitHeaders, RateLimiterOptions, RateLimitOutcome, StoreRule } from './types.ts';

/**
 * A limiter's per-request function: decides one request (counting it) from its request-scoped input.
 * Synchronous when nothing on the way is asynchronous (the default address key, no client keys, a
 * synchronous store such as `MemoryStore`), so a caller can skip the `await`.
 *
 * @example
 * ```ts
 * const pending = limit(request);
 * const outcome = pending instanceof Promise ? await pending : pending;
 * ```
 */
export type RateLimiter<I = Request> = (input: I) => RateLimitOutcome | Promise<RateLimitOutcome>;

/**
 * The framework-free rate limiter, the one implementation behind the Hono middleware `rateLimit` and
 * the edge worker. Options are resolved and checked once, here (a `TypeError` naming the option). Per
 * request it finds the counted key (the client address per subnet, or the `key` option's), asks the
 * multi-user table about it, takes the factor, counts one hit in the store (with client keys, in the
 * counters of the client-key plan), decides, and formats the `RateLimit-Policy` / `RateLimit` values.
 * It never answers a request itself: the caller acts on {@link RateLimitOutcome} (a 429 with
 * `Retry-After` when `decision.limited && decision.enforced`, otherwise forward and add `headers`).
 * It never throws for a failing store: failures fail open (or closed with `failOpen: false`).
 *
 * The input `I` is whatever the caller has per request (a `Request` by default); the options `request`
 * and `address` say how to read the request and the connection's address from it, and `key` and a
 * `store` getter receive it as it is.
 *
 * @example
 * ```ts
 * import { MemoryStore, rateLimiter } from 'multi-user-ip/ratelimit';
 *
 * const limit = rateLimiter({ id: 'api', limit: 100, period: 60, table, store: new MemoryStore() });
 * export default {
 *   async fetch(request: Request) {
 *     const { decision, retryAfter, headers } = await limit(request); // CF-Connecting-IP on Workers
 *     if (decision.limited && decision.enforced)
 *       return new Response('Too many requests\n', { status: 429, headers: { 'Retry-After': String(retryAfter), ...headers } });
 *     const fetched = await fetch(request);
 *     const res = new Response(fetched.body, fetched); // a mutable copy of the immutable response
 *     for (const [name, value] of Object.entries(headers)) res.headers.append(name, value);
 *     return res;
 *   },
 * };
 * ```
 */
export function rateLimiter<I = Request>(options: RateLimiterOptions<I> = {}): RateLimiter<I> {
  return limiterFrom(resolveOptions(options, 'rateLimiter'));
}

/**
 * The limiter for already resolved options: {@link rateLimiter} and the Hono adapter resolve their
 * options (each naming itself in errors) and share this.
 *
 * @example
 * ```ts
 * const limit = limiterFrom<Context>(resolveOptions({ ...options, request: (c) => c.req.raw }, 'rateLimit'));
 * ```
 */
export function limiterFrom<I>(o: ResolvedOptions<I>): RateLimiter<I> {
  const { id, limit, period, algorithm, key, classify, factorOf, logger, clientKeys } = o;
  const periodMs = period * 1000;
  const mitigationMs = o.mitigationTimeout * 1000;
  const policyHeaders = new Map<number, string>();
  const storeRules = new Map<number, StoreRule>();
  let failing = false;

  function countedKey(input: I): AddressKey | Promise<AddressKey> {
    if (key === undefined) {
      let raw: string | undefined;
      try {
        raw = o.trustProxy > 0 ? forwardedAddress(o.request(input), o.trustProxy) : o.address(input);
      } catch {
        raw = undefined;
      }
      return addressKey(raw, o.ipv4Subnet, o.ipv6Subnet);
    }
    return safely(() => key(input), undefined).then((custom) =>
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
  function hit(input: I, storeKey: string, rule: StoreRule): HitResult | undefined | Promise<HitResult | undefined> {
    try {
      const pending = o.getStore(input).hit(storeKey, rule, o.now());
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

  /** The store rule for a factor, kept for the few factors a table yields (one object less per request). */
  function storeRule(factor: number): StoreRule {
    let rule = storeRules.get(factor);
    if (rule === undefined) {
      rule = Object.freeze({ algorithm, limit: effectiveLimit(limit, factor), periodMs, mitigationMs });
      if (storeRules.size < 64) storeRules.set(factor, rule);
    }
    return rule;
  }

  function outcome(
    match: MultiUserMatch | undefined,
    factor: number,
    storeKey: string,
    result: HitResult | undefined,
    keyed: ClientKeyOutcome | undefined,
  ): RateLimitOutcome {
    const { decision, retryAfter } = decide(o, factor, keyed?.key ?? storeKey, result, keyed?.applied);
    let headers: RateLimitHeaders = {};
    if (o.headers) {
      const pk = keyed?.pk;
      const policy = pk === undefined ? policyHeader(decision.limit) : formatRateLimitPolicy(id, decision.limit, period, pk);
      // Both members as one literal in the common case (one object of a fixed shape, in the usual order).
      headers = decision.storeError
        ? { 'RateLimit-Policy': policy }
        : { 'RateLimit-Policy': policy, RateLimit: formatRateLimit(id, decision.remaining, decision.reset, pk) };
    }
    if (keyed?.setCookie !== undefined) headers['Set-Cookie'] = keyed.setCookie;
    return { decision, match, retryAfter, headers };
  }

  function count(input: I, counted: AddressKey): RateLimitOutcome | Promise<RateLimitOutcome> {
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
    if (clientKeys !== undefined && match !== undefined && counted.address !== undefined) {
      // Client keys only where the table says several people share the address; elsewhere nothing changes.
      return clientKeys
        .count(o.request(input), {
          storeKey,
          address: counted.address,
          limit,
          factor,
          rule: { algorithm, periodMs, mitigationMs },
          now: o.now(),
          hit: (k, r) => hit(input, k, r),
        })
        .then((keyed) => outcome(match, factor, storeKey, keyed.result, keyed));
    }
    const answer = hit(input, storeKey, storeRule(factor));
    if (isThenable(answer)) return answer.then((result) => outcome(match, factor, storeKey, result, undefined));
    return outcome(match, factor, storeKey, answer, undefined);
  }

  return function limit(input: I): RateLimitOutcome | Promise<RateLimitOutcome> {
    const counted = countedKey(input);
    return counted instanceof Promise ? counted.then((k) => count(input, k)) : count(input, counted);
  };
}

function customKey(custom: string, ipv4Subnet: number, ipv6Subnet: number): AddressKey {
  const asAddress = addressKey(custom, ipv4Subnet, ipv6Subnet);
  return asAddress.address !== undefined ? asAddress : { key: `key:${custom}`, address: undefined };
}

/**
 * Runs a user callback; whatever it throws or rejects with gives `fallback`.
 *
 * @example
 * ```ts
 * await safely(() => skip(c), false);
 * ```
 */
export async function safely<T, F>(run: () => T | Promise<T>, fallback: F): Promise<T | F> {
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

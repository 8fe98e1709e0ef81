import type { Context } from 'hono';
import type { MultiUserMatch } from '../table/types.ts';
import type { ClientKeyOptions } from './client-key-limit.ts';

/**
 * How requests are counted.
 *
 * - `sliding-window` (default): Cloudflare's weighted two-window estimate,
 *   `previous × (1 − elapsed / period) + current`.
 * - `fixed-window`: a plain counter per aligned window of `period` seconds.
 * - `token-bucket`: a bucket of `limit` tokens refilled at `limit / period` per second, implemented
 *   as GCRA (one timestamp of state, exact integer arithmetic).
 *
 * @example
 * ```ts
 * const algorithm: RateLimitAlgorithm = 'token-bucket';
 * ```
 */
export type RateLimitAlgorithm = 'sliding-window' | 'fixed-window' | 'token-bucket';

/**
 * What a store needs to decide one hit: the algorithm, the effective limit (already multiplied by
 * the multi-user factor), and times in milliseconds.
 *
 * @example
 * ```ts
 * const rule: StoreRule = { algorithm: 'fixed-window', limit: 100, periodMs: 60_000, mitigationMs: 0 };
 * ```
 */
export interface StoreRule {
  algorithm: RateLimitAlgorithm;
  /** Effective limit: requests per period for this key (an integer ≥ 1). */
  limit: number;
  /** Period in milliseconds (an integer ≥ 1). */
  periodMs: number;
  /** Once the limit is exceeded, keep denying for this long (ms); 0 = deny only the excess. */
  mitigationMs: number;
}

/**
 * A store's answer for one hit. Denied hits are not counted.
 *
 * @example
 * ```ts
 * const r: HitResult = { allowed: true, remaining: 9, resetMs: 42_000, retryAfterMs: 0 };
 * ```
 */
export interface HitResult {
  allowed: boolean;
  /** Requests still allowed right after this one (an integer ≥ 0). */
  remaining: number;
  /** Milliseconds until the current window ends (fixed/sliding) or the bucket is full again (token bucket). */
  resetMs: number;
  /** Milliseconds until one more request would be allowed, assuming no other traffic; 0 when `remaining > 0`. */
  retryAfterMs: number;
}

/**
 * Where counters live. Methods may be sync or async. Stores keep no timers: state expires lazily.
 * A store is handed keys already namespaced by the policy id.
 *
 * @example
 * ```ts
 * const store: RateLimitStore = new MemoryStore({ maxKeys: 10_000 });
 * await store.hit('api:192.0.2.1', { algorithm: 'sliding-window', limit: 10, periodMs: 60_000, mitigationMs: 0 }, Date.now());
 * ```
 */
export interface RateLimitStore {
  /** Counts one hit for `key` at time `now` (ms since the epoch) if the rule allows it, atomically. */
  hit(key: string, rule: StoreRule, now: number): HitResult | Promise<HitResult>;
  /** Forgets `key` (optional). */
  reset?(key: string): void | Promise<void>;
}

/**
 * The limiter's decision for one request, stored in the context variable `rateLimit` (and appended
 * to `rateLimits` when several rules are mounted).
 *
 * @example
 * ```ts
 * app.get('/', (c) => c.text(`remaining ${c.get('rateLimit')?.remaining}`));
 * ```
 */
export interface RateLimitDecision {
  /** The policy id (the `id` option). */
  id: string;
  /** Effective limit: `floor(baseLimit × factor)`. */
  limit: number;
  /** The configured `limit` for a single-user address. */
  baseLimit: number;
  /** Period in seconds. */
  period: number;
  /** Requests still allowed in this period. */
  remaining: number;
  /** Seconds until the quota is restored (the `t` of the `RateLimit` header). */
  reset: number;
  /** The multi-user factor applied (1 for single-user or unknown addresses). */
  factor: number;
  /** The request was over the limit (blocked if `enforced`; only logged in `log` mode). */
  limited: boolean;
  /** The decision was acted upon: false in `log` mode and when the store failed and the limiter failed open. */
  enforced: boolean;
  /** The store failed or timed out for this request. */
  storeError: boolean;
  /** The counted key (namespaced by id); with client keys, the key of the counter that decided. */
  key: string;
  /**
   * Client keys were in play (the `clientKey` option, a multi-user address): true when the request
   * brought a valid client token and was counted for its client, false when it was counted per
   * address. Absent when client keys do not apply.
   */
  keyed?: boolean;
  /** The client's token was issued after a solved challenge (only with `keyed`). */
  verified?: boolean;
}

/**
 * What `onLimited` receives.
 *
 * @example
 * ```ts
 * const onLimited = (c: Context, info: LimitedInfo) => c.text(`wait ${info.retryAfter}s`, 429);
 * ```
 */
export interface LimitedInfo {
  decision: RateLimitDecision;
  /** Seconds to wait before retrying (an integer ≥ 1), also sent as `Retry-After`. */
  retryAfter: number;
}

/**
 * The factor policy as data: caps and default user counts per kind, and a global ceiling.
 *
 * @example
 * ```ts
 * const strict: FactorPolicy = { ...DEFAULT_FACTOR_POLICY, caps: { ...DEFAULT_FACTOR_POLICY.caps, cgnat: 4 } };
 * ```
 */
export interface FactorPolicy {
  /** Highest factor per kind. */
  caps: Readonly<Record<string, number>>;
  /** Users assumed per address when the table does not say. */
  defaultUsers: Readonly<Record<string, number>>;
  /** No factor exceeds this (default 10). Raising it above 10 is the explicit opt-in. */
  ceiling: number;
}

/** A custom factor function; its result is clamped to `[1, ceiling]` (non-numbers give 1). */
export type FactorFunction = (match: MultiUserMatch) => number;

/**
 * Options of the framework-free limiter {@link rateLimiter}, generic in the request-scoped input `I`
 * that its callbacks (`key`, a `store` getter) receive: a `Request` by default, a Hono `Context` in
 * {@link rateLimit}, whatever the caller hands over elsewhere. Every option is optional; defaults are
 * documented per field, and options are checked once, at construction (a `TypeError` naming the option).
 *
 * @example
 * ```ts
 * const limit = rateLimiter({ id: 'api', limit: 100, period: 60, table, address: (r) => r.headers.get('cf-connecting-ip') ?? undefined });
 * ```
 */
export interface RateLimiterOptions<I = Request> {
  /** Policy id: names the policy in the headers and namespaces the keys. Default `'default'`. */
  id?: string;
  /** Requests per period for a single-user address (integer ≥ 1). Default 60. */
  limit?: number;
  /** Period in seconds (integer 1–86400). Default 60. */
  period?: number;
  /** Default `'sliding-window'`. */
  algorithm?: RateLimitAlgorithm;
  /** `'block'` (default) or `'log'` (count and annotate, never block). */
  action?: 'block' | 'log';
  /** Seconds (0–86400) to keep blocking a key once it exceeded the limit; 0 (default) blocks only the excess. */
  mitigationTimeout?: number;
  /**
   * What is counted. Default: the client address (see `trustProxy`, `ipv6Subnet`). When the key is an IP
   * address (or `address/bits`), the multi-user factor is looked up on it; otherwise the factor is 1.
   */
  key?: (input: I) => string | Promise<string>;
  /** Number of trusted reverse proxies in front of the app; the client is then the `trustProxy`-th `X-Forwarded-For` entry from the right. Default 0 (header ignored). */
  trustProxy?: number;
  /** IPv6 addresses are counted per this prefix length (1–128). Default 56, the usual residential delegation: rotating through the /64s of one /56 gains nothing (see docs/ratelimit.md). */
  ipv6Subnet?: number;
  /** IPv4 addresses are counted per this prefix length (1–32). Default 32. */
  ipv4Subnet?: number;
  /** The multi-user table (or any classifier with `lookup(ip)`). Default: none (factor always 1). */
  table?: { lookup(ip: string): MultiUserMatch | undefined };
  /** Alternative to `table`: a function. */
  classify?: (ip: string) => MultiUserMatch | undefined;
  /** Factor policy: a (partial) policy object merged over {@link DEFAULT_FACTOR_POLICY}, or a function. */
  factor?: Partial<FactorPolicy> | FactorFunction;
  /** A store or a per-request getter (e.g. from `c.env`). Default: one `MemoryStore` per limiter. */
  store?: RateLimitStore | ((input: I) => RateLimitStore);
  /** On store failure or timeout, let the request through (default true); false decides it limited. */
  failOpen?: boolean;
  /** Milliseconds to wait for an async store before treating it as failed. Default 1000. */
  timeout?: number;
  /** Produce `RateLimit-Policy` and `RateLimit` header values. Default true. */
  headers?: boolean;
  /** The clock, ms since the epoch. Default `Date.now`. */
  now?: () => number;
  /**
   * Count the clients behind a multi-user address apart, by a signed cookie (see `ClientKeyOptions`
   * and docs/ratelimit.md). Default: off. Single-user addresses are never affected.
   */
  clientKey?: ClientKeyOptions;
  /** Where the one warning per store incident goes. Default `console`. */
  logger?: { warn(message: string): void };
  /** The input's request: its headers (`X-Forwarded-For` with `trustProxy`, the client-key cookie) and URL (https or not). Default: the input itself, for `I = Request`. */
  request?: (input: I) => Request;
  /** The connection's address for an input. Default {@link requestAddress}: `CF-Connecting-IP` on Workers, none elsewhere (a `Request` does not carry the socket): off Workers give `address`, `trustProxy` or `key`, or every request shares the one `unknown-address` counter. */
  address?: (input: I) => string | undefined;
}

/**
 * Options of {@link rateLimit}, the Hono middleware: the limiter's options with a Hono `Context` as the
 * input, plus what only a middleware does (skip, answer a blocked request, read the socket address).
 * Every option is optional; defaults are documented per field.
 *
 * @example
 * ```ts
 * app.use(rateLimit({ id: 'api', limit: 100, period: 60, table }));
 * ```
 */
export interface RateLimitOptions extends Omit<RateLimiterOptions<Context>, 'request' | 'address'> {
  /** Reads the connection's address, hono's `getConnInfo` shape. Default: `CF-Connecting-IP` on Workers, the socket elsewhere (Node, Bun, Deno). */
  getConnInfo?: (c: Context) => { remote: { address?: string | undefined } };
  /** The response for a blocked request. Default: 429, `Retry-After`, JSON for JSON clients, text otherwise. */
  onLimited?: (c: Context, info: LimitedInfo) => Response | Promise<Response>;
  /** Return true to bypass the limiter (nothing counted, no headers). Default: never. */
  skip?: (c: Context) => boolean | Promise<boolean>;
}

/**
 * The response headers a limiter adds, by name: `RateLimit-Policy` and `RateLimit` (absent with
 * `headers: false`; `RateLimit` also when the store failed), and `Set-Cookie` when client keys minted
 * a token. A record, in that order, so it is a `HeadersInit` as it is: workerd builds a response from
 * a record ~3× faster than from `[name, value]` pairs (bench/worker/pieces).
 *
 * @example
 * ```ts
 * const headers: RateLimitHeaders = { 'RateLimit-Policy': '"api";q=100;w=60', RateLimit: '"api";r=99;t=60' };
 * return Response.json(data, { headers });
 * ```
 */
export type RateLimitHeaders = Record<string, string>;

/**
 * What the limiter decided for one request, with everything a caller needs to answer it: the
 * decision, the table's answer for the counted address, the `Retry-After` seconds of a blocked
 * request, and the response headers to add ({@link RateLimitHeaders}), ready for a `Response`'s init.
 *
 * @example
 * ```ts
 * const outcome = await limit(request);
 * if (outcome.decision.limited && outcome.decision.enforced)
 *   return new Response('slow down', { status: 429, headers: { 'Retry-After': String(outcome.retryAfter), ...outcome.headers } });
 * ```
 */
export interface RateLimitOutcome {
  decision: RateLimitDecision;
  /** The multi-user table's answer for the counted address (`undefined`: single-user or not an address). */
  match: MultiUserMatch | undefined;
  /** Seconds a blocked request should wait (an integer ≥ 1). */
  retryAfter: number;
  /** Response headers to add; empty with `headers: false` and no minted token. */
  headers: RateLimitHeaders;
}

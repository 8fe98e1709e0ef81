import type { RateLimitAlgorithm } from './types.ts';

/**
 * The one set of rate-limit option checks, shared by `rateLimit`, the worker's `RULES` and the
 * `RateLimitCounter` Durable Object. Each check returns `undefined` when the value is fine, or the
 * problem as `expected …, got …`; the caller prefixes where the value came from (an option name, a
 * `RULES[i].field`) and picks its error class.
 *
 * @example
 * ```ts
 * const problem = checkInteger(0, 'limit'); // 'expected an integer from 1 to 1000000000, got 0'
 * if (problem) throw new TypeError(`rateLimit: option "limit": ${problem}`);
 * ```
 */
export const RATE_LIMIT_RANGES = Object.freeze({
  limit: [1, 1_000_000_000],
  period: [1, 86_400],
  mitigationTimeout: [0, 86_400],
  ipv4Subnet: [1, 32],
  ipv6Subnet: [1, 128],
  trustProxy: [0, 64],
  timeout: [1, 60_000],
} as const satisfies Record<string, readonly [number, number]>);

/** The names of the counting algorithms, in the order error messages list them. */
export const ALGORITHMS: readonly RateLimitAlgorithm[] = Object.freeze(['sliding-window', 'fixed-window', 'token-bucket']);

/**
 * Defaults of the address options, shared by the middleware and the worker's rules. IPv6 is counted
 * per /56 (as express-rate-limit 8 does): a /56 is the usual residential delegation (RIPE-690), so
 * rotating through the 256 /64s of one's own /56 buys nothing. See docs/ratelimit.md.
 *
 * @example
 * ```ts
 * rateLimit({ ipv6Subnet: SUBNET_DEFAULTS.ipv6Subnet }); // the default spelled out
 * ```
 */
export const SUBNET_DEFAULTS: Readonly<{ ipv4Subnet: number; ipv6Subnet: number }> = Object.freeze({ ipv4Subnet: 32, ipv6Subnet: 56 });

// Printable ASCII without space, `"` and `\`: goes verbatim into a structured-field string and is
// the unambiguous prefix of every key (ended by a space).
const ID = /^[\x21\x23-\x5b\x5d-\x7e]{1,64}$/;

/**
 * Checks an integer option against its range in {@link RATE_LIMIT_RANGES} (or an explicit range).
 *
 * @example
 * ```ts
 * checkInteger(57, 'ipv6Subnet'); // undefined
 * checkInteger(129, 'ipv6Subnet'); // 'expected an integer from 1 to 128, got 129'
 * ```
 */
export function checkInteger(value: unknown, name: keyof typeof RATE_LIMIT_RANGES | readonly [number, number]): string | undefined {
  const [min, max] = typeof name === 'string' ? RATE_LIMIT_RANGES[name] : name;
  if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max) return undefined;
  return `expected an integer from ${min} to ${max}, got ${describe(value)}`;
}

/**
 * Checks a policy id: 1–64 printable ASCII characters without space, `"` or `\`.
 *
 * @example
 * ```ts
 * checkId('login'); // undefined
 * checkId('a b'); // 'expected 1–64 printable ASCII characters without space, \'"\' or \'\\\', got "a b"'
 * ```
 */
export function checkId(value: unknown): string | undefined {
  if (typeof value === 'string' && ID.test(value)) return undefined;
  return `expected 1–64 printable ASCII characters without space, '"' or '\\', got ${describe(value)}`;
}

/**
 * Checks an algorithm name.
 *
 * @example
 * ```ts
 * checkAlgorithm('leaky'); // "expected one of 'sliding-window', 'fixed-window', 'token-bucket', got \"leaky\""
 * ```
 */
export function checkAlgorithm(value: unknown): string | undefined {
  if ((ALGORITHMS as readonly unknown[]).includes(value)) return undefined;
  return `expected one of ${ALGORITHMS.map((a) => `'${a}'`).join(', ')}, got ${describe(value)}`;
}

/**
 * Checks an action: `block` or `log`.
 *
 * @example
 * ```ts
 * checkAction('deny'); // "expected 'block' or 'log', got \"deny\""
 * ```
 */
export function checkAction(value: unknown): string | undefined {
  return value === 'block' || value === 'log' ? undefined : `expected 'block' or 'log', got ${describe(value)}`;
}

/**
 * A switch option (`headers`, `failOpen`): only a boolean, so `"false"` or `0` from a config file
 * never reads as on or off by accident.
 *
 * @example
 * ```ts
 * checkBoolean('false'); // 'expected true or false, got "false"'
 * ```
 */
export function checkBoolean(value: unknown): string | undefined {
  return typeof value === 'boolean' ? undefined : `expected true or false, got ${describe(value)}`;
}

/**
 * The algorithms count in integers of limit × factor × period in milliseconds, exact only below
 * 2^53 (`Number.MAX_SAFE_INTEGER` is 2^53 − 1): past it a double rounds, and a window edge may admit
 * one request too many. Returns the problem when `floor(limit × ceiling) × period × 1000` exceeds it.
 *
 * @example
 * ```ts
 * checkExactCounting(1_000_000_000, 86_400, 10); // 'limit × factor ceiling × period (ms) must be at most 2^53 − 1 …'
 * ```
 */
export function checkExactCounting(limit: number, period: number, ceiling: number): string | undefined {
  if (Math.floor(limit * ceiling) * period * 1000 <= Number.MAX_SAFE_INTEGER) return undefined;
  return `limit (${limit}) × factor ceiling (${ceiling}) × period (${period} s, in ms) must be at most 2^53 − 1 for exact counting`;
}

/**
 * A value for an error message: JSON, cut at 60 characters.
 *
 * @example
 * ```ts
 * describe(undefined); // 'nothing'
 * ```
 */
export function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  let s: string;
  try {
    s = JSON.stringify(v) ?? String(v);
  } catch {
    s = String(v);
  }
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/** Shortest secret that signs client tokens (`clientKey.secret`, `CLIENT_KEY_SECRET`): 32 characters, e.g. `openssl rand -hex 16`. */
export const MIN_SECRET_LENGTH = 32;

/**
 * Checks a client-key secret: a string of {@link MIN_SECRET_LENGTH} or more characters, or a
 * non-empty list of them (rotation: the first signs, every one verifies). Never quotes the value.
 *
 * @example
 * ```ts
 * checkSecret('short'); // 'expected a string of 32 or more characters (or a non-empty list of them), got a string of 5'
 * ```
 */
export function checkSecret(value: unknown): string | undefined {
  const list = typeof value === 'string' ? [value] : value;
  if (Array.isArray(list) && list.length > 0 && list.every((s) => typeof s === 'string' && s.length >= MIN_SECRET_LENGTH)) return undefined;
  const got =
    typeof value === 'string'
      ? `a string of ${value.length}`
      : Array.isArray(value)
        ? `a list of ${value.length}`
        : typeof value === 'undefined'
          ? 'nothing'
          : typeof value;
  return `expected a string of ${MIN_SECRET_LENGTH} or more characters (or a non-empty list of them), got ${got}`;
}

// RFC 6265 cookie-name token characters.
const COOKIE_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,64}$/;

/**
 * Checks a cookie name: 1–64 RFC 6265 token characters.
 *
 * @example
 * ```ts
 * checkCookieName('mu client'); // 'expected 1–64 cookie-name characters (letters, digits, !#$%&\'*+-.^_`|~), got "mu client"'
 * ```
 */
export function checkCookieName(value: unknown): string | undefined {
  if (typeof value === 'string' && COOKIE_NAME.test(value)) return undefined;
  return `expected 1–64 cookie-name characters (letters, digits, !#$%&'*+-.^_\`|~), got ${describe(value)}`;
}

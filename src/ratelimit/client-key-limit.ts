import { generateCookie } from 'hono/cookie';
import { parse as parseCookies } from 'hono/utils/cookie';
import { clientKeyPlan, countPlan, type ClientKeyBounds, type CounterStep } from './client-keys.ts';
import { clientTokens, type ClientToken, type ClientTokens } from './client-token.ts';
import type { AppliedBudget } from './decision.ts';
import { checkCookieName, checkInteger, checkSecret } from './option-checks.ts';
import type { HitResult, RateLimitStore, StoreRule } from './types.ts';

/**
 * Options of client keys (the `clientKey` option of `rateLimit`): count the clients behind a
 * multi-user address apart by a signed cookie, within the bounds of docs/ratelimit.md. Every field
 * but `secret` is optional.
 *
 * @example
 * ```ts
 * app.use(rateLimit({ id: 'api', limit: 5, table, clientKey: { secret: env.CLIENT_KEY_SECRET } }));
 * ```
 */
export interface ClientKeyOptions {
  /** HMAC secret, 32 or more characters, or a list (rotation: the first signs, all verify). Required. */
  secret?: string | readonly string[];
  /**
   * Cookie name. Default `__Host-mu-client` for https requests and `mu-client` for http ones: the
   * `__Host-` prefix makes browsers accept the cookie only from this very host over https with
   * `Path=/` and no `Domain`, so a sibling subdomain can neither plant nor read it; browsers refuse
   * such cookies over plain http, where the token would then never come back.
   */
  cookie?: string;
  /** Token lifetime in seconds (60–2,592,000). Default 86,400 (one day). */
  ttl?: number;
  /** All requests of one address together: at most `ceiling × limit × factor` per period (integer 1–4). Default 4. */
  ceiling?: number;
  /** New tokens one address may be issued per period (integer ≥ 1). Default: the address's factor. */
  mintPerPeriod?: number;
}

/**
 * What one request at a multi-user address was decided on with client keys.
 *
 * @example
 * ```ts
 * const { result, applied, setCookie } = await keys.count(request, { storeKey, address, limit: 5, factor: 10, rule, now, hit });
 * ```
 */
export interface ClientKeyOutcome {
  /** The deciding counter's answer (`undefined`: the store failed). */
  result: HitResult | undefined;
  /** The deciding counter's key. */
  key: string;
  applied: AppliedBudget;
  /** The draft's partition key (base64 of the client id) when the client's own budget applied. */
  pk: string | undefined;
  /** A `Set-Cookie` value carrying a new token, when one was minted. */
  setCookie: string | undefined;
}

/**
 * Everything the limiter (and the worker's challenge endpoint) needs of client keys. Framework-free:
 * each method reads only the request (its `Cookie` header, and its URL for https), so a Hono app
 * passes `c.req.raw`.
 *
 * @example
 * ```ts
 * const keys: ClientKeyLimiter = clientKeyLimiter({ secret });
 * ```
 */
export interface ClientKeyLimiter {
  readonly tokens: ClientTokens;
  /** The cookie name for this request (see {@link ClientKeyOptions.cookie}). */
  cookieName(request: Request): string;
  /** Counts one request from `address` (a multi-user address) and mints a token when it brings none. */
  count(request: Request, input: CountInput): Promise<ClientKeyOutcome>;
  /** A `Set-Cookie` value with a new token for `address` (`verified` after a solved challenge), or undefined. */
  issueCookie(request: Request, address: string, now: number, verified: boolean): Promise<string | undefined>;
}

/**
 * The inputs of {@link ClientKeyLimiter.count}.
 *
 * @example
 * ```ts
 * const input: CountInput = { storeKey: 'api 198.51.100.7', address: '198.51.100.7', limit: 5, factor: 10, rule, now: Date.now(), hit };
 * ```
 */
export interface CountInput {
  /** The address counter's key (`<id> <address key>`). */
  storeKey: string;
  /** The client's address: tokens are bound to its /24 or /48. */
  address: string;
  /** The rule's base limit and the address's factor. */
  limit: number;
  factor: number;
  /** Algorithm, period and mitigation of the rule (the limit comes from each counter). */
  rule: Omit<StoreRule, 'limit'>;
  now: number;
  /** Counts one hit (the limiter's store call with timeout; `undefined` when the store failed). */
  hit: (key: string, rule: StoreRule) => HitResult | undefined | Promise<HitResult | undefined>;
}

const STORE_FAILED = Symbol('store failed');

/**
 * Validates client-key options (a `TypeError` naming the option, prefixed by `where`) and returns the
 * client-key orchestration: read and verify the token from the cookie, plan and count the counters
 * (`clientKeyPlan`), mint a token within the address's mint budget.
 *
 * @example
 * ```ts
 * const keys = clientKeyLimiter({ secret: 'x'.repeat(32), mintPerPeriod: 20 });
 * const outcome = await keys.count(request, { storeKey: 'api 198.51.100.7', address: '198.51.100.7', limit: 5, factor: 10, rule, now, hit });
 * outcome.applied; // { limit: 50, keyed: false, verified: false } for a first visit
 * ```
 */
export function clientKeyLimiter(options: ClientKeyOptions, where = 'rateLimit: option "clientKey'): ClientKeyLimiter {
  if (typeof options !== 'object' || options === null) throw new TypeError(`${where}" must be an object like { secret }`);
  const fail = (name: string, problem: string | undefined) => {
    if (problem) throw new TypeError(`${where}.${name}": ${problem}`);
  };
  fail('secret', checkSecret(options.secret));
  if (options.cookie !== undefined) fail('cookie', checkCookieName(options.cookie));
  if (options.ttl !== undefined) fail('ttl', checkInteger(options.ttl, [60, 2_592_000]));
  if (options.ceiling !== undefined) fail('ceiling', checkInteger(options.ceiling, [1, 4]));
  if (options.mintPerPeriod !== undefined) fail('mintPerPeriod', checkInteger(options.mintPerPeriod, [1, 1_000_000_000]));
  const tokens = clientTokens({ secret: options.secret, ttl: options.ttl ?? 86_400 });
  const bounds: ClientKeyBounds = { ceiling: options.ceiling ?? 4, mintPerPeriod: options.mintPerPeriod };
  const named = options.cookie;

  function cookieName(request: Request): string {
    return named ?? (isHttps(request) ? '__Host-mu-client' : 'mu-client');
  }

  async function issueCookie(request: Request, address: string, now: number, verified: boolean): Promise<string | undefined> {
    const token = await tokens.issue(address, now, verified);
    if (token === undefined) return undefined;
    const name = cookieName(request);
    const secure = isHttps(request) || name.startsWith('__Host-') || name.startsWith('__Secure-');
    return generateCookie(name, token, { path: '/', httpOnly: true, sameSite: 'Lax', secure, maxAge: tokens.ttl });
  }

  async function count(request: Request, input: CountInput): Promise<ClientKeyOutcome> {
    const { storeKey, address, limit, factor, rule, now, hit } = input;
    const token = await readToken(request, address, now);
    const plan = clientKeyPlan(storeKey, limit, factor, token, bounds);
    const store: RateLimitStore = {
      async hit(key, stepRule) {
        const r = await hit(key, stepRule);
        if (r === undefined) throw STORE_FAILED;
        return r;
      },
    };
    const applied = (step: CounterStep): AppliedBudget => ({
      limit: step.limit,
      keyed: token !== undefined,
      verified: token?.verified ?? false,
    });
    let outcome: ClientKeyOutcome;
    try {
      const { deciding } = await countPlan(store, plan.steps, { ...rule, limit: 0 }, now);
      const own = deciding.step.role === 'client';
      outcome = {
        result: deciding.result,
        key: deciding.step.key,
        applied: applied(deciding.step),
        pk: own ? partitionKey(token!) : undefined,
        setCookie: undefined,
      };
    } catch (error) {
      if (error !== STORE_FAILED) throw error;
      return { result: undefined, key: plan.steps[0]!.key, applied: applied(plan.steps[0]!), pk: undefined, setCookie: undefined };
    }
    if (plan.mint !== undefined) {
      // Minting never blocks anything: a spent mint budget only means no new token this period.
      const minted = await hit(plan.mint.key, { ...rule, mitigationMs: 0, limit: plan.mint.limit });
      if (minted?.allowed) outcome.setCookie = await issueCookie(request, address, now, false);
    }
    return outcome;
  }

  async function readToken(request: Request, address: string, now: number): Promise<ClientToken | undefined> {
    let raw: string | undefined;
    try {
      // As hono's getCookie reads it, from the request alone.
      const header = request.headers.get('cookie');
      const name = cookieName(request);
      raw = header ? parseCookies(header, name)[name] : undefined;
    } catch {
      raw = undefined; // a malformed Cookie header is no token
    }
    return raw === undefined ? undefined : tokens.verify(raw, address, now);
  }

  return { tokens, cookieName, count, issueCookie };
}

function isHttps(request: Request): boolean {
  return request.url.startsWith('https:');
}

/** The client id (24 hex characters) as base64: the `pk` of the rate-limit headers. */
function partitionKey(token: ClientToken): string {
  let binary = '';
  for (let i = 0; i < token.id.length; i += 2) binary += String.fromCharCode(parseInt(token.id.slice(i, i + 2), 16));
  return btoa(binary);
}

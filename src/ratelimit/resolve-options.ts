import { requestAddress } from './address.ts';
import { clientKeyLimiter, type ClientKeyLimiter } from './client-key-limit.ts';
import { FACTOR_CEILING, resolveFactor } from './factor.ts';
import { MemoryStore } from './memory-store.ts';
import {
  checkAction,
  checkAlgorithm,
  checkBoolean,
  checkExactCounting,
  checkId,
  checkInteger,
  type RATE_LIMIT_RANGES,
  SUBNET_DEFAULTS,
} from './option-checks.ts';
import type { RateLimitAlgorithm, RateLimiterOptions, RateLimitStore } from './types.ts';

/**
 * {@link RateLimiterOptions} checked and with every default filled in: what the limiter runs on.
 *
 * @example
 * ```ts
 * const resolved: ResolvedOptions<Request> = resolveOptions({ id: 'api', limit: 100 }, 'rateLimiter');
 * resolved.ipv6Subnet; // 56
 * ```
 */
export interface ResolvedOptions<I> {
  id: string;
  limit: number;
  period: number;
  algorithm: RateLimitAlgorithm;
  action: 'block' | 'log';
  mitigationTimeout: number;
  trustProxy: number;
  ipv4Subnet: number;
  ipv6Subnet: number;
  timeout: number;
  failOpen: boolean;
  headers: boolean;
  key: ((input: I) => string | Promise<string>) | undefined;
  now: () => number;
  request: (input: I) => Request;
  address: (input: I) => string | undefined;
  logger: { warn(message: string): void };
  classify: ((ip: string) => ReturnType<NonNullable<RateLimiterOptions['classify']>>) | undefined;
  factorOf: ReturnType<typeof resolveFactor>;
  getStore: (input: I) => RateLimitStore;
  /** Client keys, when the `clientKey` option is given. */
  clientKeys: ClientKeyLimiter | undefined;
}

/**
 * Validates limiter options (a `TypeError` naming the option, prefixed by `where`: the factory the
 * caller knows, `rateLimit` or `rateLimiter`) and fills in the documented defaults. The range, id and
 * algorithm checks are the shared ones of `option-checks.ts`.
 *
 * @example
 * ```ts
 * resolveOptions({ limit: 0 }, 'rateLimit'); // throws TypeError('rateLimit: option "limit": expected an integer from 1 to 1000000000, got 0')
 * ```
 */
export function resolveOptions<I>(options: RateLimiterOptions<I>, where: string): ResolvedOptions<I> {
  if (typeof options !== 'object' || options === null) throw new TypeError(`${where}: options must be an object`);
  const check = <T>(value: unknown, name: string, test: (v: unknown) => string | undefined): T => {
    const problem = test(value);
    if (problem) throw new TypeError(`${where}: option "${name}": ${problem}`);
    return value as T;
  };
  const integer = (value: unknown, name: keyof typeof RATE_LIMIT_RANGES): number => check(value, name, (v) => checkInteger(v, name));
  const bool = (value: unknown, name: string): boolean => check(value, name, checkBoolean);
  const fn = <F>(value: F | undefined, name: string): F | undefined => checkFunction(value, name, where);
  const id = check<string>(options.id ?? 'default', 'id', checkId);
  const limit = integer(options.limit ?? 60, 'limit');
  const period = integer(options.period ?? 60, 'period');
  const algorithm = check<RateLimitAlgorithm>(options.algorithm ?? 'sliding-window', 'algorithm', checkAlgorithm);
  const action = check<'block' | 'log'>(options.action ?? 'block', 'action', checkAction);
  const logger = options.logger ?? console;
  if (typeof logger?.warn !== 'function') throw new TypeError(`${where}: option "logger" must have a warn(message) method`);
  if (options.table !== undefined && options.classify !== undefined) {
    throw new TypeError(`${where}: options "table" and "classify" are alternatives; give one`);
  }
  if (options.table !== undefined && typeof options.table?.lookup !== 'function') {
    throw new TypeError(`${where}: option "table" must have a lookup(ip) method (a MultiUserTable or classifier)`);
  }
  const table = options.table;
  const factorOf = resolveFactor(options.factor);
  const ceiling =
    typeof options.factor === 'object' && typeof options.factor.ceiling === 'number' ? options.factor.ceiling : FACTOR_CEILING;
  const exact = checkExactCounting(limit, period, ceiling);
  if (exact) throw new TypeError(`${where}: options "limit" and "period": ${exact}`);
  const storeOption = options.store ?? new MemoryStore();
  if (typeof storeOption !== 'function' && typeof storeOption?.hit !== 'function') {
    throw new TypeError(`${where}: option "store" must be a store (with hit()) or a function (input) => store`);
  }
  const request = fn(options.request, 'request') ?? ((input: I) => input as unknown as Request);
  const address = fn(options.address, 'address') ?? ((input: I) => requestAddress(request(input)));
  return {
    id,
    limit,
    period,
    algorithm,
    action,
    mitigationTimeout: integer(options.mitigationTimeout ?? 0, 'mitigationTimeout'),
    trustProxy: integer(options.trustProxy ?? 0, 'trustProxy'),
    ipv4Subnet: integer(options.ipv4Subnet ?? SUBNET_DEFAULTS.ipv4Subnet, 'ipv4Subnet'),
    ipv6Subnet: integer(options.ipv6Subnet ?? SUBNET_DEFAULTS.ipv6Subnet, 'ipv6Subnet'),
    timeout: integer(options.timeout ?? 1000, 'timeout'),
    failOpen: bool(options.failOpen ?? true, 'failOpen'),
    headers: bool(options.headers ?? true, 'headers'),
    key: fn(options.key, 'key'),
    now: fn(options.now, 'now') ?? Date.now,
    request,
    address,
    logger,
    classify: table ? (ip) => table.lookup(ip) : fn(options.classify, 'classify'),
    factorOf,
    getStore: typeof storeOption === 'function' ? storeOption : () => storeOption,
    clientKeys: options.clientKey === undefined ? undefined : clientKeyLimiter(options.clientKey, `${where}: option "clientKey`),
  };
}

/**
 * Checks that an optional option is a function (a `TypeError` naming it otherwise): shared by the
 * limiter's and the Hono adapter's callbacks.
 *
 * @example
 * ```ts
 * const skip = checkFunction(options.skip, 'skip', 'rateLimit');
 * ```
 */
export function checkFunction<F>(value: F | undefined, name: string, where: string): F | undefined {
  if (value !== undefined && typeof value !== 'function') throw new TypeError(`${where}: option "${name}" must be a function`);
  return value;
}

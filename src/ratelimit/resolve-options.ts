import type { Context } from 'hono';
import { connectionAddress } from './address.ts';
import { clientKeyLimiter, type ClientKeyLimiter } from './client-key-limit.ts';
import { FACTOR_CEILING, resolveFactor } from './factor.ts';
import { MemoryStore } from './memory-store.ts';
import {
  checkAction,
  checkAlgorithm,
  checkExactCounting,
  checkId,
  checkInteger,
  type RATE_LIMIT_RANGES,
  SUBNET_DEFAULTS,
} from './option-checks.ts';
import type { LimitedInfo, RateLimitAlgorithm, RateLimitOptions, RateLimitStore } from './types.ts';

/**
 * {@link RateLimitOptions} checked and with every default filled in: what the middleware runs on.
 *
 * @example
 * ```ts
 * const resolved: ResolvedOptions = resolveOptions({ id: 'api', limit: 100 });
 * resolved.ipv6Subnet; // 56
 * ```
 */
export interface ResolvedOptions {
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
  key: ((c: Context) => string | Promise<string>) | undefined;
  skip: ((c: Context) => boolean | Promise<boolean>) | undefined;
  onLimited: ((c: Context, info: LimitedInfo) => Response | Promise<Response>) | undefined;
  now: () => number;
  getAddress: (c: Context) => string | undefined;
  logger: { warn(message: string): void };
  classify: ((ip: string) => ReturnType<NonNullable<RateLimitOptions['classify']>>) | undefined;
  factorOf: ReturnType<typeof resolveFactor>;
  getStore: (c: Context) => RateLimitStore;
  /** Client keys, when the `clientKey` option is given. */
  clientKeys: ClientKeyLimiter | undefined;
}

/**
 * Validates `rateLimit` options (a `TypeError` naming the option) and fills in the documented
 * defaults. The range, id and algorithm checks are the shared ones of `option-checks.ts`.
 *
 * @example
 * ```ts
 * resolveOptions({ limit: 0 }); // throws TypeError('rateLimit: option "limit": expected an integer from 1 to 1000000000, got 0')
 * ```
 */
export function resolveOptions(options: RateLimitOptions = {}): ResolvedOptions {
  if (typeof options !== 'object' || options === null) throw new TypeError('rateLimit: options must be an object');
  const id = check<string>(options.id ?? 'default', 'id', checkId);
  const limit = integer(options.limit ?? 60, 'limit');
  const period = integer(options.period ?? 60, 'period');
  const algorithm = check<RateLimitAlgorithm>(options.algorithm ?? 'sliding-window', 'algorithm', checkAlgorithm);
  const action = check<'block' | 'log'>(options.action ?? 'block', 'action', checkAction);
  const logger = options.logger ?? console;
  if (typeof logger?.warn !== 'function') throw new TypeError('rateLimit: option "logger" must have a warn(message) method');
  if (options.table !== undefined && options.classify !== undefined) {
    throw new TypeError('rateLimit: options "table" and "classify" are alternatives; give one');
  }
  if (options.table !== undefined && typeof options.table?.lookup !== 'function') {
    throw new TypeError('rateLimit: option "table" must have a lookup(ip) method (a MultiUserTable or classifier)');
  }
  const table = options.table;
  const factorOf = resolveFactor(options.factor);
  const ceiling =
    typeof options.factor === 'object' && typeof options.factor.ceiling === 'number' ? options.factor.ceiling : FACTOR_CEILING;
  const exact = checkExactCounting(limit, period, ceiling);
  if (exact) throw new TypeError(`rateLimit: options "limit" and "period": ${exact}`);
  const storeOption = options.store ?? new MemoryStore();
  if (typeof storeOption !== 'function' && typeof storeOption?.hit !== 'function') {
    throw new TypeError('rateLimit: option "store" must be a store (with hit()) or a function (c) => store');
  }
  const getConnInfo = fn(options.getConnInfo, 'getConnInfo');
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
    skip: fn(options.skip, 'skip'),
    onLimited: fn(options.onLimited, 'onLimited'),
    now: fn(options.now, 'now') ?? Date.now,
    getAddress: getConnInfo ? (c) => getConnInfo(c).remote.address : connectionAddress,
    logger,
    classify: table ? (ip) => table.lookup(ip) : fn(options.classify, 'classify'),
    factorOf,
    getStore: typeof storeOption === 'function' ? storeOption : () => storeOption,
    clientKeys: options.clientKey === undefined ? undefined : clientKeyLimiter(options.clientKey),
  };
}

function check<T>(value: unknown, name: string, test: (v: unknown) => string | undefined): T {
  const problem = test(value);
  if (problem) throw new TypeError(`rateLimit: option "${name}": ${problem}`);
  return value as T;
}

function integer(value: unknown, name: keyof typeof RATE_LIMIT_RANGES): number {
  return check(value, name, (v) => checkInteger(v, name));
}

function bool(value: unknown, name: string): boolean {
  if (typeof value !== 'boolean') throw new TypeError(`rateLimit: option "${name}" must be true or false, got ${JSON.stringify(value)}`);
  return value;
}

function fn<F>(value: F | undefined, name: string): F | undefined {
  if (value !== undefined && typeof value !== 'function') throw new TypeError(`rateLimit: option "${name}" must be a function`);
  return value;
}

/**
 * multi-user-ip: the table and the rate limiter in one import. Both also have their own entries
 * (`multi-user-ip/table`, `multi-user-ip/ratelimit`); the Durable Object store and class live in the
 * Workers-only entry `multi-user-ip/ratelimit/durable-object`.
 *
 * @example
 * ```ts
 * import { MultiUserTable, rateLimit } from 'multi-user-ip';
 * app.use(rateLimit({ limit: 100, period: 60, table: MultiUserTable.from(bytes) }));
 * ```
 */
export { MultiUserTable, TableFormatError, compileTable, MULTI_USER_KINDS } from './table/index.ts';
export type { MultiUserKind, MultiUserMatch, MultiUserClassifier, TableInfo } from './table/index.ts';
export { rateLimit, MemoryStore, multiUserFactor, DEFAULT_FACTOR_POLICY } from './ratelimit/index.ts';
export type { RateLimitOptions, RateLimitDecision, RateLimitStore, FactorPolicy } from './ratelimit/index.ts';

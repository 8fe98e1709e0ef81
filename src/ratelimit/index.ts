/**
 * The importable rate limiter (runtime-agnostic: Workers, Node, Bun, Deno). The Durable Object
 * class `RateLimitCounter` lives in the Workers-only entry `./durable-object.ts`, because it needs
 * `cloudflare:workers`.
 */
export { rateLimit, defaultOnLimited } from './middleware.ts';
export { decide, effectiveLimit } from './decision.ts';
export type { DecisionRule } from './decision.ts';
export { SUBNET_DEFAULTS } from './option-checks.ts';
export { MemoryStore } from './memory-store.ts';
export type { MemoryStoreOptions } from './memory-store.ts';
export { DurableObjectStore } from './durable-object-store.ts';
export type { CounterNamespace, DurableObjectStoreOptions, RateLimitCounterRpc } from './durable-object-store.ts';
export { DEFAULT_FACTOR_POLICY, FACTOR_CEILING, clampFactor, multiUserFactor } from './factor.ts';
export { formatRateLimit, formatRateLimitPolicy } from './headers.ts';
export { UNKNOWN_ADDRESS_KEY, addressKey, clientAddress, connectionAddress } from './address.ts';
export type { AddressKey } from './address.ts';
export { applyHit } from './algorithms.ts';
export type { Applied, CounterState } from './algorithms.ts';
export type {
  FactorFunction,
  FactorPolicy,
  HitResult,
  LimitedInfo,
  RateLimitAlgorithm,
  RateLimitDecision,
  RateLimitOptions,
  RateLimitStore,
  StoreRule,
} from './types.ts';

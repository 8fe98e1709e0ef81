/**
 * The importable rate limiter (runtime-agnostic: Workers, Node, Bun, Deno). The Durable Object
 * class `RateLimitCounter` lives in the Workers-only entry `./durable-object.ts`, because it needs
 * `cloudflare:workers`.
 */
export { rateLimit, defaultOnLimited } from './middleware.ts';
export { rateLimiter } from './limiter.ts';
export type { RateLimiter } from './limiter.ts';
export { decide, effectiveLimit } from './decision.ts';
export type { AppliedBudget, DecisionRule } from './decision.ts';
export { clientKeyLimiter } from './client-key-limit.ts';
export type { ClientKeyLimiter, ClientKeyOptions, ClientKeyOutcome, CountInput } from './client-key-limit.ts';
export { clientKeyPlan, countPlan } from './client-keys.ts';
export type { ClientKeyBounds, ClientKeyPlan, CounterStep, PlanResult } from './client-keys.ts';
export { clientTokens } from './client-token.ts';
export type { ClientToken, ClientTokenOptions, ClientTokens } from './client-token.ts';
export { SITEVERIFY_URL, TURNSTILE_ACTION, challengePage, safeReturnPath, verifyTurnstile } from './turnstile.ts';
export type { TurnstileOptions, TurnstileVerdict } from './turnstile.ts';
export { MIN_SECRET_LENGTH, SUBNET_DEFAULTS } from './option-checks.ts';
export { MemoryStore } from './memory-store.ts';
export type { MemoryStoreOptions } from './memory-store.ts';
export { DurableObjectStore, objectName } from './durable-object-store.ts';
export type { CounterNamespace, DurableObjectStoreOptions, RateLimitCounterRpc } from './durable-object-store.ts';
export { DEFAULT_FACTOR_POLICY, FACTOR_CEILING, clampFactor, multiUserFactor } from './factor.ts';
export { formatRateLimit, formatRateLimitPolicy } from './headers.ts';
export { UNKNOWN_ADDRESS_KEY, addressKey, clientAddress, connectionAddress, forwardedAddress, requestAddress } from './address.ts';
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
  RateLimitHeaders,
  RateLimiterOptions,
  RateLimitOptions,
  RateLimitOutcome,
  RateLimitStore,
  StoreRule,
} from './types.ts';

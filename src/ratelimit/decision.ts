import type { HitResult, RateLimitDecision } from './types.ts';

/**
 * What a decision is made from, besides the store's answer: the rule's settings and what was counted.
 *
 * @example
 * ```ts
 * const rule: DecisionRule = { id: 'api', limit: 100, period: 60, action: 'block', failOpen: true };
 * ```
 */
export interface DecisionRule {
  id: string;
  /** The configured limit for a single-user address. */
  limit: number;
  /** Seconds. */
  period: number;
  action: 'block' | 'log';
  failOpen: boolean;
}

/**
 * The effective limit of a rule for a factor: `floor(limit × factor)`, at least 1.
 *
 * @example
 * ```ts
 * effectiveLimit(600, 10); // 6000
 * ```
 */
export function effectiveLimit(limit: number, factor: number): number {
  return Math.max(1, Math.floor(limit * factor));
}

/**
 * The limiter's decision for one request, pure: from the rule, the factor, the counted key and the
 * store's answer (`undefined` when the store failed or timed out), and with client keys the budget
 * actually applied (`applied`). Returns the decision and the
 * `Retry-After` seconds (an integer ≥ 1) a blocked request is answered with.
 *
 * @example
 * ```ts
 * const { decision } = decide({ id: 'api', limit: 5, period: 60, action: 'block', failOpen: true }, 2, 'api 192.0.2.1',
 *   { allowed: false, remaining: 0, resetMs: 30_000, retryAfterMs: 30_000 });
 * decision.limit; // 10
 * decision.limited && decision.enforced; // true: answer 429
 * // A keyed client decided by its own counter (base limit 5):
 * decide(rule, 10, 'api 198.51.100.7#c:…', { allowed: true, remaining: 4, resetMs: 60_000, retryAfterMs: 0 },
 *   { limit: 5, keyed: true, verified: false }).decision.limit; // 5
 * ```
 */
export function decide(
  rule: DecisionRule,
  factor: number,
  key: string,
  result: HitResult | undefined,
  applied?: AppliedBudget,
): { decision: RateLimitDecision; retryAfter: number } {
  const { decision, retryAfter } = decideAddress(rule, factor, key, result);
  if (applied === undefined) return { decision, retryAfter };
  decision.limit = applied.limit;
  if (result === undefined && rule.failOpen) decision.remaining = applied.limit;
  decision.keyed = applied.keyed;
  if (applied.keyed) decision.verified = applied.verified;
  return { decision, retryAfter };
}

/**
 * The budget a client-keyed request was decided on (see `client-key-limit.ts`): the limit of the
 * counter that decided, and whether the client was counted on its own.
 *
 * @example
 * ```ts
 * const applied: AppliedBudget = { limit: 5, keyed: true, verified: false };
 * ```
 */
export interface AppliedBudget {
  limit: number;
  keyed: boolean;
  verified: boolean;
}

function decideAddress(
  rule: DecisionRule,
  factor: number,
  key: string,
  result: HitResult | undefined,
): { decision: RateLimitDecision; retryAfter: number } {
  const limit = effectiveLimit(rule.limit, factor);
  if (result === undefined) {
    const { failOpen } = rule;
    const decision: RateLimitDecision = {
      id: rule.id,
      limit,
      baseLimit: rule.limit,
      period: rule.period,
      remaining: failOpen ? limit : 0,
      reset: failOpen ? rule.period : 1,
      factor,
      limited: !failOpen,
      enforced: !failOpen && rule.action === 'block',
      storeError: true,
      key,
    };
    return { decision, retryAfter: 1 };
  }
  const decision: RateLimitDecision = {
    id: rule.id,
    limit,
    baseLimit: rule.limit,
    period: rule.period,
    remaining: nonNegative(result.remaining),
    reset: Math.ceil(nonNegative(result.remaining > 0 ? result.resetMs : result.retryAfterMs) / 1000),
    factor,
    limited: !result.allowed,
    enforced: rule.action === 'block',
    storeError: false,
    key,
  };
  return { decision, retryAfter: Math.max(1, Math.ceil(nonNegative(result.retryAfterMs) / 1000)) };
}

/** A store's number as a non-negative integer (a custom store may answer anything). */
function nonNegative(n: number): number {
  return n > 0 ? Math.min(Math.floor(n), Number.MAX_SAFE_INTEGER) : 0;
}

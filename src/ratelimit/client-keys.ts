import type { ClientToken } from './client-token.ts';
import type { HitResult, RateLimitStore, StoreRule } from './types.ts';

/**
 * Bounds of client keying at one multi-user address (see docs/ratelimit.md, "Client keys", for the threat model).
 *
 * @example
 * ```ts
 * const bounds: ClientKeyBounds = { ceiling: 4, mintPerPeriod: 10 };
 * ```
 */
export interface ClientKeyBounds {
  /** All requests of one address together: at most `ceiling × limit × factor` per period (1–4). Default 4. */
  ceiling?: number;
  /** New client tokens one address may be issued per period (≥ 1). Default: the address's factor. */
  mintPerPeriod?: number;
}

/**
 * One counter a request passes: `key` (the address key plus a suffix, so that a store routing by the
 * part before `#` keeps one address's counters together), its limit, and what it stands for.
 *
 * @example
 * ```ts
 * const step: CounterStep = { key: 'api 198.51.100.7#c:5f0c…', limit: 5, role: 'client' };
 * ```
 */
export interface CounterStep {
  key: string;
  limit: number;
  role: 'address' | 'client' | 'aggregate' | 'mint';
}

/**
 * The counters one request passes, in order, and whether it may be issued a token.
 *
 * @example
 * ```ts
 * const plan: ClientKeyPlan = clientKeyPlan('api 198.51.100.7', 5, 10, undefined);
 * ```
 */
export interface ClientKeyPlan {
  /** Counted in order; the first denial stops (later counters are not charged). */
  steps: CounterStep[];
  /** The counter a new token is charged to, when the request comes without a valid token. */
  mint: CounterStep | undefined;
}

/**
 * Plans the counters of one request at a multi-user address when client keys are on:
 * - with a valid token: the client's own counter at the base `limit`, then the address's
 *   aggregate at `ceiling × limit × factor`;
 * - without one: the address counter at `limit × factor` (today's budget), then the aggregate; and
 *   a token may be minted if the address's mint counter (`mintPerPeriod`) allows.
 * The client's counter comes first so that a client over its own limit never spends the shared
 * aggregate: one abuser cannot block the others behind its address.
 *
 * @example
 * ```ts
 * clientKeyPlan('api 198.51.100.7', 5, 10, token).steps;
 * // [{ key: 'api 198.51.100.7#c:<id>', limit: 5, role: 'client' }, { key: 'api 198.51.100.7#all', limit: 200, role: 'aggregate' }]
 * ```
 */
export function clientKeyPlan(
  addressKey: string,
  limit: number,
  factor: number,
  token: ClientToken | undefined,
  bounds: ClientKeyBounds = {},
): ClientKeyPlan {
  const effective = Math.max(1, Math.floor(limit * factor));
  const ceiling = Math.min(4, Math.max(1, bounds.ceiling ?? 4));
  const aggregate: CounterStep = { key: `${addressKey}#all`, limit: Math.floor(ceiling * effective), role: 'aggregate' };
  if (token !== undefined) {
    return { steps: [{ key: `${addressKey}#c:${token.id}`, limit, role: 'client' }, aggregate], mint: undefined };
  }
  const mintLimit = Math.max(1, Math.floor(bounds.mintPerPeriod ?? factor));
  return {
    steps: [{ key: addressKey, limit: effective, role: 'address' }, aggregate],
    mint: { key: `${addressKey}#mint`, limit: mintLimit, role: 'mint' },
  };
}

/**
 * The outcome of {@link countPlan}: the answer of the counter that decided (the first that denied,
 * else the first step's, whose budget the client sees) and the answer of every counter charged.
 *
 * @example
 * ```ts
 * const { allowed, deciding } = await countPlan(store, plan.steps, rule, Date.now());
 * ```
 */
export interface PlanResult {
  allowed: boolean;
  deciding: { step: CounterStep; result: HitResult };
  charged: { step: CounterStep; result: HitResult }[];
}

/**
 * Counts a plan's steps in order against a store, stopping at the first denial. `rule` gives the
 * algorithm, period and mitigation; each step brings its own limit.
 *
 * @example
 * ```ts
 * await countPlan(new MemoryStore(), plan.steps, { algorithm: 'fixed-window', limit: 0, periodMs: 60_000, mitigationMs: 0 }, Date.now());
 * ```
 */
export async function countPlan(store: RateLimitStore, steps: readonly CounterStep[], rule: StoreRule, now: number): Promise<PlanResult> {
  const charged: PlanResult['charged'] = [];
  for (const step of steps) {
    const result = await store.hit(step.key, { ...rule, limit: step.limit }, now);
    charged.push({ step, result });
    if (!result.allowed) return { allowed: false, deciding: { step, result }, charged };
  }
  return { allowed: true, deciding: charged[0]!, charged };
}

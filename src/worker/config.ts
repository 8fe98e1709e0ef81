import { parseOrigin } from './origin.ts';
import { parseRules, type Rule } from './rules.ts';

/**
 * The worker's bindings and settings (`wrangler.toml` `[vars]`, secrets, the Durable Object).
 *
 * @example
 * ```ts
 * const env: Env = { RULES: '[{"id":"default","limit":600,"period":60}]', STORE: 'memory' };
 * ```
 */
export interface Env {
  /** Base URL of the origin; unset: the built-in demo origin. */
  ORIGIN?: string;
  /** JSON array of rules (string) or a TOML array; see `Rule`. Unset: one rule of 600 requests per 60 s. */
  RULES?: unknown;
  /** `durable-object` (exact across the edge; needs `RATE_LIMIT_COUNTER`) or `memory` (per isolate). Default `durable-object` when the binding exists, else `memory`. */
  STORE?: string;
  /** Bearer token for `/__multi-user/*`; unset: those endpoints are disabled. */
  ADMIN_TOKEN?: string;
  RATE_LIMIT_COUNTER?: DurableObjectNamespace;
}

/**
 * The validated settings of one environment.
 *
 * @example
 * ```ts
 * const config = parseConfig({ STORE: 'memory' });
 * config.rules[0]?.limit; // 600
 * ```
 */
export interface Config {
  origin: URL | undefined;
  rules: Rule[];
  store: 'durable-object' | 'memory';
}

/**
 * Validates every setting; throws an error whose message names the setting (and rule and field).
 *
 * @example
 * ```ts
 * parseConfig({ STORE: 'redis' }); // throws TypeError('STORE: expected "durable-object" or "memory", got "redis"')
 * ```
 */
export function parseConfig(env: Env): Config {
  const origin = parseOrigin(env.ORIGIN);
  const rules = parseRules(env.RULES);
  const store = env.STORE ?? (env.RATE_LIMIT_COUNTER ? 'durable-object' : 'memory');
  if (store !== 'durable-object' && store !== 'memory') {
    throw new TypeError(`STORE: expected "durable-object" or "memory", got ${JSON.stringify(store)}`);
  }
  if (store === 'durable-object' && !env.RATE_LIMIT_COUNTER) {
    throw new TypeError('STORE: "durable-object" needs the RATE_LIMIT_COUNTER Durable Object binding (see wrangler.toml)');
  }
  return { origin, rules, store };
}

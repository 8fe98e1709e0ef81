import { checkSecret } from '../ratelimit/option-checks.ts';
import type { TurnstileOptions } from '../ratelimit/turnstile.ts';
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
  /** Signs client tokens (32+ characters, e.g. `openssl rand -hex 32`); needed by rules with `"clientKey": "cookie"`. A secret. */
  CLIENT_KEY_SECRET?: string;
  /** Turnstile widget site key; needed by rules with `"action": "challenge"`. */
  TURNSTILE_SITE_KEY?: string;
  /** Turnstile widget secret key; needed by rules with `"action": "challenge"`. A secret. */
  TURNSTILE_SECRET?: string;
  /** Overrides the siteverify URL (exists for tests: a local stand-in). Default Cloudflare's. */
  TURNSTILE_VERIFY_URL?: string;
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
  /** The client-key secret, when a rule counts clients apart. */
  clientKeySecret: string | undefined;
  /** The challenge settings, when a rule has `action: "challenge"`. */
  turnstile: TurnstileOptions | undefined;
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
  let clientKeySecret: string | undefined;
  if (rules.some((r) => r.clientKey !== undefined)) {
    const problem = checkSecret(env.CLIENT_KEY_SECRET);
    if (problem)
      throw new TypeError(
        `CLIENT_KEY_SECRET: a rule has "clientKey": "cookie", so the secret is needed: ${problem} (e.g. \`openssl rand -hex 32\`)`,
      );
    clientKeySecret = env.CLIENT_KEY_SECRET;
  }
  return { origin, rules, store, clientKeySecret, turnstile: parseTurnstile(env, rules) };
}

function parseTurnstile(env: Env, rules: readonly Rule[]): TurnstileOptions | undefined {
  if (!rules.some((r) => r.action === 'challenge')) return undefined;
  for (const name of ['TURNSTILE_SITE_KEY', 'TURNSTILE_SECRET'] as const) {
    const value = env[name];
    if (typeof value !== 'string' || value.trim() === '')
      throw new TypeError(
        `${name}: a rule has "action": "challenge", so the Turnstile ${name === 'TURNSTILE_SECRET' ? 'secret' : 'site'} key is needed`,
      );
  }
  let verifyUrl: string | undefined;
  if (env.TURNSTILE_VERIFY_URL !== undefined && env.TURNSTILE_VERIFY_URL !== '') {
    let url: URL | null = null;
    try {
      url = new URL(env.TURNSTILE_VERIFY_URL);
    } catch {
      url = null;
    }
    if (url === null || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
      throw new TypeError(`TURNSTILE_VERIFY_URL: expected an http(s) URL, got ${JSON.stringify(env.TURNSTILE_VERIFY_URL.slice(0, 60))}`);
    }
    verifyUrl = url.href;
  }
  return { siteKey: env.TURNSTILE_SITE_KEY!, secret: env.TURNSTILE_SECRET!, verifyUrl };
}

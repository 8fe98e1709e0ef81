import type { RateLimitAlgorithm } from '../ratelimit/index.ts';
import { FACTOR_CEILING } from '../ratelimit/factor.ts';
import {
  checkAction,
  checkAlgorithm,
  checkBoolean,
  checkExactCounting,
  checkId,
  checkInteger,
  describe,
  type RATE_LIMIT_RANGES,
} from '../ratelimit/option-checks.ts';
import { checkGlob, globMatcher, isGlob } from './glob.ts';
import { hasOneForm, pathForms } from './path.ts';

/**
 * One rate-limit rule of the worker's `RULES` setting.
 *
 * @example
 * ```ts
 * const rule: Rule = { id: 'login', limit: 10, period: 60, path: '/login', methods: ['POST'] };
 * ```
 */
export interface Rule {
  /** Names the rule in `RateLimit-Policy` and keeps its counters apart from other rules'. */
  id: string;
  /** Requests per `period` for a single-user address. */
  limit: number;
  /** Window length in seconds. */
  period: number;
  /** A path prefix (`/api` matches `/api`, `/api/…`, `/api.json`: anything after it that does not continue the word), or a glob when it contains `*` or a `:name` segment (`/img/*.png`, `/users/:id/delete`, with the same endings; `/api/*` also matches `/api`; see `glob.ts`); case-insensitive. Default: every path. */
  path?: string;
  /** Upper-case HTTP methods the rule applies to (`GET` implies `HEAD`; a POST that says it is another method, as `_method` or `X-HTTP-Method-Override`, counts as that one too: see `method-override.ts`). Default: all. */
  methods?: string[];
  /** Default: the middleware's default (`sliding-window`). */
  algorithm?: RateLimitAlgorithm;
  /**
   * `block` (default); `log`: count and annotate, never block; `challenge`: where the rule would
   * block, browsers (`Accept: text/html`) get a Turnstile challenge page, and solving it gives them a
   * verified client token with their own budget (needs `clientKey` and the `TURNSTILE_*` settings);
   * other clients get the 429.
   */
  action?: 'block' | 'log' | 'challenge';
  /** `cookie`: count the clients behind a multi-user address apart by a signed cookie (needs `CLIENT_KEY_SECRET`; see docs/ratelimit.md). Default: off. */
  clientKey?: 'cookie';
  /** Seconds to keep blocking once the limit is exceeded; 0 (default) blocks only the excess. */
  mitigationTimeout?: number;
  /** IPv6 addresses are counted per this prefix length (1–128). Default 56 (see docs/ratelimit.md). */
  ipv6Subnet?: number;
  /** IPv4 addresses are counted per this prefix length (1–32). Default 32. */
  ipv4Subnet?: number;
  /**
   * `false`: no `RateLimit-Policy` / `RateLimit` headers on this rule's answers (a 429 keeps
   * `Retry-After`), for operators who do not publish their limits; it also saves workerd's per-header
   * work (docs/benchmarks.md, "Worker on workerd"). Default `true`.
   */
  headers?: boolean;
}

/**
 * The problem with one rule: which rule (by index) and which field, and what was expected.
 *
 * @example
 * ```ts
 * try { parseRules('[{"id":"a","limit":0,"period":60}]'); } catch (e) { (e as RulesError).message; } // 'RULES[0].limit: expected a positive integer, got 0'
 * ```
 */
export class RulesError extends Error {
  override readonly name = 'RulesError';
}

/** The rule used when `RULES` is unset. */
export const DEFAULT_RULES: readonly Rule[] = [{ id: 'default', limit: 600, period: 60 }];

const RULE_FIELDS = new Set([
  'id',
  'limit',
  'period',
  'path',
  'methods',
  'algorithm',
  'action',
  'clientKey',
  'mitigationTimeout',
  'ipv6Subnet',
  'ipv4Subnet',
  'headers',
]);
const METHOD = /^[A-Z]+$/;

/**
 * Parses and validates the `RULES` setting: a JSON string, or the already-parsed array that a TOML
 * array in `wrangler.toml` yields. `undefined` or an empty string gives {@link DEFAULT_RULES}; `[]`
 * means no rule at all (nothing is limited). Unknown fields are errors, so a typo never silently
 * turns a limit off.
 *
 * @example
 * ```ts
 * parseRules('[{"id":"api","limit":100,"period":60,"path":"/api"}]');
 * ```
 * @throws RulesError naming the rule index and field.
 */
export function parseRules(raw: unknown): Rule[] {
  if (raw === undefined || raw === null || raw === '') return DEFAULT_RULES.map((r) => ({ ...r }));
  let value: unknown = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw);
    } catch (e) {
      throw new RulesError(`RULES: expected a JSON array of rules, but it is not valid JSON (${(e as Error).message})`);
    }
  }
  if (!Array.isArray(value)) throw new RulesError(`RULES: expected an array of rules, got ${describe(value)}`);
  const ids = new Map<string, number>();
  return value.map((item, i) => {
    const rule = parseRule(item, `RULES[${i}]`);
    const seen = ids.get(rule.id);
    if (seen !== undefined) throw new RulesError(`RULES[${i}].id: "${rule.id}" is already the id of RULES[${seen}]; ids must be unique`);
    ids.set(rule.id, i);
    return rule;
  });
}

function parseRule(item: unknown, at: string): Rule {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) {
    throw new RulesError(`${at}: expected an object like {"id":"default","limit":600,"period":60}, got ${describe(item)}`);
  }
  const r = item as Record<string, unknown>;
  for (const key of Object.keys(r)) {
    if (!RULE_FIELDS.has(key)) throw new RulesError(`${at}.${key}: unknown field (expected one of ${[...RULE_FIELDS].join(', ')})`);
  }
  const rule: Rule = {
    id: checked(r.id, `${at}.id`, checkId) as string,
    limit: integer(r.limit, at, 'limit'),
    period: integer(r.period, at, 'period'),
  };
  const exact = checkExactCounting(rule.limit, rule.period, FACTOR_CEILING);
  if (exact) throw new RulesError(`${at}: ${exact}`);
  if (r.path !== undefined) {
    if (typeof r.path !== 'string' || !r.path.startsWith('/')) {
      throw new RulesError(`${at}.path: expected a path prefix or glob starting with "/", got ${describe(r.path)}`);
    }
    if (isGlob(r.path)) {
      const problem = checkGlob(r.path);
      if (problem) throw new RulesError(`${at}.path: ${problem}`);
    }
    rule.path = r.path;
  }
  if (r.methods !== undefined) {
    if (!Array.isArray(r.methods) || r.methods.length === 0 || !r.methods.every((m) => typeof m === 'string' && METHOD.test(m))) {
      throw new RulesError(
        `${at}.methods: expected a non-empty array of upper-case methods such as ["GET","POST"], got ${describe(r.methods)}`,
      );
    }
    rule.methods = [...(r.methods as string[])];
  }
  if (r.algorithm !== undefined) rule.algorithm = checked(r.algorithm, `${at}.algorithm`, checkAlgorithm) as RateLimitAlgorithm;
  if (r.action !== undefined) {
    rule.action = checked(r.action, `${at}.action`, (v) =>
      v === 'challenge' || !checkAction(v) ? undefined : `expected 'block', 'log' or 'challenge', got ${describe(v)}`,
    ) as Rule['action'];
  }
  if (r.clientKey !== undefined) {
    if (r.clientKey !== 'cookie') throw new RulesError(`${at}.clientKey: expected "cookie", got ${describe(r.clientKey)}`);
    rule.clientKey = 'cookie';
  }
  if (rule.action === 'challenge' && rule.clientKey === undefined) {
    throw new RulesError(
      `${at}.action: "challenge" needs "clientKey": "cookie" on the rule (a solved challenge is remembered in a client token)`,
    );
  }
  for (const name of ['mitigationTimeout', 'ipv6Subnet', 'ipv4Subnet'] as const) {
    if (r[name] !== undefined) rule[name] = integer(r[name], at, name);
  }
  if (r.headers !== undefined) rule.headers = checked(r.headers, `${at}.headers`, checkBoolean) as boolean;
  return rule;
}

function checked(v: unknown, at: string, check: (v: unknown) => string | undefined): unknown {
  const problem = check(v);
  if (problem) throw new RulesError(`${at}: ${problem}`);
  return v;
}

function integer(v: unknown, at: string, name: keyof typeof RATE_LIMIT_RANGES): number {
  return checked(v, `${at}.${name}`, (x) => checkInteger(x, name)) as number;
}

/**
 * A compiled rule matcher: for each form of the request path (see `pathForms`), the first rule whose
 * path and method match; the rules found, in rule order, without repeats. Usually one form and at
 * most one rule; a path that origins may read in several ways is counted under the rule of each
 * reading, so `/api/users/..%2f..%2fx` cannot trade an `/api` rule for a laxer `/x` rule. Paths compare
 * case-insensitively, and a rule for GET also covers HEAD.
 *
 * @example
 * ```ts
 * const match = ruleMatcher(parseRules('[{"id":"a","limit":5,"period":10,"path":"/api"}]'));
 * match('GET', '/API/users').map((r) => r.id); // ['a']
 * match('GET', '/%61pi/users/%ff').map((r) => r.id); // ['a']
 * ```
 */
export function ruleMatcher(rules: readonly Rule[]): (method: string, pathname: string) => readonly Rule[] {
  const tests = rules.map((rule) => {
    // A GET rule covers HEAD too: origins answer HEAD with the GET handler, doing the same work.
    const methods = rule.methods ? new Set(rule.methods.includes('GET') ? [...rule.methods, 'HEAD'] : rule.methods) : undefined;
    const path = rule.path;
    let matchPath: (p: string) => boolean;
    if (path === undefined || path === '/') matchPath = () => true;
    else if (isGlob(path)) matchPath = globMatcher(path);
    else {
      // Segment-aware prefix: "/api" covers "/api", "/api/x", "/api.json", "/api%20", not "/apix" or "/api-v2".
      const lower = path.toLowerCase();
      const base = lower.endsWith('/') ? lower.slice(0, -1) : lower;
      matchPath = (p) => p.startsWith(base) && (p.length === base.length || !WORD.test(p[base.length]!));
    }
    // The answer for a path with one form that only this rule matches, made once (no array per request).
    return { rule, methods, matchPath, alone: Object.freeze([rule]) as readonly Rule[] };
  });
  const none: readonly Rule[] = [];
  return function matchRules(method, pathname) {
    if (hasOneForm(pathname)) {
      for (const t of tests) if ((t.methods === undefined || t.methods.has(method)) && t.matchPath(pathname)) return t.alone;
      return none;
    }
    let found: Rule[] | undefined;
    for (const form of pathForms(pathname)) {
      for (const t of tests) {
        if ((t.methods === undefined || t.methods.has(method)) && t.matchPath(form)) {
          if (found === undefined) found = [t.rule];
          else if (!found.includes(t.rule)) found.push(t.rule);
          break;
        }
      }
    }
    if (found === undefined) return none;
    if (found.length > 1) found.sort((a, b) => rules.indexOf(a) - rules.indexOf(b));
    return found;
  };
}

const WORD = /[a-z0-9_-]/;

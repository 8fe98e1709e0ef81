import type { RateLimitAlgorithm } from '../ratelimit/index.ts';

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
  /** A path prefix (`/api` matches `/api`, `/api/…` and `/api.json`), or a URLPattern glob when it contains `*` (`/img/*.png`); case-insensitive. Default: every path. */
  path?: string;
  /** Upper-case HTTP methods the rule applies to (`GET` implies `HEAD`). Default: all. */
  methods?: string[];
  /** Default: the middleware's default (`sliding-window`). */
  algorithm?: RateLimitAlgorithm;
  /** `block` (default) or `log`: count and annotate, never block. */
  action?: 'block' | 'log';
  /** Seconds to keep blocking once the limit is exceeded; 0 (default) blocks only the excess. */
  mitigationTimeout?: number;
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

const RULE_FIELDS = new Set(['id', 'limit', 'period', 'path', 'methods', 'algorithm', 'action', 'mitigationTimeout']);
const ALGORITHMS = new Set(['sliding-window', 'fixed-window', 'token-bucket']);
const METHOD = /^[A-Z]+$/;
// Printable ASCII without `"` and `\`: the id goes verbatim into a structured-field string.
const ID = /^[\x21\x23-\x5b\x5d-\x7e]{1,64}$/;
const MAX_PERIOD = 86_400;
const MAX_LIMIT = 1_000_000_000;
const MAX_LIMIT_PERIOD = 900_000_000_000;

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
  if (typeof r.id !== 'string' || !ID.test(r.id)) {
    throw new RulesError(`${at}.id: expected 1–64 printable ASCII characters without quotes or backslashes, got ${describe(r.id)}`);
  }
  const rule: Rule = {
    id: r.id,
    limit: integer(r.limit, `${at}.limit`, 1, MAX_LIMIT),
    period: integer(r.period, `${at}.period`, 1, MAX_PERIOD),
  };
  // The limiter counts in integers of limit × factor (≤ 10) × period in ms, exact below 2^53.
  if (rule.limit * rule.period > MAX_LIMIT_PERIOD) {
    throw new RulesError(`${at}: limit × period must be at most ${MAX_LIMIT_PERIOD} for exact counting, got ${rule.limit} × ${rule.period}`);
  }
  if (r.path !== undefined) {
    if (typeof r.path !== 'string' || !r.path.startsWith('/')) {
      throw new RulesError(`${at}.path: expected a path prefix or glob starting with "/", got ${describe(r.path)}`);
    }
    if (r.path.includes('*')) {
      try {
        new URLPattern({ pathname: r.path });
      } catch {
        throw new RulesError(`${at}.path: "${r.path}" is not a valid URLPattern pathname glob`);
      }
    }
    rule.path = r.path;
  }
  if (r.methods !== undefined) {
    if (!Array.isArray(r.methods) || r.methods.length === 0 || !r.methods.every((m) => typeof m === 'string' && METHOD.test(m))) {
      throw new RulesError(`${at}.methods: expected a non-empty array of upper-case methods such as ["GET","POST"], got ${describe(r.methods)}`);
    }
    rule.methods = [...(r.methods as string[])];
  }
  if (r.algorithm !== undefined) {
    if (typeof r.algorithm !== 'string' || !ALGORITHMS.has(r.algorithm)) {
      throw new RulesError(`${at}.algorithm: expected one of ${[...ALGORITHMS].join(', ')}, got ${describe(r.algorithm)}`);
    }
    rule.algorithm = r.algorithm as RateLimitAlgorithm;
  }
  if (r.action !== undefined) {
    if (r.action !== 'block' && r.action !== 'log') throw new RulesError(`${at}.action: expected "block" or "log", got ${describe(r.action)}`);
    rule.action = r.action;
  }
  if (r.mitigationTimeout !== undefined) rule.mitigationTimeout = integer(r.mitigationTimeout, `${at}.mitigationTimeout`, 0, MAX_PERIOD);
  return rule;
}

function integer(v: unknown, at: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new RulesError(`${at}: expected an integer from ${min} to ${max}, got ${describe(v)}`);
  }
  return v;
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/**
 * A compiled rule matcher: the first rule whose path and method match wins. Paths compare case-
 * insensitively (rule paths are lower-cased; request paths come through `normalisePath`), and a rule
 * for GET also covers HEAD.
 *
 * @example
 * ```ts
 * const match = ruleMatcher(parseRules('[{"id":"a","limit":5,"period":10,"path":"/api"}]'));
 * match('GET', normalisePath('/API/users'))?.id; // 'a'
 * ```
 */
export function ruleMatcher(rules: readonly Rule[]): (method: string, pathname: string) => Rule | undefined {
  const tests = rules.map((rule) => {
    // A GET rule covers HEAD too: origins answer HEAD with the GET handler, doing the same work.
    const methods = rule.methods ? new Set(rule.methods.includes('GET') ? [...rule.methods, 'HEAD'] : rule.methods) : undefined;
    const path = rule.path?.toLowerCase();
    let matchPath: (p: string) => boolean;
    if (path === undefined || path === '/') matchPath = () => true;
    else if (path.includes('*')) {
      const pattern = new URLPattern({ pathname: path });
      matchPath = (p) => pattern.test({ pathname: p });
    } else {
      // Segment-aware prefix: "/api" covers "/api", "/api/x" and a format suffix "/api.json", not "/apix".
      const base = path.endsWith('/') ? path.slice(0, -1) : path;
      matchPath = (p) => p === base || p.startsWith(`${base}/`) || p.startsWith(`${base}.`);
    }
    return { rule, methods, matchPath };
  });
  /** `pathname` must be in the form `normalisePath` gives (lower case, decoded, resolved). */
  return function matchRule(method, pathname) {
    for (const t of tests) {
      if ((t.methods === undefined || t.methods.has(method)) && t.matchPath(pathname)) return t.rule;
    }
    return undefined;
  };
}

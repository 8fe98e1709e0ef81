import type { MultiUserMatch } from '../table/types.ts';
import type { FactorFunction, FactorPolicy } from './types.ts';

/** The ceiling no policy may exceed unless it raises `ceiling` explicitly. */
export const FACTOR_CEILING = 10;

/**
 * The default factor policy: `factor = min(cap(kind), ceiling, max(1, floor(sqrt(users))))`.
 *
 * | kind       | cap | users assumed when unknown | factor then |
 * | ---------- | --- | -------------------------- | ----------- |
 * | cgnat      | 10  | 25                         | 5           |
 * | enterprise | 8   | 16                         | 4           |
 * | relay      | 8   | 16                         | 4           |
 * | vpn        | 4   | 9                          | 3           |
 * | proxy      | 2   | 4                          | 2           |
 * | tor        | 2   | 4                          | 2           |
 * | unknown    | 2   | 4                          | 2           |
 *
 * Sub-linear on purpose: N people behind one address get about √N times the room, not N times.
 *
 * @example
 * ```ts
 * multiUserFactor({ prefix: '198.51.100.0/24', kind: 'cgnat', users: 400 }, DEFAULT_FACTOR_POLICY); // 10
 * ```
 */
export const DEFAULT_FACTOR_POLICY: FactorPolicy = Object.freeze({
  caps: Object.freeze({ cgnat: 10, enterprise: 8, relay: 8, vpn: 4, proxy: 2, tor: 2, unknown: 2 }),
  defaultUsers: Object.freeze({ cgnat: 25, enterprise: 16, relay: 16, vpn: 9, proxy: 4, tor: 4, unknown: 4 }),
  ceiling: FACTOR_CEILING,
});

/**
 * The factor for a multi-user match under `policy` (1 for `undefined`, i.e. not in the table).
 * Always an integer in `[1, policy.ceiling]`; a kind the policy does not name is treated as `unknown`;
 * a missing, negative or non-finite `users` uses the kind's default.
 *
 * @example
 * ```ts
 * multiUserFactor({ prefix: '192.0.2.0/24', kind: 'vpn', users: 100 }); // 4 (√100 = 10, capped at 4)
 * multiUserFactor(undefined); // 1
 * ```
 */
export function multiUserFactor(match: MultiUserMatch | undefined, policy: FactorPolicy = DEFAULT_FACTOR_POLICY): number {
  if (!match) return 1;
  const kind = Object.hasOwn(policy.caps, match.kind) ? match.kind : 'unknown';
  const cap = policy.caps[kind] ?? 1;
  let users = match.users;
  if (typeof users !== 'number' || !Number.isFinite(users) || users < 0) users = policy.defaultUsers[kind] ?? 1;
  return clampFactor(Math.min(cap, Math.floor(Math.sqrt(users))), policy.ceiling);
}

/**
 * Clamps any factor into `[1, ceiling]` as an integer-or-fraction ≥ 1; non-numbers and NaN give 1.
 *
 * @example
 * ```ts
 * clampFactor(25, 10); // 10
 * clampFactor(Number.NaN, 10); // 1
 * ```
 */
export function clampFactor(factor: unknown, ceiling: number = FACTOR_CEILING): number {
  if (typeof factor !== 'number' || Number.isNaN(factor) || factor < 1) return 1;
  return Math.min(factor, ceiling);
}

/**
 * Validates a factor option and turns it into a function of the match. Throws a `TypeError`
 * naming the bad field, e.g. a cap above the ceiling that was not raised explicitly.
 *
 * @example
 * ```ts
 * const f = resolveFactor({ caps: { cgnat: 6 } });
 * f({ prefix: '198.51.100.0/24', kind: 'cgnat', users: 1000 }); // 6
 * ```
 */
export function resolveFactor(option: Partial<FactorPolicy> | FactorFunction | undefined): (m: MultiUserMatch | undefined) => number {
  if (option === undefined) return (m) => multiUserFactor(m, DEFAULT_FACTOR_POLICY);
  if (typeof option === 'function') {
    return (m) => {
      if (!m) return 1;
      try {
        return clampFactor(option(m), FACTOR_CEILING);
      } catch {
        return 1;
      }
    };
  }
  if (typeof option !== 'object' || option === null)
    throw new TypeError(`rateLimit: option "factor" must be a policy object or a function`);
  const ceiling = option.ceiling ?? FACTOR_CEILING;
  if (typeof ceiling !== 'number' || !Number.isFinite(ceiling) || ceiling < 1) {
    throw new TypeError(`rateLimit: option "factor.ceiling" must be a finite number ≥ 1, got ${String(ceiling)}`);
  }
  const caps = { ...DEFAULT_FACTOR_POLICY.caps, ...option.caps };
  const defaultUsers = { ...DEFAULT_FACTOR_POLICY.defaultUsers, ...option.defaultUsers };
  for (const [kind, cap] of Object.entries(caps)) {
    if (typeof cap !== 'number' || !Number.isFinite(cap) || cap < 1) {
      throw new TypeError(`rateLimit: option "factor.caps.${kind}" must be a finite number ≥ 1, got ${String(cap)}`);
    }
    if (cap > ceiling) {
      throw new TypeError(
        `rateLimit: option "factor.caps.${kind}" (${cap}) exceeds the factor ceiling (${ceiling}); set "factor.ceiling" explicitly to allow it`,
      );
    }
  }
  for (const [kind, users] of Object.entries(defaultUsers)) {
    if (typeof users !== 'number' || !Number.isFinite(users) || users < 0) {
      throw new TypeError(`rateLimit: option "factor.defaultUsers.${kind}" must be a finite number ≥ 0, got ${String(users)}`);
    }
  }
  const policy: FactorPolicy = { caps, defaultUsers, ceiling };
  return (m) => multiUserFactor(m, policy);
}

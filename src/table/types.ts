/**
 * The kinds of multi-user address the table distinguishes.
 *
 * - `cgnat`: carrier-grade NAT (mobile and broadband carriers).
 * - `enterprise`: an organisation's egress (offices, campuses).
 * - `vpn`, `relay` (e.g. iCloud Private Relay), `proxy`, `tor`: anonymising services.
 * - `unknown`: shared, but of no known kind.
 *
 * @example
 * ```ts
 * import { MULTI_USER_KINDS } from 'multi-user-ip/table';
 * MULTI_USER_KINDS.includes('cgnat'); // true
 * ```
 */
export const MULTI_USER_KINDS = ['cgnat', 'enterprise', 'vpn', 'relay', 'proxy', 'tor', 'unknown'] as const;

/**
 * One of {@link MULTI_USER_KINDS}.
 *
 * @example
 * ```ts
 * const kind: MultiUserKind = 'relay';
 * ```
 */
export type MultiUserKind = (typeof MULTI_USER_KINDS)[number];

/**
 * The answer for an address that lies in a multi-user prefix (the longest matching one).
 *
 * @example
 * ```ts
 * const match: MultiUserMatch = { prefix: '198.51.100.0/24', kind: 'cgnat', users: 1200 };
 * ```
 */
export interface MultiUserMatch {
  /** The matching prefix in canonical text form (RFC 5952 for IPv6), e.g. `2001:db8::/32`. */
  prefix: string;
  kind: MultiUserKind;
  /** Estimated people behind each address of the prefix; `undefined` when the list did not say. */
  users: number | undefined;
}

/**
 * Anything that answers "is this address multi-user?": a `MultiUserTable`, or your own classifier.
 *
 * @example
 * ```ts
 * const classifier: MultiUserClassifier = { lookup: (ip) => (ip === '192.0.2.1' ? { prefix: '192.0.2.1/32', kind: 'vpn', users: undefined } : undefined) };
 * ```
 */
export interface MultiUserClassifier {
  lookup(ip: string): MultiUserMatch | undefined;
}

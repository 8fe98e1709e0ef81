import type { MultiUserMatch } from '../table/types.ts';

/**
 * The request header that tells the origin what the worker knows about the client address.
 * The worker deletes any incoming copy before forwarding, so the origin can trust it.
 *
 * @example
 * ```ts
 * request.headers.get(VERDICT_HEADER); // 'multi, kind=cgnat, users=1200, prefix="198.51.100.0/24", factor=10'
 * ```
 */
export const VERDICT_HEADER = 'Multi-User-IP';

/**
 * Serialises a verdict as an RFC 9651 (formerly 8941) structured-field Dictionary:
 *
 * - `multi` (Boolean): the address lies in a multi-user prefix. Alone (`multi=?0`) when it does not.
 * - `kind` (Token), `users` (Integer, omitted when the list gave none), `prefix` (String): the longest match.
 * - `factor` (Integer or Decimal): the multiplier the applied rule used, when a rule applied to a multi-user address.
 * - `keyed` (Boolean): with client keys on the applied rule at a multi-user address, whether the
 *   request brought a valid client token and was counted for its client (`keyed`) or per address (`keyed=?0`).
 * - `fault` (Boolean): the table could not be used, so every address was treated as single-user.
 *
 * Hand-written rather than a library: it runs on every request, and every member's value comes from the
 * table or the config, never from the request.
 *
 * @example
 * ```ts
 * formatVerdict({ prefix: '198.51.100.0/24', kind: 'cgnat', users: 1200 }, 10); // 'multi, kind=cgnat, users=1200, prefix="198.51.100.0/24", factor=10'
 * formatVerdict(undefined, undefined, true); // 'multi=?0, fault'
 * formatVerdict({ prefix: '198.51.100.0/24', kind: 'cgnat', users: 1200 }, 10, false, true); // '…, factor=10, keyed'
 * ```
 */
export function formatVerdict(match: MultiUserMatch | undefined, factor?: number, fault = false, keyed?: boolean): string {
  let out = match === undefined ? 'multi=?0' : `multi, kind=${match.kind}`;
  if (match !== undefined) {
    if (match.users !== undefined) out += `, users=${match.users}`;
    out += `, prefix="${match.prefix}"`;
  }
  if (match !== undefined && factor !== undefined && Number.isFinite(factor)) {
    out += `, factor=${Number.isInteger(factor) ? factor : Math.round(factor * 1000) / 1000}`;
  }
  if (match !== undefined && keyed !== undefined) out += keyed ? ', keyed' : ', keyed=?0';
  if (fault) out += ', fault';
  return out;
}

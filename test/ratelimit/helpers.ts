import { parseList } from 'structured-headers';
import { compileTable, MultiUserTable } from '../../src/table/index.ts';

/**
 * A small real table, compiled by src/table's compiler: 198.51.100.0/24 is carrier NAT with 400
 * users (√400 = 20, capped at 10), 192.0.2.0/24 a VPN with no user count (9 assumed: factor 3),
 * 2001:db8:cafe::/48 an enterprise egress with 64 users (√64 = 8, the enterprise cap).
 */
export const tinyTable = MultiUserTable.from(
  compileTable([
    { prefix: '198.51.100.0/24', kind: 'cgnat', users: 400 },
    { prefix: '192.0.2.0/24', kind: 'vpn', users: undefined },
    { prefix: '2001:db8:cafe::/48', kind: 'enterprise', users: 64 },
  ]).bytes,
);

/** Parses `RateLimit-Policy` / `RateLimit` as an RFC 9651 list into { id: { param: value } }. */
export function parseRateLimitList(value: string | null): Record<string, Record<string, unknown>> {
  if (value === null) throw new Error('header missing');
  const out: Record<string, Record<string, unknown>> = {};
  for (const member of parseList(value)) {
    const [item, params] = member;
    if (Array.isArray(item) || typeof item !== 'string') throw new Error(`expected a string item, got ${String(item)}`);
    out[item] = Object.fromEntries(params);
  }
  return out;
}

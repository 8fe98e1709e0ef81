import { parseList } from 'structured-headers';
import type { MultiUserClassifier, MultiUserMatch } from '../../src/table/types.ts';

/** A tiny classifier: 198.51.100.0/24 is carrier NAT with 400 users (factor 10 by default), 192.0.2.0/24 a VPN. */
export const tinyTable: MultiUserClassifier = {
  lookup(ip: string): MultiUserMatch | undefined {
    if (ip.startsWith('198.51.100.')) return { prefix: '198.51.100.0/24', kind: 'cgnat', users: 400 };
    if (ip.startsWith('192.0.2.')) return { prefix: '192.0.2.0/24', kind: 'vpn', users: undefined };
    if (ip.startsWith('2001:db8:cafe:')) return { prefix: '2001:db8:cafe::/48', kind: 'enterprise', users: 64 };
    return undefined;
  },
};

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

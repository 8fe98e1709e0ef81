import type { MultiUserMatch } from '../table/types.ts';
import { compareAddresses } from '../validate/labels.ts';

/**
 * One prefix that differs between the previous table and the new one.
 *
 * @example
 * ```ts
 * const c: PrefixChange = { change: 'changed', prefix: '81.2.69.0/24', before: { kind: 'cgnat', users: 100 }, after: { kind: 'cgnat', users: 400 }, weight: 256 };
 * ```
 */
export interface PrefixChange {
  change: 'added' | 'removed' | 'changed';
  prefix: string;
  before: Pick<MultiUserMatch, 'kind' | 'users'> | undefined;
  after: Pick<MultiUserMatch, 'kind' | 'users'> | undefined;
  /** Addresses covered (IPv6: /64 subnets), the "size" of the change. */
  weight: number;
}

/**
 * The size of a prefix: addresses for IPv4, /64 subnets for IPv6 (a /64 is one "address" for the rate
 * limiter; longer IPv6 prefixes count as one).
 *
 * @example
 * ```ts
 * prefixWeight('81.2.69.0/24'); // 256
 * prefixWeight('2001:db8::/48'); // 65536
 * ```
 */
export function prefixWeight(prefix: string): number {
  const [addr, bits] = prefix.split('/');
  const n = Number(bits);
  return addr!.includes(':') ? 2 ** Math.max(0, 64 - n) : 2 ** (32 - n);
}

/**
 * Compares two sets of table entries: added, removed and changed (kind or users) prefixes, largest first
 * (by addresses covered, IPv6 by /64s; then by the change in users).
 *
 * @example
 * ```ts
 * diffEntries(oldTable.entries(), newTable.entries()).filter((c) => c.change === 'added');
 * ```
 */
export function diffEntries(before: Iterable<MultiUserMatch>, after: Iterable<MultiUserMatch>): PrefixChange[] {
  const old = new Map<string, MultiUserMatch>();
  for (const m of before) old.set(m.prefix, m);
  const changes: PrefixChange[] = [];
  const seen = new Set<string>();
  for (const m of after) {
    seen.add(m.prefix);
    const o = old.get(m.prefix);
    const now = { kind: m.kind, users: m.users };
    if (!o) changes.push({ change: 'added', prefix: m.prefix, before: undefined, after: now, weight: prefixWeight(m.prefix) });
    else if (o.kind !== m.kind || o.users !== m.users) {
      changes.push({
        change: 'changed',
        prefix: m.prefix,
        before: { kind: o.kind, users: o.users },
        after: now,
        weight: prefixWeight(m.prefix),
      });
    }
  }
  for (const [prefix, o] of old) {
    if (!seen.has(prefix))
      changes.push({ change: 'removed', prefix, before: { kind: o.kind, users: o.users }, after: undefined, weight: prefixWeight(prefix) });
  }
  const usersDelta = (c: PrefixChange) => Math.abs((c.after?.users ?? 0) - (c.before?.users ?? 0));
  const net = (p: string) => p.split('/')[0]!;
  return changes.sort(
    (a, b) =>
      b.weight - a.weight ||
      usersDelta(b) - usersDelta(a) ||
      compareAddresses(net(a.prefix), net(b.prefix)) ||
      a.prefix.localeCompare(b.prefix),
  );
}

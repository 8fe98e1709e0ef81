/**
 * What a rebuild changes, as data and as text: the diff between two tables' entries (largest first), the
 * change report, and the priority merge of prefix lists. Pure functions, used by scripts/rebuild.ts.
 */
import type { PrefixEntry } from '../../src/prefix-list/index.ts';
import { MULTI_USER_KINDS, type MultiUserMatch } from '../../src/table/index.ts';
import { compareAddresses } from '../../src/validate/index.ts';

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

function weightOf(prefix: string): number {
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
    if (!o) changes.push({ change: 'added', prefix: m.prefix, before: undefined, after: now, weight: weightOf(m.prefix) });
    else if (o.kind !== m.kind || o.users !== m.users) {
      changes.push({ change: 'changed', prefix: m.prefix, before: { kind: o.kind, users: o.users }, after: now, weight: weightOf(m.prefix) });
    }
  }
  for (const [prefix, o] of old) {
    if (!seen.has(prefix)) changes.push({ change: 'removed', prefix, before: { kind: o.kind, users: o.users }, after: undefined, weight: weightOf(prefix) });
  }
  const usersDelta = (c: PrefixChange) => Math.abs((c.after?.users ?? 0) - (c.before?.users ?? 0));
  const net = (p: string) => p.split('/')[0]!;
  return changes.sort(
    (a, b) => b.weight - a.weight || usersDelta(b) - usersDelta(a) || compareAddresses(net(a.prefix), net(b.prefix)) || a.prefix.localeCompare(b.prefix),
  );
}

/**
 * The change report: counts by kind, then the largest changes.
 *
 * @example
 * ```ts
 * console.log(formatChanges(diffEntries(before, after), 'old.bin'));
 * ```
 */
export function formatChanges(changes: readonly PrefixChange[], against: string, maxRows = 30): string {
  const added = changes.filter((c) => c.change === 'added').length;
  const removed = changes.filter((c) => c.change === 'removed').length;
  const out = [`Changes against ${against}: +${added} added, -${removed} removed, ~${changes.length - added - removed} changed`];
  if (changes.length === 0) return `${out[0]} (the table is unchanged)\n`;
  const byKind = new Map<string, [number, number, number]>();
  for (const c of changes) {
    const kind = c.change === 'removed' ? c.before!.kind : c.after!.kind;
    const row = byKind.get(kind) ?? [0, 0, 0];
    row[c.change === 'added' ? 0 : c.change === 'removed' ? 1 : 2]++;
    byKind.set(kind, row);
  }
  out.push(`  ${'kind'.padEnd(12)}${'added'.padStart(8)}${'removed'.padStart(9)}${'changed'.padStart(9)}`);
  for (const kind of MULTI_USER_KINDS) {
    const r = byKind.get(kind);
    if (r) out.push(`  ${kind.padEnd(12)}${String(r[0]).padStart(8)}${String(r[1]).padStart(9)}${String(r[2]).padStart(9)}`);
  }
  out.push('  largest first:');
  const show = (v: Pick<MultiUserMatch, 'kind' | 'users'>) => `${v.kind}${v.users === undefined ? '' : ` users ${v.users}`}`;
  for (const c of changes.slice(0, maxRows)) {
    const what = c.change === 'added' ? `+ ${c.prefix} ${show(c.after!)}` : c.change === 'removed' ? `- ${c.prefix} ${show(c.before!)}` : `~ ${c.prefix} ${show(c.before!)} → ${show(c.after!)}`;
    out.push(`    ${what}`);
  }
  if (changes.length > maxRows) out.push(`    … and ${changes.length - maxRows} more`);
  return `${out.join('\n')}\n`;
}

/**
 * Merges lists by priority: the first source that names a prefix decides its kind; its users estimate
 * too, unless it gives none and a later source of the same kind does. Later sources naming the prefix
 * with another kind are reported as overridden.
 *
 * @example
 * ```ts
 * const { entries, overridden } = mergeEntries([operatorVpn, detected]);
 * ```
 */
export function mergeEntries(sources: readonly PrefixEntry[][]): { entries: PrefixEntry[]; overridden: string[] } {
  const byPrefix = new Map<string, PrefixEntry>();
  const overridden: string[] = [];
  for (const source of sources) {
    for (const e of source) {
      const kept = byPrefix.get(e.prefix);
      if (!kept) byPrefix.set(e.prefix, e);
      else if (kept.kind !== e.kind) {
        overridden.push(`${e.file}:${e.line}: ${e.prefix} ${e.kind} overridden by ${kept.kind} from ${kept.file}:${kept.line}`);
      } else if (kept.users === undefined && e.users !== undefined) {
        // Same kind: a list that says nothing about users takes the estimate from the next source.
        byPrefix.set(e.prefix, { ...kept, users: e.users });
      }
    }
  }
  const entries = [...byPrefix.values()].sort((a, b) => {
    const [x, y] = [a.prefix.split('/')[0]!, b.prefix.split('/')[0]!];
    return compareAddresses(x, y) || a.bits - b.bits;
  });
  return { entries, overridden };
}

/**
 * The merged list as CSV (`prefix,kind,users,source`), the file `rebuild` puts in service.
 *
 * @example
 * ```ts
 * writeAtomic('data/multi-user-prefixes.csv', listCsv(mergeEntries(sources).entries));
 * ```
 */
export function listCsv(entries: readonly PrefixEntry[]): string {
  const lines = ['# Generated by npm run rebuild: detected prefixes merged with the operator lists (see docs/pipeline.md).', 'prefix,kind,users,source'];
  for (const e of entries) lines.push(`${e.prefix},${e.kind},${e.users ?? ''},${e.file.replace(/[,\n"]/g, '_')}`);
  return `${lines.join('\n')}\n`;
}

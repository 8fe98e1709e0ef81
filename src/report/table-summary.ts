import { parseIPv4, parseIPv6 } from '../ip/index.ts';
import { MultiUserTable } from '../table/reader.ts';
import { MULTI_USER_KINDS, type MultiUserKind, type MultiUserMatch } from '../table/types.ts';
import { compareAddresses } from '../validate/labels.ts';
import { diffEntries, prefixWeight, type PrefixChange } from './table-diff.ts';
import { tableSectionBytes } from './table-sections.ts';

/** IPv4 or IPv6. */
export type Family = 'ipv4' | 'ipv6';

/**
 * Prefixes of one kind in one family, and what they cover: IPv4 addresses, IPv6 /64 subnets. An
 * address under nested prefixes counts once, for the longest (the one a lookup answers with).
 *
 * @example
 * ```ts
 * const c: KindCoverage = { prefixes: 2, covered: 512 };
 * ```
 */
export interface KindCoverage {
  prefixes: number;
  covered: number;
}

/**
 * What a compiled table holds, as the table report shows it.
 *
 * @example
 * ```ts
 * const s = summarizeTable(bytes, { gzipBytes: 1234 });
 * s.coverage.ipv4.cgnat.covered; // IPv4 addresses answered as cgnat
 * ```
 */
export interface TableSummary {
  formatVersion: number;
  byteLength: number;
  gzipBytes: number | undefined;
  checksum: string;
  coverage: Record<Family, Record<MultiUserKind, KindCoverage>>;
  /** Prefixes per length (index = length) and kind. */
  lengths: Record<Family, Record<MultiUserKind, number[]>>;
  /** The largest prefixes of each family, largest first. */
  largest: Record<Family, MultiUserMatch[]>;
  /** Prefixes per kind and bin of the users estimate (`USER_BINS`). */
  users: Record<MultiUserKind, number[]>;
  sections: { name: string; bytes: number }[];
  /** Against `previous`, when given. */
  changes: PrefixChange[] | undefined;
}

/**
 * Bins of the users estimate in the attribute mix: no estimate, then by order of magnitude.
 *
 * @example
 * ```ts
 * USER_BINS[userBin(1200)]; // '1,000–9,999'
 * ```
 */
export const USER_BINS = ['no estimate', '1–9', '10–99', '100–999', '1,000–9,999', '10,000–99,999', '≥ 100,000'] as const;

/**
 * The `USER_BINS` index of a users estimate.
 *
 * @example
 * ```ts
 * userBin(undefined); // 0
 * userBin(9); // 1
 * ```
 */
export function userBin(users: number | undefined): number {
  if (users === undefined || users < 1) return 0;
  return Math.min(USER_BINS.length - 1, 1 + Math.floor(Math.log10(users)));
}

const familyOf = (prefix: string): Family => (prefix.includes(':') ? 'ipv6' : 'ipv4');
const perKind = <T>(make: () => T) => Object.fromEntries(MULTI_USER_KINDS.map((k) => [k, make()])) as Record<MultiUserKind, T>;

/** A prefix as [first, last, length], IPv4 by address and IPv6 by 128-bit address (BigInt). */
function span(prefix: string): [bigint, bigint, number] {
  const [addr, bitsText] = prefix.split('/') as [string, string];
  const bits = Number(bitsText);
  let value: bigint;
  let width = 32;
  if (addr.includes(':')) {
    const w = new Uint32Array(4);
    parseIPv6(addr, w);
    value = w.reduce((v, x) => (v << 32n) | BigInt(x), 0n);
    width = 128;
  } else {
    value = BigInt(parseIPv4(addr) >>> 0);
  }
  return [value, value + (1n << BigInt(width - bits)) - 1n, bits];
}

/**
 * Per family, what each kind covers: a sweep over the prefixes sorted by start (then shortest first)
 * with a stack of enclosing prefixes; a prefix's own share is its size less its direct children's
 * (exact, in addresses, as BigInt).
 */
function coverage(entries: readonly MultiUserMatch[]): TableSummary['coverage'] {
  const out = { ipv4: perKind(() => ({ prefixes: 0, covered: 0 })), ipv6: perKind(() => ({ prefixes: 0, covered: 0 })) };
  for (const family of ['ipv4', 'ipv6'] as const) {
    const items = entries
      .filter((e) => familyOf(e.prefix) === family)
      .map((e) => {
        const [start, end, bits] = span(e.prefix);
        return { e, start, end, bits, own: end - start + 1n };
      })
      .sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : a.bits - b.bits));
    const stack: typeof items = [];
    for (const it of items) {
      while (stack.length > 0 && stack[stack.length - 1]!.end < it.start) stack.pop();
      const parent = stack[stack.length - 1];
      if (parent) parent.own -= it.own;
      stack.push(it);
    }
    for (const it of items) {
      const c = out[family][it.e.kind];
      c.prefixes++;
      // IPv6 in /64 subnets: a prefix longer than /64 covers a fraction of one.
      c.covered += family === 'ipv4' ? Number(it.own) : Number(it.own) / 2 ** 64;
    }
  }
  return out;
}

/**
 * Condenses a compiled table (and, with `previous`, its changes) for the table report. Reads the
 * table through its public reader (`MultiUserTable.from`, `entries()`, `info`); bytes per section come
 * from `tableSectionBytes`.
 *
 * @example
 * ```ts
 * const s = summarizeTable(readFileSync('table.bin'), { gzipBytes, previous: readFileSync('old.bin') });
 * ```
 */
export function summarizeTable(
  bytes: Uint8Array,
  options: { gzipBytes?: number; previous?: Uint8Array; largest?: number } = {},
): TableSummary {
  const table = MultiUserTable.from(bytes);
  const info = table.info;
  const entries = [...table.entries()];
  const lengths = {
    ipv4: perKind(() => Array<number>(33).fill(0)),
    ipv6: perKind(() => Array<number>(129).fill(0)),
  };
  const users = perKind(() => Array<number>(USER_BINS.length).fill(0));
  for (const e of entries) {
    lengths[familyOf(e.prefix)][e.kind][Number(e.prefix.split('/')[1])]!++;
    users[e.kind][userBin(e.users)]!++;
  }
  const net = (p: string) => p.split('/')[0]!;
  const largestOf = (family: Family) =>
    entries
      .filter((e) => familyOf(e.prefix) === family)
      .sort((a, b) => prefixWeight(b.prefix) - prefixWeight(a.prefix) || compareAddresses(net(a.prefix), net(b.prefix)))
      .slice(0, options.largest ?? 10);
  return {
    formatVersion: info.formatVersion,
    byteLength: info.byteLength,
    gzipBytes: options.gzipBytes,
    checksum: info.checksum,
    coverage: coverage(entries),
    lengths,
    largest: { ipv4: largestOf('ipv4'), ipv6: largestOf('ipv6') },
    users,
    sections: tableSectionBytes(bytes),
    changes: options.previous ? diffEntries(MultiUserTable.from(options.previous).entries(), entries) : undefined,
  };
}

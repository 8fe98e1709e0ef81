import { describe, expect, it } from 'vitest';
import { formatIPv4, parseIPv4 } from '../../src/ip/index.ts';
import { FORMAT_LIMITS, type CompileLimits } from '../../src/table/compile-entries.ts';
import { compileWithLimits } from '../../src/table/compile.ts';
import { MultiUserTable, readTablePrefixes, type TableEntry } from '../../src/table/index.ts';
import { ReferenceTable } from './helpers.ts';

// Format 3's coding choices (IPv4 sub-chunks, the two leaf id modes, value widths), each checked
// against the linear-scan reference on the addresses where a coding mistake would show: every
// prefix's first and last address and their neighbours, and every /16 start (a sub-chunk start at
// any split, for K4 = 8) of the /8s the entries touch, with its neighbours.

const cgnat = (prefix: string, users?: number): TableEntry => ({ prefix, kind: 'cgnat', users });

/** IPv4 probe addresses for `entries` (see the header comment). */
function probesV4(entries: readonly TableEntry[]): string[] {
  const out = new Set<number>();
  const add = (n: number) => {
    if (n >= 0 && n <= 0xffffffff) out.add(n);
  };
  for (const e of entries) {
    const [addr, bits] = e.prefix.split('/') as [string, string];
    const start = parseIPv4(addr);
    if (start < 0) continue;
    const end = start + 2 ** (32 - Number(bits));
    for (const n of [start - 1, start, start + 1, end - 1, end]) add(n);
    const slash8 = Math.floor(start / 2 ** 24) * 2 ** 24;
    for (let j = 0; j < 256; j++) for (const d of [-1, 0, 1]) add(slash8 + j * 2 ** 16 + d);
  }
  return [...out].map(formatIPv4);
}

/** Compiles under `limits`, verifies, and compares every probe and the listed prefixes with the reference. */
function expectLikeReference(entries: TableEntry[], limits: Partial<CompileLimits> = {}): MultiUserTable {
  const table = MultiUserTable.from(compileWithLimits(entries, { ...FORMAT_LIMITS, ...limits }).bytes);
  table.verify();
  const ref = new ReferenceTable(entries);
  for (const ip of probesV4(entries)) {
    const expected = ref.lookup(ip);
    expect(table.lookup(ip), ip).toEqual(expected);
    expect(table.classify(ip), ip).toEqual(expected && { kind: expected.kind, users: expected.users });
  }
  return table;
}

/** 64 /24s spread over 20.0.0.0/9 (keys of 6 bits below a /9) and one /32 in the other half of the /8. */
const fragment = [...Array.from({ length: 64 }, (_, i) => cgnat(`20.${2 * i}.0.0/24`)), cgnat('20.200.1.7/32')];

describe('IPv4 sub-chunks', () => {
  it('a chunk with one /32 among /24s is split, and the split table is smaller and answers the same', () => {
    const split = expectLikeReference(fragment);
    const plain = expectLikeReference(fragment, { v4Split: 'never' });
    // Unsplit, every key of the /8 chunk is 24 bits wide because of the /32; split in two, the /24s'
    // keys take 6 bits (20.0–127.x.x below a /9, 17 shared trailing zeros) and only the /32 keeps 23.
    expect(split.info.v4SplitChunks).toBe(1);
    expect(split.info.v4SubEntryBits).toBeGreaterThan(0);
    expect(plain.info.v4SplitChunks).toBe(0);
    expect(plain.info.v4SubEntryBits).toBe(0);
    const recordBytes = (t: MultiUserTable) => t.info.sections.find((s) => s.name === 'v4 records')!.bytes;
    expect(recordBytes(split)).toBeLessThan(recordBytes(plain) / 2);
    expect(readTablePrefixes(compileWithLimits(fragment, FORMAT_LIMITS).bytes).sort()).toEqual(fragment.map((e) => e.prefix).sort());
  });

  it('sub-chunks that start inside an enclosing prefix answer it (fill records)', () => {
    // 31.0.0.0/8 is a whole /8 chunk (K4 = 8 here): every sub-chunk after the first starts inside it,
    // and those without a range of their own answer it only through a fill record at their start.
    // The /32 makes the chunk worth splitting (its 24-bit keys), the /24s keep the second half busy.
    // 30.0.0.0/9 covers half of its chunk, with nested prefixes on both sides of the split.
    const entries = [
      cgnat('31.0.0.0/8', 8),
      cgnat('31.1.2.3/32', 1),
      ...Array.from({ length: 20 }, (_, i) => cgnat(`31.${200 + i}.0.0/24`, 2)),
      cgnat('30.0.0.0/9', 9),
      cgnat('30.1.2.3/32', 1),
      cgnat('30.64.0.0/24', 2),
      cgnat('30.127.255.0/24', 3),
      cgnat('30.200.0.0/16', 4),
    ];
    for (const v4Split of ['auto', 'always'] as const) {
      const t = expectLikeReference(entries, { v4Split });
      // The compiler splits 31/8 (24-bit keys otherwise); 30/8 only when forced.
      expect(t.info.v4SplitChunks).toBe(v4Split === 'always' ? 2 : 1);
      expect(t.lookup('31.128.0.0')).toEqual({ prefix: '31.0.0.0/8', kind: 'cgnat', users: 8 });
      expect(t.lookup('31.255.255.255')).toEqual({ prefix: '31.0.0.0/8', kind: 'cgnat', users: 8 });
      expect(t.lookup('30.100.0.0')).toEqual({ prefix: '30.0.0.0/9', kind: 'cgnat', users: 9 });
      expect(t.lookup('30.128.0.0')).toBeUndefined();
    }
  });

  it('the last sub-chunk of the last chunk, and a prefix ending at the top of the address space', () => {
    const entries = [
      cgnat('223.255.255.255/32', 1),
      cgnat('223.255.0.0/16', 2),
      cgnat('223.0.0.0/24', 3),
      cgnat('255.255.255.0/24', 4),
      cgnat('255.255.255.255/32', 5),
    ];
    const t = expectLikeReference(entries, { v4Split: 'always' });
    expect(t.info.v4SplitChunks).toBeGreaterThanOrEqual(2);
    expect(t.lookup('255.255.255.255')).toEqual({ prefix: '255.255.255.255/32', kind: 'cgnat', users: 5 });
    expect(t.lookup('223.255.255.254')).toEqual({ prefix: '223.255.0.0/16', kind: 'cgnat', users: 2 });
  });

  it('empty sub-chunks answer nothing, and do not hide the next one', () => {
    // Everything in the first and last /16 of the /8: with 2^s sub-chunks the ones between are empty.
    const entries = [cgnat('40.0.0.0/24', 1), cgnat('40.0.5.5/32', 2), cgnat('40.255.0.0/24', 3), cgnat('40.255.9.9/32', 4)];
    const t = expectLikeReference(entries, { v4Split: 'always' });
    expect(t.info.v4SplitChunks).toBe(1);
    expect(t.lookup('40.128.0.0')).toBeUndefined();
    expect(t.lookup('40.255.9.9')?.prefix).toBe('40.255.9.9/32');
  });
});

describe('leaf id coding', () => {
  /** Nested IPv4 and IPv6 prefixes (a /64 holding /128s, so descend leaves and the long section) with `values` distinct users. */
  const mixed = (values: number): TableEntry[] => {
    const out: TableEntry[] = [];
    for (let i = 0; i < 600; i++) out.push(cgnat(`50.${i >>> 8}.${i & 255}.0/24`, (i % values) + 1));
    for (let i = 0; i < 600; i += 5) out.push({ prefix: `50.${i >>> 8}.${i & 255}.128/25`, kind: 'vpn', users: ((i * 7) % values) + 1 });
    out.push(
      { prefix: '50.0.0.0/8', kind: 'tor', users: undefined },
      { prefix: '2a00:1000::/32', kind: 'relay', users: 2 },
      { prefix: '2a00:1000:5::/48', kind: 'vpn', users: 3 },
      { prefix: '2a00:1000:5:1::/64', kind: 'proxy', users: values },
      { prefix: '2a00:1000:5:1::1/128', kind: 'tor', users: undefined },
    );
    return out;
  };
  const v6Probes = [
    '2a00:1000::1',
    '2a00:1000:5::1',
    '2a00:1000:5:1::',
    '2a00:1000:5:1::1',
    '2a00:1000:5:1::2',
    '2a00:1000:6::',
    '2a00:1001::',
  ];

  it.each([
    ['dictionary', 12],
    ['direct', 12],
    ['dictionary', 500],
    ['direct', 500],
  ] as const)('%s mode, %i values: every probe as the reference', (leafMode, values) => {
    const entries = mixed(values);
    const t = expectLikeReference(entries, { leafMode });
    const ref = new ReferenceTable(entries);
    for (const ip of v6Probes) expect(t.lookup(ip), ip).toEqual(ref.lookup(ip));
    const { v4IdBits, v4LeafBits, v6IdBits, v6LeafBits } = t.info;
    if (leafMode === 'dictionary') expect([v4LeafBits, v6LeafBits]).toEqual([v4IdBits, v6IdBits]);
    else {
      expect(v4LeafBits).toBeLessThan(v4IdBits);
      expect(v6LeafBits).toBeLessThan(v6IdBits);
      // IPv4 leaves: lengths 8, 24, 25 (one per shape, value 0); ids hold the value index above them.
      expect(t.info.v4Leaves).toBe(3);
    }
  });

  it('the compiler picks the smaller coding: dictionary for few values, direct for many', () => {
    const few = MultiUserTable.from(compileWithLimits(mixed(4), FORMAT_LIMITS).bytes).info;
    expect(few.v4LeafBits).toBe(few.v4IdBits);
    // 600 values over 720 IPv4 ranges: a dictionary of ~720 leaves (4 bytes each) costs more than
    // the ~2 more id bits per range of direct mode.
    const many = MultiUserTable.from(compileWithLimits(mixed(600), FORMAT_LIMITS).bytes).info;
    expect(many.v4LeafBits).toBeLessThan(many.v4IdBits);
    for (const leafMode of ['dictionary', 'direct'] as const) {
      for (const [entries, chosen] of [
        [mixed(4), few],
        [mixed(600), many],
      ] as const) {
        expect(chosen.byteLength).toBeLessThanOrEqual(compileWithLimits(entries, { ...FORMAT_LIMITS, leafMode }).bytes.length);
      }
    }
  });
});

describe('values', () => {
  it.each([
    ['none known', [undefined, undefined], 0],
    ['small', [1, 2, 3], 2], // 3 needs 2 bits
    ['16 and 17 bits (the two-part read)', [65535, 65536, 131071], 17],
    ['2^32 − 1 exactly', [1, 2 ** 24 + 3, 2 ** 32 - 2, 2 ** 32 - 1], 32],
  ] as const)('users %s: exact, at the width of the largest', (_, users, bits) => {
    const entries = users.map((u, i) => ({ prefix: `60.0.${i}.0/24`, kind: 'vpn' as const, users: u }));
    const t = expectLikeReference(entries);
    expect(t.info.usersBits).toBe(bits);
    users.forEach((u, i) => expect(t.classify(`60.0.${i}.1`)).toEqual({ kind: 'vpn', users: u }));
  });
});

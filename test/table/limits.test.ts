import { describe, expect, it } from 'vitest';
import { FORMAT_LIMITS, type CompileLimits } from '../../src/table/compile-entries.ts';
import { compileWithLimits } from '../../src/table/compile.ts';
import { compileTable, MultiUserTable, TableCompileError, type TableEntry } from '../../src/table/index.ts';

// The real limits need millions of entries; the compiler takes them as a parameter, so these tests
// reach each error with small limits, and one test pins the limits compileTable uses to the format's.

const errorOf = (entries: TableEntry[], limits: Partial<CompileLimits>): TableCompileError | undefined => {
  try {
    compileWithLimits(entries, { ...FORMAT_LIMITS, ...limits });
    return undefined;
  } catch (e) {
    if (e instanceof TableCompileError) return e;
    throw e;
  }
};

const entry = (prefix: string, users?: number): TableEntry => ({ prefix, kind: 'cgnat', users });
/** Four distinct (kind, users) pairs. */
const fourValues = [entry('10.0.0.0/24', 1), entry('10.0.1.0/24', 2), entry('10.0.2.0/24', 3), entry('10.0.3.0/24', 4)];
/** Five disjoint prefixes of five lengths, one value: five (length, value) leaves, which need 3 id bits. */
const fiveLeaves4 = ['10.0.0.0/20', '10.1.0.0/21', '10.2.0.0/22', '10.3.0.0/23', '10.4.0.0/24'].map((p) => entry(p));
const fiveLeaves6 = ['2001:db8::/32', '2001:db9::/33', '2001:dba::/34', '2001:dbb::/35', '2001:dbc::/36'].map((p) => entry(p));
/**
 * Two /16s in two /8 chunks: K4 is 8 (the narrowest index), each key is the chunk's low 24 bits
 * (0x010000) with its 16 shared trailing zeros dropped, so 8 key bits; one leaf, so a 1-bit id: 18 record bits.
 */
const eighteenBits = [entry('10.1.0.0/16'), entry('11.1.0.0/16')];

describe('compile limits (reached with small limits; compileTable uses the format limits)', () => {
  it('compileTable uses the limits of format version 3, and lets the compiler choose leaf coding and splits', () => {
    // 22-bit value index in a leaf, fields of at most 24 bits, u32 index entries holding bit offset × 32.
    expect(FORMAT_LIMITS).toEqual({ values: 2 ** 22, leafIdBits: 24, v4RecordBits: 2 ** 27, leafMode: 'auto', v4Split: 'auto' });
  });

  it.each([
    ['too-many-values', fourValues, { values: 3 }, /expected at most 3 distinct \(kind, users\) pairs, got 4/],
    ['too-many-leaves', fiveLeaves4, { leafIdBits: 2 }, /expected at most 2\^2 distinct IPv4 .* leaves, got 5/],
    ['too-many-leaves', fiveLeaves6, { leafIdBits: 2 }, /expected at most 2\^2 distinct IPv6 .* leaves, got \d+/],
    ['too-large', eighteenBits, { v4RecordBits: 18 }, /expected at most 18 bits of IPv4 records/],
    // Direct mode: 1 bit for the one (length, type) shape + 2 for four value indexes = 3 bits.
    ['too-many-leaves', fourValues, { leafIdBits: 2, leafMode: 'direct' }, /shapes and values that fit 2 bits together, got 3 bits/],
  ] as const)('%s above the limit', (code, entries, limits, message) => {
    const e = errorOf([...entries], limits);
    expect(e?.code).toBe(code);
    expect(e?.problems.join('\n')).toMatch(message);
  });

  it.each([
    ['values', fourValues, { values: 4 }],
    ['IPv4 leaves', fiveLeaves4, { leafIdBits: 3 }],
    ['IPv4 record bits', eighteenBits, { v4RecordBits: 19 }],
  ] as const)('%s at the limit compile, and the table answers', (_, entries, limits) => {
    expect(errorOf([...entries], limits)).toBeUndefined();
    const { bytes } = compileWithLimits([...entries], { ...FORMAT_LIMITS, ...limits });
    expect(bytes).toEqual(compileTable([...entries]).bytes);
    expect(MultiUserTable.from(bytes).lookup(entries[0]!.prefix.replace(/\/.*/, ''))?.prefix).toBe(entries[0]!.prefix);
  });

  it('where direct ids do not fit the limit, the compiler falls back to a dictionary that does', () => {
    // Unlimited, four values of one length are smaller direct (one leaf, 3-bit ids) than as a
    // four-leaf dictionary (2-bit ids); with 2-bit ids allowed only the dictionary fits.
    const direct = MultiUserTable.from(compileTable([...fourValues]).bytes).info;
    expect([direct.v4IdBits, direct.v4LeafBits, direct.v4Leaves]).toEqual([3, 1, 1]);
    const t = MultiUserTable.from(compileWithLimits([...fourValues], { ...FORMAT_LIMITS, leafIdBits: 2 }).bytes);
    expect([t.info.v4IdBits, t.info.v4LeafBits, t.info.v4Leaves]).toEqual([2, 2, 4]);
    expect(t.lookup('10.0.3.9')).toEqual({ prefix: '10.0.3.0/24', kind: 'cgnat', users: 4 });
  });
});

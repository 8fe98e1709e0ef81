import { describe, expect, it } from 'vitest';
import { fuzzBase } from '../../bench/table/fuzz-main.ts';
import { fuzzTables } from '../../bench/table/fuzz.ts';
import { compileTable, MultiUserTable, TableCompileError } from '../../src/table/index.ts';

describe('any bytes: every method returns (short fuzz run; the benchmark runs 100k)', () => {
  it.each(['compiler', 'forced'] as const)(
    '1,500 mutated real tables (%s coding): nothing but TableFormatError is thrown, every call returns',
    (coding) => {
      const { bytes, probes } = fuzzBase(coding);
      if (coding === 'forced') {
        const info = MultiUserTable.from(bytes).info;
        expect(info.v4SplitChunks).toBeGreaterThan(0);
        expect(info.v4LeafBits).toBeLessThan(info.v4IdBits);
      }
      const r = fuzzTables(bytes, 1_500, 7, probes);
      expect(r.failures).toEqual([]);
      expect(r.tables).toBe(1_500);
      // Both paths are exercised: most mutations open (then lookups run on garbage), some are refused.
      expect(r.opened).toBeGreaterThan(400);
      expect(r.opened).toBeLessThan(1_500);
    },
  );
});

describe('opening', () => {
  const { bytes } = compileTable([
    { prefix: '8.8.8.0/24', kind: 'vpn', users: 3 },
    { prefix: '2606:4700::/32', kind: 'relay', users: undefined },
  ]);

  it.each([1, 2, 3, 5, 6, 7])('a Node Buffer at byteOffset %i (as readFileSync gives for small files) opens and answers', (offset) => {
    const pool = Buffer.alloc(bytes.length + 8);
    pool.set(bytes, offset);
    const view = pool.subarray(offset, offset + bytes.length);
    expect(view.byteOffset % 4).not.toBe(0); // not a multiple of 4: a Uint32Array view cannot be made here
    const t = MultiUserTable.from(view);
    t.verify();
    expect(t.lookup('8.8.8.8')).toEqual({ prefix: '8.8.8.0/24', kind: 'vpn', users: 3 });
    expect(t.lookup('2606:4700::1')).toEqual({ prefix: '2606:4700::/32', kind: 'relay', users: undefined });
    // The caller's bytes are not written to.
    expect(Buffer.from(pool.subarray(offset, offset + bytes.length)).equals(Buffer.from(bytes))).toBe(true);
  });

  it('a 4-aligned view is used in place (zero-copy): a later write to the bytes shows through', () => {
    const copy = bytes.slice();
    const t = MultiUserTable.from(copy);
    const before = t.lookup('8.8.8.8');
    copy.fill(0, 128); // every section wiped under the open table
    expect(before).toBeDefined();
    expect(t.lookup('8.8.8.8')).toBeUndefined();
  });
});

describe('size grows with the content', () => {
  it('a 12-prefix table is at most 4 KiB (no fixed 256 KiB index)', () => {
    const entries = [
      ...['8.8.8.0/24', '9.9.9.0/24', '1.1.1.0/24', '1.0.0.0/24', '208.67.222.0/24', '64.6.64.0/24'].map((prefix) => ({
        prefix,
        kind: 'vpn' as const,
        users: 5,
      })),
      ...['2606:4700::/32', '2001:4860::/32', '2620:fe::/48', '2a00:1450::/32', '2c0f:fb50::/32', '2402:4e00::/32'].map((prefix) => ({
        prefix,
        kind: 'relay' as const,
        users: undefined,
      })),
    ];
    const { bytes } = compileTable(entries);
    expect(bytes.length).toBeLessThanOrEqual(4096);
    expect(MultiUserTable.from(bytes).lookup('2620:fe::fe')?.prefix).toBe('2620:fe::/48');
  });

  it('an empty table is a header and nothing else', () => {
    expect(compileTable([]).bytes.length).toBeLessThan(256);
  });
});

describe('IPv6 compile conflicts', () => {
  it('the same IPv6 prefix with different attributes names both places (also when written differently)', () => {
    let err: unknown;
    try {
      compileTable([
        { prefix: '2001:db8:100::/48', kind: 'vpn', users: undefined, file: 'a.csv', line: 2 },
        { prefix: '2a00:1000::/32', kind: 'tor', users: undefined, file: 'a.csv', line: 3 },
        { prefix: '2001:0db8:0100::/48', kind: 'relay', users: 4, file: 'b.csv', line: 9 },
      ]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TableCompileError);
    expect((err as TableCompileError).code).toBe('conflicting-duplicate');
    expect((err as TableCompileError).problems).toEqual([
      'b.csv:9: expected one set of attributes per prefix: 2001:0db8:0100::/48 is kind=relay users=4 here but kind=vpn users=(empty) at a.csv:2',
    ]);
  });
});

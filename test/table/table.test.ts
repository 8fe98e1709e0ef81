import { describe, expect, it } from 'vitest';
import {
  compileTable,
  crc32,
  FORMAT_VERSION,
  MULTI_USER_KINDS,
  MultiUserTable,
  TableCompileError,
  TableFormatError,
  type TableEntry,
} from '../../src/table/index.ts';
import { DIRECTORY_OFFSET, SECTION_COUNT, Section, tableChecksum } from '../../src/table/format.ts';
import { sameBytes } from './helpers.ts';

const EXAMPLE: TableEntry[] = [
  { prefix: '198.51.100.0/24', kind: 'cgnat', users: 1200 },
  { prefix: '198.51.100.64/28', kind: 'enterprise', users: 40 },
  { prefix: '198.51.100.200/32', kind: 'tor', users: undefined },
  { prefix: '8.0.0.0/9', kind: 'vpn', users: 3 },
  { prefix: '2001:db8::/32', kind: 'cgnat', users: undefined },
  { prefix: '2001:db8:100::/48', kind: 'vpn', users: undefined },
  { prefix: '2001:db8:100:1::/64', kind: 'relay', users: 7 },
  { prefix: '2001:db8:100:1::1/128', kind: 'tor', users: undefined },
  { prefix: '2001:db8:100:2::8/125', kind: 'proxy', users: 2 },
  { prefix: '2a00::/12', kind: 'unknown', users: 9 },
];
const bytes = compileTable(EXAMPLE).bytes;
const table = MultiUserTable.from(bytes);

describe('lookup', () => {
  it.each([
    ['198.51.100.1', '198.51.100.0/24', 'cgnat', 1200],
    ['198.51.100.63', '198.51.100.0/24', 'cgnat', 1200],
    ['198.51.100.64', '198.51.100.64/28', 'enterprise', 40],
    ['198.51.100.79', '198.51.100.64/28', 'enterprise', 40],
    ['198.51.100.80', '198.51.100.0/24', 'cgnat', 1200],
    ['198.51.100.200', '198.51.100.200/32', 'tor', undefined],
    ['198.51.100.201', '198.51.100.0/24', 'cgnat', 1200],
    ['198.51.100.255', '198.51.100.0/24', 'cgnat', 1200],
    ['8.0.0.0', '8.0.0.0/9', 'vpn', 3],
    ['8.100.1.2', '8.0.0.0/9', 'vpn', 3],
    ['8.127.255.255', '8.0.0.0/9', 'vpn', 3],
    ['::ffff:198.51.100.70', '198.51.100.64/28', 'enterprise', 40],
    ['::FFFF:c633:6446', '198.51.100.64/28', 'enterprise', 40],
    ['2001:db8::1', '2001:db8::/32', 'cgnat', undefined],
    ['2001:db8:ffff:ffff:ffff:ffff:ffff:ffff', '2001:db8::/32', 'cgnat', undefined],
    ['2001:db8:100::', '2001:db8:100::/48', 'vpn', undefined],
    ['2001:db8:100:1::', '2001:db8:100:1::/64', 'relay', 7],
    ['2001:db8:100:1::1', '2001:db8:100:1::1/128', 'tor', undefined],
    ['2001:db8:100:1::2', '2001:db8:100:1::/64', 'relay', 7],
    ['2001:db8:100:2::7', '2001:db8:100::/48', 'vpn', undefined],
    ['2001:db8:100:2::8', '2001:db8:100:2::8/125', 'proxy', 2],
    ['2001:db8:100:2::f', '2001:db8:100:2::8/125', 'proxy', 2],
    ['2001:db8:100:2::10', '2001:db8:100::/48', 'vpn', undefined],
    ['2001:db8:101::', '2001:db8::/32', 'cgnat', undefined],
    ['2a0f:ffff:ffff::1', '2a00::/12', 'unknown', 9],
  ])('%s → %s', (ip, prefix, kind, users) => {
    expect(table.lookup(ip)).toEqual({ prefix, kind, users });
    expect(table.classify(ip)).toEqual({ kind, users });
  });

  it.each([
    ['198.51.99.255'],
    ['198.51.101.0'],
    ['7.255.255.255'],
    ['8.128.0.0'],
    ['0.0.0.0'],
    ['255.255.255.255'],
    ['2001:db7:ffff:ffff:ffff:ffff:ffff:ffff'],
    ['2001:db9::'],
    ['29ff:ffff::'],
    ['2a10::'],
    ['::'],
    ['::ffff:8.128.0.0'],
    // not addresses: no match, never an exception
    [''],
    ['198.51.100.1 '],
    ['198.51.100.01'],
    ['198.51.100.1/32'],
    ['2001:db8::1%eth0'],
    ['[2001:db8::1]'],
    ['localhost'],
    ['1'.repeat(1000)],
  ])('%j → no match', (ip) => {
    expect(table.lookup(ip)).toBeUndefined();
    expect(table.classify(ip)).toBeUndefined();
  });

  it('has numeric fast paths that agree with lookup', () => {
    expect(table.lookupV4(0xc6336446)).toEqual({ prefix: '198.51.100.64/28', kind: 'enterprise', users: 40 });
    expect(table.classifyV4(0xc6336446)).toEqual({ kind: 'enterprise', users: 40 });
    expect(table.lookupV6(new Uint32Array([0x20010db8, 0x01000001, 0, 1]))).toEqual({
      prefix: '2001:db8:100:1::1/128',
      kind: 'tor',
      users: undefined,
    });
    expect(table.classifyV6([0x20010db8, 0, 0, 0])).toEqual({ kind: 'cgnat', users: undefined });
    for (const bad of [-1, 2 ** 32, 1.5, NaN, Infinity]) expect(table.lookupV4(bad)).toBeUndefined();
  });

  it('classify shares one frozen object per value, across families and across the value pages', () => {
    // 198.51.100.7 and 2001:db8::1 are both in a (cgnat, …) prefix but with different users: two values.
    const a = table.classify('198.51.100.7');
    expect(table.classify('198.51.100.99')).toBe(a);
    expect(Object.isFrozen(a)).toBe(true);
    expect(table.classify('2001:db8::1')).not.toBe(a);
    expect(table.classify('2001:db8::1')).toBe(table.classifyV6([0x20010db8, 0, 0, 5]));
    // 600 values: ids past the first page of 256 decode to their own objects, each once.
    const many = MultiUserTable.from(
      compileTable(Array.from({ length: 600 }, (_, i) => ({ prefix: `10.${i >> 8}.${i & 255}.0/24`, kind: 'cgnat', users: i + 1 }))).bytes,
    );
    for (const i of [0, 255, 256, 599]) {
      const c = many.classify(`10.${i >> 8}.${i & 255}.9`);
      expect(c).toEqual({ kind: 'cgnat', users: i + 1 });
      expect(many.classify(`10.${i >> 8}.${i & 255}.1`)).toBe(c);
    }
  });

  it('answers nothing from an empty table', () => {
    const empty = MultiUserTable.from(compileTable([]).bytes);
    empty.verify();
    expect(empty.lookup('8.8.8.8')).toBeUndefined();
    expect(empty.lookup('2001:db8::1')).toBeUndefined();
    expect(empty.info).toMatchObject({ v4Prefixes: 0, v6Prefixes: 0 });
  });

  it('lists the prefixes it holds', () => {
    expect([...table.entries()].map((m) => m.prefix).sort()).toEqual(EXAMPLE.map((e) => e.prefix).sort());
  });
});

describe('info and verify', () => {
  it('reports version, counts, length and checksum', () => {
    expect(table.info).toMatchObject({
      formatVersion: FORMAT_VERSION,
      v4Prefixes: 4,
      v6Prefixes: 6,
      byteLength: bytes.length,
      checksum: expect.stringMatching(/^[0-9a-f]{8}$/),
    });
    expect(() => table.verify()).not.toThrow();
  });

  it('computes the standard CRC-32', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });

  it('opens from an ArrayBuffer and from an unaligned view (copied)', () => {
    const ab = bytes.slice().buffer;
    expect(MultiUserTable.from(ab).lookup('198.51.100.1')?.kind).toBe('cgnat');
    const shifted = new Uint8Array(bytes.length + 3);
    shifted.set(bytes, 3);
    expect(MultiUserTable.from(shifted.subarray(3)).lookup('198.51.100.1')?.kind).toBe('cgnat');
  });

  it('rejects what is not bytes with a TypeError', () => {
    expect(() => MultiUserTable.from('abc' as never)).toThrow(TypeError);
  });
});

describe('determinism', () => {
  it('gives byte-identical tables for shuffled and duplicated inputs', () => {
    const shuffled = [...EXAMPLE].reverse();
    const again = [...EXAMPLE.slice(5), ...EXAMPLE, ...EXAMPLE.slice(0, 3)].map((e, i) => ({ ...e, file: `f${i}`, line: i }));
    const a = compileTable(EXAMPLE).bytes;
    expect(sameBytes(compileTable(shuffled).bytes, a)).toBe(true);
    expect(sameBytes(compileTable(again).bytes, a)).toBe(true);
    expect(sameBytes(compileTable(EXAMPLE.slice(1)).bytes, a)).toBe(false);
  });
});

describe('compiler errors', () => {
  const fails = (entries: TableEntry[]) => {
    try {
      compileTable(entries);
    } catch (e) {
      expect(e).toBeInstanceOf(TableCompileError);
      return e as TableCompileError;
    }
    throw new Error('compileTable did not throw');
  };

  it.each([
    [{ prefix: '8.8.8.9/24', kind: 'vpn', users: undefined }, 'expected a prefix without host bits, got "8.8.8.9/24"'],
    [{ prefix: '8.8.8.8', kind: 'vpn', users: undefined }, 'expected a CIDR prefix'],
    [{ prefix: '8.8.8.0/33', kind: 'vpn', users: undefined }, 'expected a CIDR prefix'],
    [{ prefix: '2001:db8::/129', kind: 'vpn', users: undefined }, 'expected a CIDR prefix'],
    [{ prefix: 'nope/8', kind: 'vpn', users: undefined }, 'expected a CIDR prefix'],
    [{ prefix: 42, kind: 'vpn', users: undefined }, 'expected a CIDR prefix'],
    [{ prefix: '::ffff:8.8.8.0/120', kind: 'vpn', users: undefined }, 'expected IPv4-mapped prefixes as IPv4'],
    [{ prefix: '8.8.8.0/24', kind: 'mobile', users: undefined }, 'expected kind to be one of'],
    [{ prefix: '8.8.8.0/24', kind: 'vpn', users: 0 }, 'expected users to be a positive integer'],
    [{ prefix: '8.8.8.0/24', kind: 'vpn', users: 2.5 }, 'expected users to be a positive integer'],
    [{ prefix: '8.8.8.0/24', kind: 'vpn', users: 2 ** 32 }, 'expected users to be a positive integer'],
  ] as Array<[TableEntry, string]>)('invalid-entry: %j', (entry, message) => {
    const e = fails([{ ...entry, file: 'list.csv', line: 7 }]);
    expect(e.code).toBe('invalid-entry');
    expect(e.problems).toEqual([expect.stringContaining(`list.csv:7: ${message}`)]);
  });

  it('conflicting-duplicate names both places', () => {
    const e = fails([
      { prefix: '8.8.8.0/24', kind: 'vpn', users: undefined, file: 'a.csv', line: 3 },
      { prefix: '8.8.8.0/24', kind: 'vpn', users: undefined, file: 'c.csv', line: 1 },
      { prefix: '8.8.8.0/24', kind: 'cgnat', users: 10, file: 'b.csv', line: 9 },
    ]);
    expect(e.code).toBe('conflicting-duplicate');
    expect(e.problems[0]).toContain('b.csv:9');
    expect(e.problems[0]).toContain('a.csv:3');
    expect(e.problems[0]).toContain('kind=cgnat users=10');
  });

  it('keeps users exact with 70,000 distinct (kind, users) pairs (past the 65,535 of format 1)', () => {
    const entries: TableEntry[] = [];
    const prefix = (i: number) => `${11 + (i >>> 16)}.${(i >>> 8) & 255}.${i & 255}`;
    const kind = (i: number) => MULTI_USER_KINDS[i % MULTI_USER_KINDS.length]!;
    for (let i = 0; i < 70_000; i++) entries.push({ prefix: `${prefix(i)}.0/24`, kind: kind(i), users: i + 1 });
    // And 5,000 IPv6 /32s, 2a01:h::/32 with h = i + 1 in hex and users 100,001 + i, so both families read many values.
    const hex = (i: number) => (i + 1).toString(16);
    for (let i = 0; i < 5000; i++) entries.push({ prefix: `2a01:${hex(i)}::/32`, kind: kind(i + 3), users: 100_001 + i });
    const compiled = compileTable(entries).bytes;
    const t = MultiUserTable.from(compiled);
    t.verify();
    // prefix(i).0/24 was given kind(i) and users i + 1; 2a01:hex(i)::/32 kind(i + 3) and users 100,001 + i.
    for (let i = 0; i < 70_000; i += 997) {
      expect(t.lookup(`${prefix(i)}.77`)).toEqual({ prefix: `${prefix(i)}.0/24`, kind: kind(i), users: i + 1 });
      expect(t.classify(`${prefix(i)}.77`)).toEqual({ kind: kind(i), users: i + 1 });
    }
    for (let i = 0; i < 5000; i += 97) {
      expect(t.lookup(`2a01:${hex(i)}:1::5`)).toEqual({ prefix: `2a01:${hex(i)}::/32`, kind: kind(i + 3), users: 100_001 + i });
    }
    // Value 0 is the smallest (kind index × 2^32 + users): kind(0) = cgnat (index 0) with users 1, prefix(0)'s.
    // An unknown kind there (index 15): lookup and classify answer nothing for it, the rest still answer.
    const d = compiled.slice();
    const valOff = new DataView(d.buffer).getUint32(DIRECTORY_OFFSET + 8 * Section.Values, true);
    d[valOff] = d[valOff]! | 0x0f;
    const td = MultiUserTable.from(d);
    expect(td.lookup(`${prefix(0)}.77`)).toBeUndefined();
    expect(td.classify(`${prefix(0)}.77`)).toBeUndefined();
    expect(td.lookup(`${prefix(1)}.77`)).toEqual({ prefix: `${prefix(1)}.0/24`, kind: kind(1), users: 2 });
  });

  it('reports every problem at once', () => {
    const e = fails([
      { prefix: 'x', kind: 'vpn', users: undefined },
      { prefix: '8.8.8.0/24', kind: 'bad' as never, users: undefined },
    ]);
    expect(e.problems).toHaveLength(2);
    expect(e.message).toContain('<entries>:1');
    expect(e.message).toContain('<entries>:2');
  });

  it('numbers 600 distinct leaves (10-bit ids) and still answers exactly', () => {
    const entries: TableEntry[] = [];
    for (let i = 0; i < 600; i++) entries.push({ prefix: `11.${i >>> 8}.${i & 255}.0/24`, kind: 'cgnat', users: i + 1 });
    const t = MultiUserTable.from(compileTable(entries).bytes);
    t.verify();
    for (let i = 0; i < 600; i += 37) expect(t.lookup(`11.${i >>> 8}.${i & 255}.9`)?.users).toBe(i + 1);
  });
});

describe('corrupt tables', () => {
  const dv = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);
  const code = (b: Uint8Array | ArrayBuffer) => {
    try {
      MultiUserTable.from(b);
    } catch (e) {
      expect(e).toBeInstanceOf(TableFormatError);
      return (e as TableFormatError).code;
    }
    return 'ok';
  };

  it.each([0, 1, 64, 143, 144, bytes.length - 1])('truncated to %i bytes', (n) => {
    expect(code(bytes.slice(0, n))).toBe('truncated');
  });

  it('bad magic', () => {
    const b = bytes.slice();
    b[0] = 0x58;
    expect(code(b)).toBe('bad-magic');
  });

  it('wrong version', () => {
    const b = bytes.slice();
    dv(b).setUint16(4, FORMAT_VERSION + 1, true);
    expect(code(b)).toBe('unsupported-version');
  });

  it('wrong header length, trailing bytes, unknown flags', () => {
    const b = bytes.slice();
    dv(b).setUint16(6, 144, true);
    expect(code(b)).toBe('bad-length');
    const longer = new Uint8Array(bytes.length + 8);
    longer.set(bytes);
    expect(code(longer)).toBe('bad-length');
    const f = bytes.slice();
    dv(f).setUint32(16, 1, true);
    expect(code(f)).toBe('bad-section');
  });

  it.each(Array.from({ length: SECTION_COUNT }, (_, s) => s))('section %i: every offset and length out of range', (s) => {
    for (const [field, value] of [
      [0, bytes.length + 8],
      [0, 8],
      [0, 145],
      [4, bytes.length],
      [4, 0xffffffff],
    ] as const) {
      const b = bytes.slice();
      dv(b).setUint32(DIRECTORY_OFFSET + 8 * s + field, value, true);
      expect(code(b)).toMatch(/bad-offset|bad-section|bad-index/);
    }
  });

  it('index and count mismatches', () => {
    const b = bytes.slice();
    const off = dv(b).getUint32(DIRECTORY_OFFSET + 8 * Section.V6Index, true);
    const len = dv(b).getUint32(DIRECTORY_OFFSET + 4 + 8 * Section.V6Index, true);
    dv(b).setUint32(off + len - 4, 12345, true); // the IPv6 index's end entry must be the block count
    expect(code(b)).toBe('bad-index');
    const v4 = bytes.slice();
    const off4 = dv(v4).getUint32(DIRECTORY_OFFSET + 8 * Section.V4Index, true);
    const len4 = dv(v4).getUint32(DIRECTORY_OFFSET + 4 + 8 * Section.V4Index, true);
    dv(v4).setUint32(off4 + len4 - 4, 12345 * 32, true); // the IPv4 end entry past the records: lookups clamp, verify() refuses
    dv(v4).setUint32(12, tableChecksum(v4), true);
    const t4 = MultiUserTable.from(v4);
    expect(() => t4.lookup('255.255.255.255')).not.toThrow();
    expect(() => t4.verify()).toThrow(expect.objectContaining({ code: 'bad-index' }));
    const c = bytes.slice();
    const leafOff = dv(c).getUint32(DIRECTORY_OFFSET + 8 * Section.V4Leaves, true);
    c[leafOff] = 99; // prefix length 99 in an IPv4 leaf, checksum recomputed (a crafted table): verify() catches it
    dv(c).setUint32(12, tableChecksum(c), true);
    const t = MultiUserTable.from(c);
    expect(() => t.lookup('198.51.100.1')).not.toThrow();
    expect(() => t.verify()).toThrow(expect.objectContaining({ code: 'bad-leaf' }));
    const d = bytes.slice();
    const valOff = dv(d).getUint32(DIRECTORY_OFFSET + 8 * Section.Values, true);
    // Value 0 is the smallest (kind index × 2^32 + users): (cgnat, unknown users), 2001:db8::/32's.
    d[valOff] = 42; // an unknown kind there, checksum recomputed
    dv(d).setUint32(12, tableChecksum(d), true);
    const td = MultiUserTable.from(d); // values are decoded on first use, not at open
    expect(td.lookup('2001:db8::1')).toBeUndefined();
    expect(td.classify('2001:db8::1')).toBeUndefined();
    expect(td.lookup('198.51.100.1')).toEqual({ prefix: '198.51.100.0/24', kind: 'cgnat', users: 1200 }); // the other values still answer
    expect(() => td.verify()).toThrow(expect.objectContaining({ code: 'bad-value' }));
  });

  it.each([
    ['past the ranges', 1, 0xffffffff],
    ['backwards', 5 * 32, 0],
  ])('a crafted IPv4 index pointing %s: lookups stay finite and answer nothing, verify() refuses it', (_how, a, z) => {
    const b = bytes.slice();
    const off = dv(b).getUint32(DIRECTORY_OFFSET + 8 * Section.V4Index, true);
    const chunk = 0x01020000 >>> (32 - b[28]!); // the chunk of 1.2.0.0 at the table's index width K4
    dv(b).setUint32(off + 4 * chunk, a, true);
    dv(b).setUint32(off + 4 * (chunk + 1), z, true);
    dv(b).setUint32(12, tableChecksum(b), true); // crafted, not corrupted: the checksum agrees
    const t = MultiUserTable.from(b);
    for (const ip of ['1.2.255.255', '1.2.3.4', '1.2.0.0']) {
      expect(t.lookup(ip)).toBeUndefined();
      expect(t.classify(ip)).toBeUndefined();
    }
    expect(() => t.verify()).toThrow(expect.objectContaining({ code: 'bad-index' }));
  });

  it.each([
    ['past the blocks', 0, 0xffffffff, '2001:db8::1'],
    ['backwards', 3, 0, '2001:db8::1'],
  ])('a crafted IPv6 index pointing %s: lookups stay finite and answer nothing, verify() refuses it', (_how, a, z, ip) => {
    const b = bytes.slice();
    const off = dv(b).getUint32(DIRECTORY_OFFSET + 8 * Section.V6Index, true);
    const k6 = b[30]!;
    const chunk = k6 === 0 ? 0 : 0x20010db8 >>> (32 - k6);
    dv(b).setUint32(off + 4 * chunk, a, true);
    dv(b).setUint32(off + 4 * (chunk + 1), z, true);
    dv(b).setUint32(12, tableChecksum(b), true);
    let t: MultiUserTable;
    try {
      t = MultiUserTable.from(b);
    } catch (e) {
      // The first or last entry was hit: the open-time end-point check refuses it already.
      expect((e as TableFormatError).code).toBe('bad-index');
      return;
    }
    expect(t.lookup(ip)).toBeUndefined();
    expect(t.classify(ip)).toBeUndefined();
    expect(() => t.verify()).toThrow(expect.objectContaining({ code: 'bad-index' }));
  });

  it('crafted IPv6 block offsets: lookups stay finite, verify() refuses them', () => {
    const b = bytes.slice();
    const off = dv(b).getUint32(DIRECTORY_OFFSET + 8 * Section.V6BlockOffsets, true);
    dv(b).setUint32(off + 4, 0xfffffff0, true); // block 1 starts past every range
    dv(b).setUint32(12, tableChecksum(b), true);
    const t = MultiUserTable.from(b);
    for (const ip of ['2001:db8::1', '2001:db8:100:1::1', '2a00::1', '2a0f::1']) expect(() => t.lookup(ip)).not.toThrow();
    expect([...t.entries()].length).toBeLessThan(20);
    expect(() => t.verify()).toThrow(expect.objectContaining({ code: 'bad-index' }));
  });

  it('verify() catches a flipped bit at every byte position', () => {
    // Every byte position (the header's checksum field included), one bit each: bit i mod 8 of byte i.
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes.slice();
      b[i]! ^= 1 << (i % 8);
      let t: MultiUserTable;
      try {
        t = MultiUserTable.from(b);
      } catch (e) {
        expect(e).toBeInstanceOf(TableFormatError);
        continue;
      }
      expect(() => t.verify(), `byte ${i}`).toThrow(TableFormatError);
    }
  });

  it('lookups on a corrupt-but-openable table never throw', () => {
    const b = bytes.slice();
    const off = dv(b).getUint32(DIRECTORY_OFFSET + 8 * Section.V4Records, true);
    const len = dv(b).getUint32(DIRECTORY_OFFSET + 4 + 8 * Section.V4Records, true);
    b.fill(200, off, off + len);
    const t = MultiUserTable.from(b);
    expect(() => t.verify()).toThrow(TableFormatError);
    for (const ip of ['198.51.100.1', '198.51.100.64', '8.1.1.1', '2001:db8::1']) expect(() => t.lookup(ip)).not.toThrow();
    // Garbage records may answer wrongly, but only with a value of the table's own dictionary.
    const m = t.lookup('198.51.100.1');
    if (m) expect(EXAMPLE.map((e) => e.kind)).toContain(m.kind);
    expect([...t.entries()].length).toBeLessThan(10_000);
  });
});

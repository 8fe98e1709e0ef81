import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { renderTableReport, summarizeTable, tableSectionBytes, userBin, USER_BINS } from '../../src/report/index.ts';
import { compileTable, MULTI_USER_KINDS, type MultiUserKind } from '../../src/table/index.ts';

const table = (entries: [string, MultiUserKind, number?][]) =>
  compileTable(entries.map(([prefix, kind, users]) => ({ prefix, kind, users }))).bytes;

describe('summarizeTable', () => {
  // Nested prefixes: the longest decides, so each kind covers its prefix less what a longer one takes.
  //   IPv4: 10.0.0.0/8 cgnat ⊃ 10.1.0.0/16 vpn ⊃ 10.1.2.0/24 tor, and 192.0.2.0/24 cgnat beside them
  //     cgnat = (2^24 − 2^16) + 2^8, vpn = 2^16 − 2^8, tor = 2^8
  //   IPv6 in /64s: 2001:db8::/32 relay ⊃ 2001:db8:1::/48 cgnat ⊃ 2001:db8:1:2::/64 tor ⊃ 2001:db8:1:2::1/128 vpn
  //     relay = 2^32 − 2^16, cgnat = 2^16 − 1, tor = 1 − 2^-64 (≈ 1), vpn = 2^-64
  const bytes = table([
    ['10.0.0.0/8', 'cgnat', 5000],
    ['10.1.0.0/16', 'vpn', 40],
    ['10.1.2.0/24', 'tor'],
    ['192.0.2.0/24', 'cgnat', 12],
    ['2001:db8::/32', 'relay'],
    ['2001:db8:1::/48', 'cgnat', 150_000],
    ['2001:db8:1:2::/64', 'tor', 3],
    ['2001:db8:1:2::1/128', 'vpn', 1],
  ]);
  const s = summarizeTable(bytes, { gzipBytes: 99, largest: 2 });

  it('counts prefixes and addresses covered per kind and family, nested prefixes once', () => {
    expect(s.coverage.ipv4.cgnat).toEqual({ prefixes: 2, covered: 2 ** 24 - 2 ** 16 + 2 ** 8 });
    expect(s.coverage.ipv4.vpn).toEqual({ prefixes: 1, covered: 2 ** 16 - 2 ** 8 });
    expect(s.coverage.ipv4.tor).toEqual({ prefixes: 1, covered: 2 ** 8 });
    expect(s.coverage.ipv6.relay).toEqual({ prefixes: 1, covered: 2 ** 32 - 2 ** 16 });
    expect(s.coverage.ipv6.cgnat).toEqual({ prefixes: 1, covered: 2 ** 16 - 1 });
    expect(s.coverage.ipv6.tor.covered).toBeCloseTo(1, 12);
    expect(s.coverage.ipv6.vpn.covered).toBe(2 ** -64);
  });

  it('histograms prefix lengths and users estimates, and lists the largest prefixes', () => {
    expect(s.lengths.ipv4.cgnat[8]).toBe(1);
    expect(s.lengths.ipv4.cgnat[24]).toBe(1);
    expect(s.lengths.ipv6.vpn[128]).toBe(1);
    // users: none → bin 0; 1–9 → 1; 10–99 → 2; 1,000–9,999 → 4; 100,000+ → 6
    expect(s.users.tor).toEqual([1, 1, 0, 0, 0, 0, 0]);
    expect(s.users.cgnat).toEqual([0, 0, 1, 0, 1, 0, 1]);
    expect(s.largest.ipv4.map((m) => m.prefix)).toEqual(['10.0.0.0/8', '10.1.0.0/16']);
    expect(s.largest.ipv6.map((m) => m.prefix)).toEqual(['2001:db8::/32', '2001:db8:1::/48']);
    expect(s.changes).toBeUndefined();
  });

  it('splits the bytes into header, sections and padding that add up to the table', () => {
    // Format 3's header: 40 bytes of fields, then a directory of 12 × (offset u32, length u32) = 96 bytes (src/table/format.ts).
    expect(s.sections[0]).toEqual({ name: 'header', bytes: 40 + 12 * 8 });
    expect(s.sections.reduce((a, p) => a + p.bytes, 0)).toBe(bytes.length);
    // 8 distinct (kind, users) values: (cgnat 5000), (vpn 40), (tor –), (cgnat 12), (relay –), …, each a 4-bit kind
    // and users at the width of the largest, 150,000 < 2^18: 8 × 22 bits = 22 bytes, then 4 zero bytes of padding.
    expect(tableSectionBytes(bytes).find((p) => p.name === 'values')?.bytes).toBe(22 + 4);
  });

  it('lists the changes against a previous table, largest first', () => {
    const previous = table([
      ['10.0.0.0/8', 'cgnat', 5000],
      ['10.1.0.0/16', 'cgnat', 40],
      ['172.16.0.0/12', 'enterprise'],
    ]);
    const c = summarizeTable(bytes, { previous }).changes!;
    // By size (IPv4 addresses, IPv6 /64s): 2^32, 2^20, then 2^16 twice (the larger change in users
    // first: 150,000 before 0), 2^8 twice (12 users before none), 1 twice (3 users before 1).
    expect(c.map((x) => `${x.change} ${x.prefix}`)).toEqual([
      'added 2001:db8::/32',
      'removed 172.16.0.0/12',
      'added 2001:db8:1::/48',
      'changed 10.1.0.0/16',
      'added 192.0.2.0/24',
      'added 10.1.2.0/24',
      'added 2001:db8:1:2::/64',
      'added 2001:db8:1:2::1/128',
    ]);
  });

  it('covers what a lookup of every address answers (property, against a brute-force count)', () => {
    // Prefixes /22–/32 inside 10.0.0.0/20 (4,096 addresses: small enough to count one by one).
    const prefix = fc
      .tuple(fc.integer({ min: 0, max: 4095 }), fc.integer({ min: 22, max: 32 }), fc.constantFrom(...MULTI_USER_KINDS))
      .map(([n, bits, kind]) => {
        const start = n & ~(2 ** (32 - bits) - 1);
        return { prefix: `10.0.${start >>> 8}.${start & 255}/${bits}`, kind };
      });
    fc.assert(
      fc.property(fc.uniqueArray(prefix, { selector: (p) => p.prefix, minLength: 1, maxLength: 12 }), (entries) => {
        const bytes = compileTable(entries.map((e) => ({ ...e, users: undefined }))).bytes;
        const reference = Object.fromEntries(MULTI_USER_KINDS.map((k) => [k, 0]));
        // Brute force: for every address of 10.0.0.0/20, the kind of the longest prefix holding it.
        for (let a = 0; a < 4096; a++) {
          let best: { bits: number; kind: string } | undefined;
          for (const e of entries) {
            const [addr, b] = e.prefix.split('/');
            const [, , c, d] = addr!.split('.').map(Number);
            const bits = Number(b);
            const start = (c! << 8) | d!;
            if (a >>> (32 - bits) === start >>> (32 - bits) && (!best || bits > best.bits)) best = { bits, kind: e.kind };
          }
          if (best) reference[best.kind]!++;
        }
        const s = summarizeTable(bytes);
        expect(Object.fromEntries(MULTI_USER_KINDS.map((k) => [k, s.coverage.ipv4[k].covered]))).toEqual(reference);
      }),
      { numRuns: 40 },
    );
  });
});

describe('userBin', () => {
  it.each([
    [undefined, 'no estimate'],
    [1, '1–9'],
    [9, '1–9'],
    [10, '10–99'],
    [99_999, '10,000–99,999'],
    [4_000_000, '≥ 100,000'],
  ])('%s users → %s', (users, bin) => {
    expect(USER_BINS[userBin(users)]).toBe(bin);
  });
});

describe('renderTableReport', () => {
  it('says "No data" instead of drawing empty charts for an empty table', () => {
    const html = renderTableReport(summarizeTable(compileTable([]).bytes, { gzipBytes: 100 }), { chartJs: '/* chart.js */' });
    for (const id of ['prefixes-per-kind', 'lengths-ipv4', 'lengths-ipv6', 'users-mix']) expect(html).toContain(`data-empty-for="${id}"`);
    expect(html).toContain('<canvas id="sections"'); // the header and the indexes still take bytes
  });
});

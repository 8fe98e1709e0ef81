import { isIPv4, isIPv6 } from 'node:net';
import fc from 'fast-check';
import ipaddr from 'ipaddr.js';
import { describe, expect, it } from 'vitest';
import {
  embeddedIPv4,
  formatIPv4,
  formatIPv4Prefix,
  formatIPv6,
  formatIPv6Prefix,
  isIPv4Mapped,
  maskIPv6,
  parseAddress,
  parseIPv4,
  parseIPv4Range,
  parseIPv6,
} from '../../src/ip/index.ts';

const w = () => new Uint32Array(4);
const hex = (a: Uint32Array) => [...a].map((x) => x.toString(16).padStart(8, '0')).join(' ');

describe('parseIPv4', () => {
  it.each([
    ['0.0.0.0', 0],
    ['255.255.255.255', 0xffffffff],
    ['198.51.100.7', 0xc6336407],
    ['1.2.3.4', 0x01020304],
    ['10.0.0.1', 0x0a000001],
    ['100.64.0.0', 0x64400000],
    // One-, two- and three-digit octets in every position (each octet is read unrolled).
    ['1.22.255.4', 0x0116ff04],
    ['99.100.9.250', 0x636409fa],
    ['200.0.10.99', 0xc8000a63],
    ['9.199.0.249', 0x09c700f9],
    ['0.0.0.10', 0x0000000a],
    ['10.0.0.0', 0x0a000000],
  ])('parses %s', (text, expected) => {
    expect(parseIPv4(text)).toBe(expected);
  });

  it.each([
    [''],
    ['1.2.3'],
    ['1.2.3.4.5'],
    ['256.1.1.1'],
    ['1.2.3.256'],
    ['01.2.3.4'],
    ['1.2.3.04'],
    ['1.2.3.00'],
    ['1..3.4'],
    ['.1.2.3'],
    ['1.2.3.4.'],
    [' 1.2.3.4'],
    ['1.2.3.4 '],
    ['1.2.3.4/32'],
    ['1.2.3.4:80'],
    ['1.2.3.-4'],
    ['1.2.3.+4'],
    ['0x1.2.3.4'],
    ['1.2.3.4\n'],
    ['１.2.3.4'],
    ['1234.1.1.1'],
    ['::1'],
    // Per branch of the unrolled octet reader: a fourth digit in the first three and in the last
    // octet, too-long and too-short text, leading zeros of two- and three-digit octets, > 255.
    ['1.2345.1.1'],
    ['1.1.1234.1'],
    ['1.1.1.1234'],
    ['111.111.111.1111'],
    ['1.1.1'],
    ['1.1.1.'],
    ['1.1.1.1.'],
    ['1.1..1'],
    ['1.1.1..'],
    ['255.255.255.2555'],
    ['00.1.1.1'],
    ['1.001.1.1'],
    ['1.1.010.1'],
    ['1.1.1.012'],
    ['300.1.1.1'],
    ['1.260.1.1'],
    ['1.1.999.1'],
    ['1.1.1.256'],
    ['1.1.1.1a'],
    ['1.1.1a.1'],
    ['a.1.1.1'],
    ['1/1.1.1'],
    ['1:1.1.1'],
    ['1.1.1.1.1.1.1'],
  ])('rejects %j', (text) => {
    expect(parseIPv4(text)).toBe(-1);
  });

  it('parses a slice without copying', () => {
    expect(parseIPv4Range('[192.0.2.1]', 1, 10)).toBe(0xc0000201);
    // The slice ends where it is told to, even when digits follow.
    expect(parseIPv4Range('192.0.2.123', 0, 10)).toBe(0xc000020c);
    expect(parseIPv4Range('192.0.2.1/24', 0, 9)).toBe(0xc0000201);
    expect(parseIPv4Range('x192.0.2.1', 0, 10)).toBe(-1);
    // A range past the end of the text is not an address (charCodeAt gives NaN there).
    expect(parseIPv4Range('1.2.3.4', 0, 9)).toBe(-1);
    expect(parseIPv4Range('1.2.3.4', -1, 7)).toBe(-1);
  });

  it('agrees with node:net isIPv4 and ipaddr.js on arbitrary and mutated text (property)', () => {
    fc.assert(
      fc.property(fc.oneof(addressLike, mutated(v4Text)), fc.string({ maxLength: 3 }), (text, pad) => {
        const expected = referenceIPv4(text);
        expect(parseIPv4(text)).toBe(expected);
        expect(parseIPv4Range(pad + text + pad, pad.length, pad.length + text.length)).toBe(expected);
      }),
      { numRuns: 5000 },
    );
  });

  it('round-trips every address formatIPv4 writes (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (n) => {
        expect(parseIPv4(formatIPv4(n))).toBe(n);
      }),
    );
  });
});

describe('parseIPv6', () => {
  it.each([
    ['::', '00000000 00000000 00000000 00000000'],
    ['::1', '00000000 00000000 00000000 00000001'],
    ['1::', '00010000 00000000 00000000 00000000'],
    ['2001:db8::1', '20010db8 00000000 00000000 00000001'],
    ['2001:DB8:0:0:8:800:200C:417A', '20010db8 00000000 00080800 200c417a'],
    ['2001:db8:0:0:0:0:0:1', '20010db8 00000000 00000000 00000001'],
    ['ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'ffffffff ffffffff ffffffff ffffffff'],
    ['::ffff:192.0.2.1', '00000000 00000000 0000ffff c0000201'],
    ['::192.0.2.1', '00000000 00000000 00000000 c0000201'],
    ['64:ff9b::198.51.100.7', '0064ff9b 00000000 00000000 c6336407'],
    ['1:2:3:4:5:6:1.2.3.4', '00010002 00030004 00050006 01020304'],
    ['1:2:3:4:5:6:7::', '00010002 00030004 00050006 00070000'],
    ['::2:3:4:5:6:7:8', '00000002 00030004 00050006 00070008'],
    ['0001:0002::', '00010002 00000000 00000000 00000000'],
    // Groups of one to four digits in every position (each group is read unrolled), and at the end.
    ['a:bc:def:1234:5:67:890:abcd', '000a00bc 0def1234 00050067 0890abcd'],
    ['abcd:890:67:5:1234:def:bc:a', 'abcd0890 00670005 12340def 00bc000a'],
    ['1:2:3:4:5:6:7:8', '00010002 00030004 00050006 00070008'],
    ['::f', '00000000 00000000 00000000 0000000f'],
    ['::ffff', '00000000 00000000 00000000 0000ffff'],
    ['f::', '000f0000 00000000 00000000 00000000'],
    ['ffff::ffff', 'ffff0000 00000000 00000000 0000ffff'],
    ['1:2:3:4:5:6::8', '00010002 00030004 00050006 00000008'],
    ['1::3:4:5:6:7:8', '00010000 00030004 00050006 00070008'],
    ['0:0:0:0:0:0:0:0', '00000000 00000000 00000000 00000000'],
    ['::0.0.0.0', '00000000 00000000 00000000 00000000'],
    ['1::1.2.3.4', '00010000 00000000 00000000 01020304'],
    ['1:2:3:4:5::1.2.3.4', '00010002 00030004 00050000 01020304'],
    ['::ffff:255.255.255.255', '00000000 00000000 0000ffff ffffffff'],
  ])('parses %s', (text, expected) => {
    const out = w();
    expect(parseIPv6(text, out)).toBe(true);
    expect(hex(out)).toBe(expected);
  });

  it.each([
    [''],
    [':'],
    [':::'],
    ['1:::2'],
    ['1::2::3'],
    [':1::2'],
    ['1::2:'],
    ['1:2:3:4:5:6:7'],
    ['1:2:3:4:5:6:7:8:9'],
    ['1:2:3:4:5:6:7:8::'],
    ['::1:2:3:4:5:6:7:8'],
    ['12345::'],
    ['g::1'],
    ['fe80::1%eth0'],
    ['[::1]'],
    ['::1/128'],
    [' ::1'],
    ['::1 '],
    ['1.2.3.4'],
    ['::1.2.3'],
    ['::1.2.3.04'],
    ['1:2:3:4:5:6:7:1.2.3.4'],
    ['::1.2.3.4:5'],
    ['::ffff:1.2.3.256'],
    ['2001:db8::0x1'],
    // Per branch of the unrolled group reader: a fifth digit after one to four read, an eighth group
    // followed by `:` or `::`, a stray character after each digit count, a group that starts with
    // a non-digit, an embedded IPv4 too early, too late or after `::` that leaves no group for it.
    ['12345:1::'],
    ['1:12345::'],
    ['::1:abcde'],
    ['::fffff'],
    ['1:2:3:4:5:6:7:8:'],
    ['1:2:3:4:5:6:7:8::'],
    ['1:2:3:4:5:6:7:8:9'],
    ['1g::'],
    ['12g::'],
    ['123g::'],
    ['1234g::'],
    ['::1 '],
    ['::12 '],
    ['::123 '],
    ['::1234 '],
    ['::g'],
    ['1:-1::'],
    [':: 1'],
    ['::ffff:1234.1.1.1'],
    ['::ffff:1a.1.1.1'],
    ['::1.2.3.4::'],
    ['1.2.3.4::'],
    ['1:2:3:4:5:6:7:8:1.2.3.4'],
    ['1:2:3:4:5:6::1.2.3.4'],
    ['1:2:3:4:5:6:7::1.2.3.4'],
    ['::1.2.3'],
    ['::1.2.3.4.5'],
    ['::1..2.3'],
    ['1:2:3:4:5:6:7:8:1'],
    ['::1:2:3:4:5:6:7:8'],
    ['1::2::'],
    ['::1::'],
    ['1:::'],
    [':::1'],
    ['1::2:'],
    ['1:2'],
    ['1'],
    ['12'],
    ['ff'],
    ['\u00001::'],
    ['1::ａ'],
  ])('rejects %j', (text) => {
    expect(parseIPv6(text, w())).toBe(false);
  });

  it('agrees with node:net isIPv6 (no zone id) and ipaddr.js on arbitrary and mutated text (property)', () => {
    fc.assert(
      fc.property(fc.oneof(addressLike, mutated(v6Text)), (text) => {
        const expected = referenceIPv6(text);
        const out = w();
        expect(parseIPv6(text, out)).toBe(expected !== undefined);
        if (expected !== undefined) expect(hex(out)).toBe(expected);
      }),
      { numRuns: 5000 },
    );
  });

  it('agrees with ipaddr.js on random addresses written in many forms (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 0xffffffff }), { minLength: 4, maxLength: 4 }), fc.boolean(), (words, upper) => {
        const a = Uint32Array.from(words);
        let text = ipaddr.fromByteArray(toBytes(a)).toString();
        if (upper) text = text.toUpperCase();
        const out = w();
        expect(parseIPv6(text, out)).toBe(true);
        expect(hex(out)).toBe(hex(a));
        expect(parseIPv6(ipaddr.fromByteArray(toBytes(a)).toNormalizedString(), out)).toBe(true);
        expect(hex(out)).toBe(hex(a));
      }),
    );
  });
});

/**
 * The references: node:net's isIPv4 / isIPv6 (regular expressions: dotted quads without leading
 * zeros, RFC 4291 text with embedded IPv4) decide validity, minus zone ids (`%…`, which isIPv6
 * accepts and we refuse); ipaddr.js gives the value of what they accept.
 */
function referenceIPv4(text: string): number {
  if (!isIPv4(text)) return -1;
  const [a, b, c, d] = ipaddr.IPv4.parse(text).toByteArray() as [number, number, number, number];
  return ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
}

function referenceIPv6(text: string): string | undefined {
  if (!isIPv6(text) || text.includes('%')) return undefined;
  const bytes = ipaddr.IPv6.parse(text).toByteArray();
  const words = new Uint32Array(4);
  for (let k = 0; k < 4; k++)
    words[k] = ((bytes[4 * k]! << 24) | (bytes[4 * k + 1]! << 16) | (bytes[4 * k + 2]! << 8) | bytes[4 * k + 3]!) >>> 0;
  return hex(words);
}

/** Text made of the characters addresses are made of, plus a few that must be refused. */
const addressLike = fc
  .array(fc.constantFrom(...'0123456789abcdefABCDEF::::....%g x/-', '\u0660', '\uff11', '\u0000'), { maxLength: 46 })
  .map((chars) => chars.join(''));
const v4Text = fc.integer({ min: 0, max: 0xffffffff }).map(formatIPv4);
const v6Text = fc
  .tuple(
    fc.array(fc.integer({ min: 0, max: 0xffffffff }), { minLength: 4, maxLength: 4 }),
    fc.integer({ min: 0, max: 4 }),
    fc.constantFrom(0, 0, 1, 2, 3),
  )
  .map(([words, form, zeros]) => {
    const a = Uint32Array.from(words);
    if (zeros > 0) a.fill(0, zeros - 1, zeros + 1); // zero runs, so that `::` appears at each place
    const address = ipaddr.fromByteArray(toBytes(a)) as ipaddr.IPv6;
    if (form === 0) return address.toString();
    if (form === 1) return address.toNormalizedString();
    if (form === 2) return address.toNormalizedString().replace(/[0-9a-f]+/g, (g) => g.padStart(4, '0')); // leading zeros
    if (form === 3) return address.toNormalizedString().replace(/[^:]*:[^:]*$/, formatIPv4(a[3]!)); // embedded IPv4
    return address.toString().toUpperCase();
  });

/** A valid address with zero to three characters inserted, deleted or replaced. */
function mutated(valid: fc.Arbitrary<string>): fc.Arbitrary<string> {
  const edit = fc.tuple(fc.nat(), fc.constantFrom(...'0159afAF:.%g '), fc.constantFrom('insert', 'delete', 'replace'));
  return fc.tuple(valid, fc.array(edit, { maxLength: 3 })).map(([text, edits]) => {
    let s = text;
    for (const [at, ch, op] of edits) {
      const i = at % (s.length + 1);
      s =
        op === 'insert'
          ? s.slice(0, i) + ch + s.slice(i)
          : op === 'delete'
            ? s.slice(0, i) + s.slice(i + 1)
            : s.slice(0, i) + ch + s.slice(i + 1);
    }
    return s;
  });
}

function toBytes(a: Uint32Array): number[] {
  const out: number[] = [];
  for (const x of a) out.push(x >>> 24, (x >>> 16) & 255, (x >>> 8) & 255, x & 255);
  return out;
}

describe('parseAddress', () => {
  it.each([
    ['198.51.100.7', 4, 0xc6336407],
    ['::ffff:198.51.100.7', 4, 0xc6336407],
    ['::FFFF:c633:6407', 4, 0xc6336407],
    ['2001:db8::1', 6, 1],
    ['::198.51.100.7', 6, 0xc6336407],
    ['nope', 0, undefined],
    ['', 0, undefined],
  ] as const)('%s → family %i', (text, family, last) => {
    const out = w();
    expect(parseAddress(text, out)).toBe(family);
    if (last !== undefined) expect(out[3]).toBe(last);
    if (family === 4) expect(isIPv4Mapped(out)).toBe(false);
  });
});

describe('embeddedIPv4', () => {
  const group = (n: number) => n.toString(16);
  const dotted = (v4: number) => [v4 >>> 24, (v4 >>> 16) & 255, (v4 >>> 8) & 255, v4 & 255].join('.');
  // Each embedding written out from its RFC's layout (not from our parser), and the range name
  // ipaddr.js gives it, to check that the text really is in that range.
  const embeddings: [string, string, (v4: number, a: number, b: number) => string][] = [
    // RFC 3056: 2002:V4ADDR::/48, then any subnet and interface id.
    ['6to4', '6to4', (v4, a, b) => `2002:${group(v4 >>> 16)}:${group(v4 & 0xffff)}:${group(a)}::${group(b)}`],
    // RFC 4380: 2001:0:server(32 bits):flags:port (obfuscated):client (obfuscated, every bit inverted).
    ['Teredo', 'teredo', (v4, a, b) => `2001:0:${group(a)}:${group(b)}:8000:${group(~a & 0xffff)}:${dotted(~v4 >>> 0)}`],
    // RFC 6052: 64:ff9b::/96 followed by the IPv4 address.
    ['NAT64', 'rfc6052', (v4) => `64:ff9b::${dotted(v4)}`],
    // RFC 2765: ::ffff:0:0:0/96.
    ['IPv4-translated', 'rfc6145', (v4) => `::ffff:0:${dotted(v4)}`],
  ];
  const v4s = fc.integer({ min: 0, max: 0xffffffff });
  const filler = fc.integer({ min: 0, max: 0xffff });

  it.each(embeddings)('%s: the IPv4 address it carries', (_name, range, text) => {
    fc.assert(
      fc.property(v4s, filler, filler, (v4, a, b) => {
        const out = w();
        expect(parseIPv6(text(v4, a, b), out)).toBe(true);
        expect(ipaddr.parse(text(v4, a, b)).range()).toBe(range);
        expect(embeddedIPv4(out)).toBe(v4);
      }),
      { numRuns: 500 },
    );
  });

  it.each([
    ['::192.0.2.250', 0xc00002fa], // IPv4-compatible (RFC 4291, deprecated)
    ['::2', 2],
    ['::', -1], // unspecified and loopback carry none
    ['::1', -1],
    ['2001:db8::c000:2fa', -1], // documentation, native IPv6
    ['2001:1::1', -1], // not Teredo: that is 2001:0::/32 only
    ['2003::1', -1],
    ['64:ff9b:1::c000:2fa', -1], // NAT64 local-use /48: where the address sits is the network's choice
    ['64:ff9b::1:c000:2fa', -1], // not in the well-known /96
  ])('%s → %i', (text, expected) => {
    const out = w();
    expect(parseIPv6(text, out)).toBe(true);
    expect(embeddedIPv4(out)).toBe(expected);
  });
});

describe('formatting', () => {
  it.each([
    ['2001:db8:0:0:0:0:0:1', '2001:db8::1'],
    ['2001:0db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ['2001:db8::', '2001:db8::'],
    ['0:0:0:0:0:0:0:0', '::'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['1:0:0:2:0:0:0:3', '1:0:0:2::3'],
    ['1:0:0:0:2:0:0:3', '1::2:0:0:3'],
    ['2001:DB8:AAAA:BBBB:CCCC:DDDD:EEEE:FFFF', '2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff'],
    ['::ffff:c000:0201', '::ffff:192.0.2.1'],
    // Every shape of the zero-run table and of the text built around it: no zero group, a single
    // zero group (never shortened) first, last and inside, runs at the start, at the end, inside, ties.
    ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8'],
    ['0:2:3:4:5:6:7:8', '0:2:3:4:5:6:7:8'],
    ['1:2:3:4:5:6:7:0', '1:2:3:4:5:6:7:0'],
    ['0:1:0:1:0:1:0:1', '0:1:0:1:0:1:0:1'],
    ['0:0:3:4:5:6:7:8', '::3:4:5:6:7:8'],
    ['1:2:3:4:5:6:0:0', '1:2:3:4:5:6::'],
    ['a:0:0:0:0:0:0:0', 'a::'],
    ['0:0:0:0:0:0:0:a', '::a'],
    ['1:0:0:2:3:0:0:4', '1::2:3:0:0:4'],
    ['0:0:1:0:0:0:2:3', '0:0:1::2:3'],
    ['1:2:0:0:0:3:0:0', '1:2::3:0:0'],
    ['0:0:0:1:0:0:0:0', '0:0:0:1::'],
    ['0:0:0:0:1:0:0:0', '::1:0:0:0'],
    ['0:0:0:0:0:ffff:0:1', '::ffff:0.0.0.1'],
    ['0:0:0:0:1:ffff:0:1', '::1:ffff:0:1'],
    ['0:0:0:0:0:fffe:c000:201', '::fffe:c000:201'],
  ])('RFC 5952: %s → %s', (input, expected) => {
    const out = w();
    expect(parseIPv6(input, out)).toBe(true);
    expect(formatIPv6(out)).toBe(expected);
  });

  it('matches ipaddr.js toRFC5952String on random addresses (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: 0, max: 0xffff })), { minLength: 8, maxLength: 8 }),
        (groups) => {
          const a = new Uint32Array(4);
          for (let k = 0; k < 4; k++) a[k] = ((groups[2 * k]! << 16) | groups[2 * k + 1]!) >>> 0;
          if (isIPv4Mapped(a)) return;
          expect(formatIPv6(a)).toBe((ipaddr.fromByteArray(toBytes(a)) as ipaddr.IPv6).toRFC5952String());
        },
      ),
    );
  });

  it('writes every group value 0–ffff in the first and the last group as ipaddr.js does', () => {
    // Every page of the cached group texts, with and without a leading colon.
    for (let x = 0; x <= 0xffff; x++) {
      const a = new Uint32Array([((x << 16) | 1) >>> 0, 0x20002, 0x30003, 0x40000 | x]);
      expect(formatIPv6(a)).toBe((ipaddr.fromByteArray(toBytes(a)) as ipaddr.IPv6).toRFC5952String());
    }
  });

  it('formats IPv4 addresses as ipaddr.js does (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (n) => {
        const bytes = [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
        expect(formatIPv4(n)).toBe(ipaddr.fromByteArray(bytes).toString());
      }),
    );
  });

  it('formats prefixes as ipaddr.js networkAddressFromCIDR gives them (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 32 }), (n, bits) => {
        const net = ipaddr.IPv4.networkAddressFromCIDR(`${formatIPv4(n)}/${bits}`).toString();
        expect(formatIPv4Prefix(n, bits)).toBe(`${net}/${bits}`);
      }),
    );
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 0xffffffff }), { minLength: 4, maxLength: 4 }),
        fc.integer({ min: 0, max: 128 }),
        (words, bits) => {
          const a = Uint32Array.from(words);
          const net = ipaddr.IPv6.networkAddressFromCIDR(`${ipaddr.fromByteArray(toBytes(a)).toString()}/${bits}`) as ipaddr.IPv6;
          if (net.isIPv4MappedAddress()) return; // we write ::ffff:a.b.c.d, ipaddr.js hex groups
          expect(formatIPv6Prefix(a, bits)).toBe(`${net.toRFC5952String()}/${bits}`);
        },
      ),
    );
  });

  it('formats /64-or-shorter prefixes with zero groups anywhere as ipaddr.js does (property)', () => {
    // Groups drawn mostly from 0 and 1 so that every placement of zero runs among groups 0–3 occurs.
    const group = fc.oneof(fc.constant(0), fc.constant(1), fc.integer({ min: 0, max: 0xffff }));
    fc.assert(
      fc.property(fc.array(group, { minLength: 8, maxLength: 8 }), fc.integer({ min: 0, max: 128 }), (g, bits) => {
        const a = Uint32Array.from([0, 2, 4, 6], (k) => ((g[k]! << 16) | g[k + 1]!) >>> 0);
        const net = ipaddr.IPv6.networkAddressFromCIDR(`${ipaddr.fromByteArray(toBytes(a)).toString()}/${bits}`) as ipaddr.IPv6;
        if (net.isIPv4MappedAddress()) return;
        expect(formatIPv6Prefix(a, bits)).toBe(`${net.toRFC5952String()}/${bits}`);
      }),
      { numRuns: 2000 },
    );
  });

  it('formats out-of-range IPv4 prefix lengths as before: the mask clamped to 0–32, the length as given', () => {
    expect(formatIPv4Prefix(0xc0000201, 33)).toBe('192.0.2.1/33');
    expect(formatIPv4Prefix(0xc0000201, -1)).toBe('0.0.0.0/-1');
  });

  // /64 and shorter are written as character codes (every hex digit count, zero groups before the
  // trailing run, one- and two-digit lengths, the longest text); worked out by hand from RFC 5952.
  it.each([
    [[0x000100a0, 0x0b00c000], 64, '1:a0:b00:c000::/64'],
    [[0xffffffff, 0xffffffff], 64, 'ffff:ffff:ffff:ffff::/64'], // 24 characters, the most
    [[0x20010db8, 0], 8, '2000::/8'], // 0x2001 masked to its first 8 bits
    [[0, 0x00010000], 48, '0:0:1::/48'], // the run of five after group 2 beats the two before it
    [[0x00000001, 0], 32, '0:1::/32'],
    [[0x20010db8, 0x00000001], 64, '2001:db8:0:1::/64'],
    [[0x80000000, 0], 1, '8000::/1'],
    [[0, 0], 0, '::/0'],
    [[0x00010001, 0], 100, '1:1::/100'], // longer than /64 with the last 64 bits zero: the general path
  ])('formats %j/%i as %s', (words, bits, text) => {
    expect(formatIPv6Prefix([...words, 0, 0], bits)).toBe(text);
  });

  it('formats prefixes with the host bits cleared', () => {
    expect(formatIPv4Prefix(parseIPv4('198.51.100.77'), 24)).toBe('198.51.100.0/24');
    expect(formatIPv4Prefix(parseIPv4('198.51.100.77'), 0)).toBe('0.0.0.0/0');
    const a = w();
    parseIPv6('2001:db8:1:2:3:4:5:6', a);
    expect(formatIPv6Prefix(a, 64)).toBe('2001:db8:1:2::/64');
    expect(formatIPv6Prefix(a, 33)).toBe('2001:db8::/33');
    expect(formatIPv6Prefix(a, 128)).toBe('2001:db8:1:2:3:4:5:6/128');
    maskIPv6(a, 48, a);
    expect(formatIPv6(a)).toBe('2001:db8:1::');
    // Plain arrays too (detect passes one), and the scratch words of one call do not leak into the next.
    expect(formatIPv6Prefix([0x20010db8, 0xffffffff, 0, 0], 40)).toBe('2001:db8:ff00::/40');
    expect(formatIPv6Prefix([0x20010db8], 16)).toBe('2001::/16');
    expect(formatIPv6Prefix([0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff], 0)).toBe('::/0');
    expect(formatIPv4Prefix(0xffffffff, 32)).toBe('255.255.255.255/32');
    expect(formatIPv4Prefix(0xffffffff, 1)).toBe('128.0.0.0/1');
  });
});

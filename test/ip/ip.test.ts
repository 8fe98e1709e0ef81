import fc from 'fast-check';
import ipaddr from 'ipaddr.js';
import { describe, expect, it } from 'vitest';
import {
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
  ])('rejects %j', (text) => {
    expect(parseIPv4(text)).toBe(-1);
  });

  it('parses a slice without copying', () => {
    expect(parseIPv4Range('[192.0.2.1]', 1, 10)).toBe(0xc0000201);
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
  ])('rejects %j', (text) => {
    expect(parseIPv6(text, w())).toBe(false);
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
  });
});

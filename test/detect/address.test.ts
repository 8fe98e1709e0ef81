import fc from 'fast-check';
import ipaddr from 'ipaddr.js';
import { describe, expect, it } from 'vitest';
import { formatIPv4, ipv6Unit, isPublicPrefix, parseIPv4, prefixText, PrefixMatcher } from '../../src/detect/address.ts';

describe('parseIPv4', () => {
  it('agrees with ipaddr.js on every dotted quad', () => {
    fc.assert(
      fc.property(fc.ipV4(), (ip) => {
        const v = parseIPv4(ip);
        expect(v).toBe(
          ipaddr.IPv4.parse(ip)
            .toByteArray()
            .reduce((a, b) => a * 256 + b, 0),
        );
        expect(formatIPv4(v)).toBe(ip);
      }),
    );
  });

  it.each([['1.2.3'], ['1.2.3.4.5'], ['256.1.1.1'], ['01.2.3.4'], ['1.2.3.-4'], [''], ['1..2.3'], ['a.b.c.d'], ['1.2.3.4 ']])(
    'rejects %j',
    (s) => {
      expect(parseIPv4(s)).toBe(-1);
    },
  );
});

describe('IPv6 units and prefix text', () => {
  it.each([
    ['2001:DB8::1', '2001:db8:0:0'],
    ['2a01:4b00:1:abcd:1:2:3:4', '2a01:4b00:1:abcd'],
    ['::ffff:81.2.69.7', parseIPv4('81.2.69.7')],
    ['not-an-address', undefined],
  ])('ipv6Unit(%s) = %s', (s, unit) => {
    expect(ipv6Unit(s)).toBe(unit);
  });

  it.each([
    [4, parseIPv4('81.2.69.7'), 24, '81.2.69.0/24'],
    [4, parseIPv4('81.2.69.7'), 32, '81.2.69.7/32'],
    [6, '2a01:4b00:1:abcd', 64, '2a01:4b00:1:abcd::/64'],
    [6, '2a01:4b00:1:abcd', 48, '2a01:4b00:1::/48'],
    [6, '2a01:0:0:0', 64, '2a01::/64'],
  ] as const)('prefixText(%i, %s, %i) = %s', (family, unit, bits, text) => {
    expect(prefixText(family, unit, bits)).toBe(text);
  });

  it.each([
    ['81.2.69.0/24', true],
    ['100.64.1.0/24', false],
    ['10.1.2.0/24', false],
    ['192.0.2.0/24', false],
    ['127.0.0.1/32', false],
    ['224.0.0.0/24', false],
    ['2a01:4b00:1::/48', true],
    ['2001:db8::/48', false],
    ['fc00::/64', false],
    ['64:ff9b::/96', false],
  ])('isPublicPrefix(%s) = %s', (cidr, ok) => {
    expect(isPublicPrefix(cidr)).toBe(ok);
  });
});

describe('PrefixMatcher', () => {
  it('returns the longest matching prefix, like a linear scan', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.ipV4(), fc.integer({ min: 8, max: 32 })), { minLength: 1, maxLength: 30 }),
        fc.ipV4(),
        (entries, probe) => {
          const m = new PrefixMatcher<number>();
          const canon = entries.map(([ip, bits], i) => {
            const net = ipaddr.IPv4.networkAddressFromCIDR(`${ip}/${bits}`).toString();
            m.add(`${net}/${bits}`, i);
            return { net, bits, i };
          });
          const p = ipaddr.IPv4.parse(probe);
          let best: { bits: number; i: number } | undefined;
          for (const c of canon) {
            if (p.match(ipaddr.IPv4.parse(c.net), c.bits) && (best === undefined || c.bits > best.bits)) {
              // the first entry added for a prefix wins
              const first = canon.find((x) => x.net === c.net && x.bits === c.bits)!;
              best = { bits: c.bits, i: first.i };
            }
          }
          expect(m.match4(parseIPv4(probe))?.value).toBe(best?.i);
        },
      ),
    );
  });

  it('matches IPv6 /64 units against shorter and longer list entries', () => {
    const m = new PrefixMatcher<string>();
    m.add('2a09:bac0::/29', 'relay-wide');
    m.add('2a09:bac0:1000:10::/64', 'relay-64');
    m.add('2a02:c00:1:1::7', 'single');
    expect(m.match6('2a09:bac0:1000:10')).toEqual({ prefix: '2a09:bac0:1000:10::/64', value: 'relay-64' });
    expect(m.match6('2a09:bac0:2:3')?.value).toBe('relay-wide');
    expect(m.match6('2a02:c00:1:1')).toEqual({ prefix: '2a02:c00:1:1::7/128', value: 'single' });
    expect(m.match6('2a02:c00:1:2')).toBeUndefined();
  });
});

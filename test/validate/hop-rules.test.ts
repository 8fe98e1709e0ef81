import { describe, expect, it } from 'vitest';
import { classifyTraceroute, REASON_LABEL, type ProbeInfo } from '../../src/validate/index.ts';
import { tr, type HopSpec } from './helpers.ts';

const FROM = '81.2.69.160'; // the probe's public address in these cases
const SRC = '192.168.1.10';
const HOME = '192.168.1.1';
const P1 = '81.2.69.1';
const P2 = '81.2.70.9';

type Case = [name: string, src: string | undefined, hops: (HopSpec | null)[], label: string, reason: string];

describe('hop rules (IPv4, crafted traceroutes)', () => {
  it.each<Case>([
    ['home router then public', SRC, [HOME, P1, P2], 'not-cgnat', 'straight-to-public'],
    ['100.64/10 right after the home router', SRC, [HOME, '100.64.0.1', P1], 'cgnat', 'shared-hop-before-public'],
    ['100.64/10 after a silent hop', SRC, [HOME, '*', '100.127.255.254', P1], 'cgnat', 'shared-hop-before-public'],
    ['home router answers from its 100.64/10 WAN address', SRC, ['100.65.3.1', P1], 'cgnat', 'shared-hop-before-public'],
    ['100.64/10 in a load-balanced hop with a private one', SRC, [HOME, ['10.0.0.1', '100.64.9.9'], P1], 'cgnat', 'shared-hop-before-public'],
    ['100.64/10 answering with ICMP unreachable', SRC, [HOME, { from: '100.64.0.1', err: 'N' }, P1], 'cgnat', 'shared-hop-before-public'],
    ['RFC 1918 hop after the home router', SRC, [HOME, '10.10.0.1', P1], 'cgnat', 'private-hop-after-home-router'],
    ['RFC 1918 hops then a silent hop', SRC, [HOME, '172.16.0.3', '*', P1], 'cgnat', 'private-hop-after-home-router'],
    ['silent hop then RFC 1918 hop', SRC, [HOME, '*', '10.0.254.62', P1], 'cgnat', 'private-hop-after-home-router'],
    ['100.64/10 deep in the core (after public hops)', SRC, [HOME, P1, '100.64.5.5', P2], 'not-cgnat', 'straight-to-public'],
    ['RFC 1918 deep in the core', SRC, [HOME, P1, '10.1.1.1', P2], 'not-cgnat', 'straight-to-public'],
    ['silent hop between home router and public', SRC, [HOME, '*', P1], 'unknown', 'silent-hop-before-public'],
    ['hop error counts as silent', SRC, [HOME, { error: 'sendto failed' }, P1], 'unknown', 'silent-hop-before-public'],
    ['hop number absent counts as silent', SRC, [HOME, null, P1], 'unknown', 'silent-hop-before-public'],
    ['first hop silent, then private', SRC, ['*', HOME, P1], 'unknown', 'first-hop-silent'],
    ['first answer already public', SRC, [P1, P2], 'unknown', 'nat-not-visible'],
    ['home router answers with the public address', SRC, [FROM, P1], 'not-cgnat', 'home-router-holds-public-address'],
    ['public address after a silent first hop', SRC, ['*', FROM, P1], 'unknown', 'silent-hop-before-public'],
    ['public address after private hops of the carrier', SRC, [HOME, '10.9.9.9', FROM, P1], 'cgnat', 'private-hop-after-home-router'],
    ['nothing answers', SRC, ['*', '*', '*'], 'unknown', 'no-responding-hop'],
    ['no public hop at all', SRC, [HOME, '*', '*'], 'unknown', 'no-public-hop'],
    ['load-balanced hop with a public reply is public', SRC, [HOME, ['10.0.0.1', P1], P2], 'not-cgnat', 'straight-to-public'],
    ['link-local hop before public', SRC, [HOME, '169.254.1.1', P1], 'unknown', 'special-hop-before-public'],
    ['documentation-range hop is not public', SRC, [HOME, '192.0.2.1', P1], 'unknown', 'special-hop-before-public'],
    ['probe holds the public address', FROM, [P1, '100.64.0.1', P2], 'not-cgnat', 'probe-has-public-address'],
    ['public source translated to another public address', '81.2.69.50', [P1], 'unknown', 'public-source-translated'],
    ['probe itself in 100.64/10', '100.64.12.7', ['100.64.0.1', P1], 'cgnat', 'probe-in-shared-space'],
    ['link-local source', '169.254.3.3', [P1], 'unknown', 'special-source'],
    ['no src_addr, first hop public', undefined, [P1, P2], 'unknown', 'no-source-address'],
    ['no src_addr, first hop private', undefined, [HOME, P1], 'not-cgnat', 'straight-to-public'],
    ['no src_addr, first hop private, then 100.64/10', undefined, [HOME, '100.64.0.1', P1], 'cgnat', 'shared-hop-before-public'],
  ])('%s → %s', (_name, src, hops, label, reason) => {
    const v = classifyTraceroute(tr({ from: FROM, src, hops }));
    expect({ label: v.label, reason: v.reason }).toEqual({ label, reason });
    expect(v.address).toBe(FROM);
    expect(REASON_LABEL[v.reason] === v.label || v.reason === 'private-hop-after-home-router').toBe(true);
  });

  it('the strict option turns RFC 1918 carrier hops into unknown, but not 100.64/10 ones', () => {
    const strict = { privateCarrierHops: 'unknown' as const };
    expect(classifyTraceroute(tr({ from: FROM, src: SRC, hops: [HOME, '10.10.0.1', P1] }), strict)).toMatchObject({
      label: 'unknown',
      reason: 'private-hop-after-home-router',
    });
    expect(classifyTraceroute(tr({ from: FROM, src: SRC, hops: [HOME, '100.64.0.1', P1] }), strict).label).toBe('cgnat');
  });

  it('uses the probe tag system-ipv4-rfc1918 when src_addr is missing', () => {
    const probe: ProbeInfo = { id: 1, addressV4: FROM, asnV4: 3320, tags: ['system-ipv4-rfc1918'], at: { file: 'p', index: 0 } };
    const result = tr({ from: FROM, hops: [FROM, P1] });
    expect(classifyTraceroute(result).reason).toBe('no-source-address');
    const v = classifyTraceroute(result, { probe });
    expect(v).toMatchObject({ label: 'not-cgnat', reason: 'home-router-holds-public-address' });
    expect(v.detail).toContain('system-ipv4-rfc1918');
  });

  it('names the deciding hops in the detail', () => {
    const v = classifyTraceroute(tr({ from: FROM, src: SRC, hops: [HOME, '*', '100.64.0.1', P1] }));
    expect(v.detail).toBe(`hop 3 100.64.0.1 before first public hop 4 ${P1}`);
    expect(v.firstPublicHop).toBe(4);
  });

  it.each<[string, string | undefined, 4 | 6]>([
    ['no from', undefined, 4],
    ['empty from', '', 4],
    ['private from', '10.0.0.1', 4],
    ['shared from', '100.64.0.1', 4],
    ['IPv6 from on an IPv4 result', '2a02:d28:667:1::2', 4],
    ['garbage from', 'example.net', 4],
  ])('a record with %s has no usable address', (_name, from, af) => {
    const v = classifyTraceroute(tr({ from, src: SRC, hops: [HOME, P1], af }));
    expect(v).toMatchObject({ address: undefined, label: 'unknown', reason: 'no-public-address' });
  });

  it('a measurement-level error gives unknown', () => {
    const r = { ...tr({ from: FROM, src: SRC, hops: [] }), error: 'name resolution failed' };
    expect(classifyTraceroute(r)).toMatchObject({ label: 'unknown', reason: 'measurement-error', detail: 'name resolution failed' });
  });
});

describe('hop rules (IPv6)', () => {
  const V6 = '2001:67c:2e8:13::1';
  it.each<[string, string, string | undefined, string, string]>([
    ['source = from', V6, V6, 'not-cgnat', 'ipv6-no-translation'],
    ['source = from, other notation', V6, '2001:067c:02e8:0013:0:0:0:1', 'not-cgnat', 'ipv6-no-translation'],
    ['unique-local source (NPTv6 / NAT66)', V6, 'fd00::1234', 'unknown', 'ipv6-translated'],
    ['different global source', V6, '2001:67c:2e8:13::2', 'unknown', 'ipv6-translated'],
    ['no source', V6, undefined, 'unknown', 'no-source-address'],
  ])('%s → %s', (_name, from, src, label, reason) => {
    const v = classifyTraceroute(tr({ af: 6, from, src, hops: ['fe80::1', '2001:7f8::1'] }));
    expect({ label: v.label, reason: v.reason, address: v.address }).toEqual({ label, reason, address: V6 });
  });
});

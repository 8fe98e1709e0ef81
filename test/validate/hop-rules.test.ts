import { describe, expect, it } from 'vitest';
import { classifyTraceroute, REASON_LABEL, type ProbeInfo } from '../../src/validate/index.ts';
import { tr, type HopSpec } from './helpers.ts';

const FROM = '81.2.69.160'; // the probe's public address in these cases
const SRC = '192.168.1.10';
const HOME = '192.168.1.1';
const OWN = '81.2.69.1'; // a router in the probe's own /24
const P1 = '81.2.70.1'; // public, outside the probe's /24
const P2 = '81.2.71.9';

type Case = [name: string, src: string | undefined, hops: (HopSpec | null)[], label: string, reason: string];

describe('hop rules (IPv4, crafted traceroutes)', () => {
  it.each<Case>([
    ['home router then public', SRC, [HOME, P1, P2], 'not-cgnat', 'straight-to-public'],
    ['100.64/10 right after the home router', SRC, [HOME, '100.64.0.1', P1], 'cgnat', 'shared-hop-before-public'],
    ['100.64/10 after a silent hop', SRC, [HOME, '*', '100.127.255.254', P1], 'cgnat', 'shared-hop-before-public'],
    ['home router answers from its 100.64/10 WAN address', SRC, ['100.65.3.1', P1], 'cgnat', 'shared-hop-before-public'],
    [
      '100.64/10 in a load-balanced hop with a private one',
      SRC,
      [HOME, ['10.0.0.1', '100.64.9.9'], P1],
      'cgnat',
      'shared-hop-before-public',
    ],
    ['100.64/10 answering with ICMP unreachable', SRC, [HOME, { from: '100.64.0.1', err: 'N' }, P1], 'cgnat', 'shared-hop-before-public'],
    [
      'RFC 1918 hop after the home router, then public elsewhere (rule 5, strict)',
      SRC,
      [HOME, '10.10.0.1', P1],
      'unknown',
      'private-hop-after-home-router',
    ],
    ['RFC 1918 hops then a silent hop', SRC, [HOME, '172.16.0.3', '*', P1], 'unknown', 'private-hop-after-home-router'],
    ['silent hop then RFC 1918 hop', SRC, [HOME, '*', '10.0.254.62', P1], 'unknown', 'private-hop-after-home-router'],
    // Rule 4: private hops, every one answering, then the probe's own /24.
    ['home router then its own /24', SRC, [HOME, OWN, P1], 'not-cgnat', 'nat-at-customer-edge'],
    ['double NAT then the own /24', SRC, ['10.1.1.1', '192.168.0.1', OWN, P1], 'not-cgnat', 'nat-at-customer-edge'],
    ['a silent hop before the own /24 leaves it open', SRC, [HOME, '*', OWN], 'unknown', 'silent-hop-before-public'],
    [
      '100.64/10 before the own /24 is still carrier NAT (rule 2 first)',
      SRC,
      [HOME, '100.64.0.1', OWN],
      'cgnat',
      'shared-hop-before-public',
    ],
    // Rule 3: 100.64/10 only after a public hop.
    ['100.64/10 after the own /24', SRC, [HOME, OWN, '100.123.249.2', P2], 'not-cgnat', 'nat-at-customer-edge'],
    ['100.64/10 deep in the core (after public hops)', SRC, [HOME, P1, '100.64.5.5', P2], 'not-cgnat', 'straight-to-public'],
    ['RFC 1918 deep in the core', SRC, [HOME, P1, '10.1.1.1', P2], 'not-cgnat', 'straight-to-public'],
    ['silent hop between home router and public', SRC, [HOME, '*', P1], 'unknown', 'silent-hop-before-public'],
    ['hop error counts as silent', SRC, [HOME, { error: 'sendto failed' }, P1], 'unknown', 'silent-hop-before-public'],
    ['hop number absent counts as silent', SRC, [HOME, null, P1], 'unknown', 'silent-hop-before-public'],
    ['first hop silent, then private', SRC, ['*', HOME, P1], 'unknown', 'first-hop-silent'],
    ['first answer already public', SRC, [P1, P2], 'unknown', 'nat-not-visible'],
    ['home router answers with the public address', SRC, [FROM, P1], 'not-cgnat', 'home-router-holds-public-address'],
    ['public address after a silent first hop', SRC, ['*', FROM, P1], 'unknown', 'silent-hop-before-public'],
    [
      'public address after two private hops (NAT at the customer edge)',
      SRC,
      [HOME, '10.9.9.9', FROM, P1],
      'not-cgnat',
      'nat-at-customer-edge',
    ],
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

  it('the broad reading (an explicit option) turns rule 5 into cgnat; 100.64/10 is cgnat either way', () => {
    const broad = { privateCarrierHops: 'cgnat' as const };
    expect(classifyTraceroute(tr({ from: FROM, src: SRC, hops: [HOME, '10.10.0.1', P1] }), broad)).toMatchObject({
      label: 'cgnat',
      reason: 'private-hop-after-home-router',
    });
    expect(classifyTraceroute(tr({ from: FROM, src: SRC, hops: [HOME, '10.10.0.1', P1] }), broad).detail).toContain('broad reading');
    // the own /24 still wins over the broad reading: the NAT is the customer's
    expect(classifyTraceroute(tr({ from: FROM, src: SRC, hops: [HOME, '10.10.0.1', OWN] }), broad).label).toBe('not-cgnat');
    expect(classifyTraceroute(tr({ from: FROM, src: SRC, hops: [HOME, '100.64.0.1', P1] })).label).toBe('cgnat');
  });

  // The two paths the issue quotes from an anchoring measurement (hops as written there; the dump itself is
  // not in the repository's fixtures).
  it.each<[string, string, string[], string, string]>([
    // first public hop 85.187.221.1 is not in 151.237.6.0/24: two private hops then public elsewhere → rule 5
    [
      'double NAT, public elsewhere',
      '151.237.6.235',
      ['10.1.1.1', '192.168.0.1', '85.187.221.1'],
      'unknown',
      'private-hop-after-home-router',
    ],
    // the same path for a probe whose public address is in 85.187.221.0/24 → rule 4
    ['double NAT, own /24', '85.187.221.77', ['10.1.1.1', '192.168.0.1', '85.187.221.1'], 'not-cgnat', 'nat-at-customer-edge'],
    // 192.136.136.193 is in the probe's /24; the 100.64/10 hop comes after public space → rules 4 and 3
    [
      'own /24, 100.64/10 deep inside',
      '192.136.136.246',
      ['10.1.127.241', '192.136.136.193', '4.69.1.1', '100.123.249.2', '4.69.2.2'],
      'not-cgnat',
      'nat-at-customer-edge',
    ],
  ])("the issue's example: %s → %s", (_name, from, hops, label, reason) => {
    expect(classifyTraceroute(tr({ from, src: '192.168.0.10', hops }))).toMatchObject({ label, reason });
  });

  it('names 100.64/10 after the first public hop as carrier infrastructure', () => {
    const v = classifyTraceroute(tr({ from: FROM, src: SRC, hops: [HOME, P1, '100.64.5.5', P2] }));
    expect(v.detail).toContain('hop 3 100.64.5.5 after the first public hop is carrier infrastructure');
  });

  it.each<[string, string | undefined, (HopSpec | null)[], string[], string, string]>([
    // rule 1 and the system tag: a probe tagged RFC 1918 that reports a public source contradicts it
    ['public source, no RFC 1918 tag', FROM, [P1], ['home'], 'agrees', 'not tagged system-ipv4-rfc1918'],
    ['public source, tagged RFC 1918', FROM, [P1], ['system-ipv4-rfc1918'], 'contradicts', 'tagged system-ipv4-rfc1918'],
    ['behind NAT, tagged RFC 1918', SRC, [HOME, '100.64.0.1', P1], ['system-ipv4-rfc1918'], 'agrees', 'tagged system-ipv4-rfc1918'],
    [
      'cgnat but the host says no-nat',
      SRC,
      [HOME, '100.64.0.1', P1],
      ['system-ipv4-rfc1918', 'no-nat'],
      'contradicts',
      'host tagged no-nat',
    ],
    ['unknown labels are not checked', SRC, [HOME, '*', P1], ['system-ipv4-rfc1918'], 'none', ''],
  ])('probe metadata as corroboration: %s → %s', (_name, src, hops, tags, verdict, note) => {
    const probe: ProbeInfo = { id: 1, addressV4: FROM, asnV4: 3320, tags, at: { file: 'p', index: 0 } };
    const v = classifyTraceroute(tr({ from: FROM, src, hops }), { probe });
    expect(v.metadata.verdict).toBe(verdict);
    if (note) expect(v.metadata.notes).toContain(note);
  });

  it('metadata of another time (address_v4 ≠ from) corroborates nothing', () => {
    const probe: ProbeInfo = { id: 1, addressV4: '81.2.99.9', asnV4: 3320, tags: ['system-ipv4-rfc1918'], at: { file: 'p', index: 0 } };
    expect(classifyTraceroute(tr({ from: FROM, src: FROM, hops: [P1] }), { probe }).metadata.verdict).toBe('none');
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

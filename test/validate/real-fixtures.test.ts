import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { buildGroundTruth, type TextInput } from '../../src/validate/index.ts';

const dir = fileURLToPath(new URL('../fixtures/ripe-atlas/', import.meta.url));
const sagan: TextInput = { file: 'sagan.jsonl', text: readFileSync(`${dir}sagan/traceroutes.jsonl`, 'utf8') };
const pierky: TextInput = { file: '1033154.json', text: gunzipSync(readFileSync(`${dir}pierky/1033154.json.gz`)).toString('utf8') };
const pierky2: TextInput = { file: '3082698.json', text: readFileSync(`${dir}pierky/3082698.json`, 'utf8') };

describe('real RIPE Atlas results (ripe-atlas-sagan test data, 19 results a line)', () => {
  const gt = buildGroundTruth({ traceroutes: [sagan] });
  const byLine = (line: number) => gt.verdicts.find((v) => v.result.at.line === line)!;

  it('reads every record across firmware 4460–4720, IPv4 and IPv6', () => {
    expect(gt.errors).toEqual([]);
    expect(gt.results).toHaveLength(19);
    expect(gt.results.filter((r) => r.af === 6)).toHaveLength(6);
  });

  it('sets aside the three IPv6 results whose from is empty', () => {
    expect(gt.unusable.map((v) => v.result.at.line)).toEqual([12, 13, 14]);
  });

  it.each<[line: number, address: string, label: string, reason: string]>([
    // 192.168.1.1, then only timeouts up to hop 255: the path never leaves private space.
    [1, '107.3.81.49', 'unknown', 'no-public-hop'],
    // Same probe later: 192.168.11.1 then Comcast's 96.120.64.225.
    [6, '24.61.47.146', 'not-cgnat', 'straight-to-public'],
    // Hurricane Electric probe with its public address as src_addr.
    [2, '216.66.30.82', 'not-cgnat', 'probe-has-public-address'],
    [11, '75.75.127.227', 'not-cgnat', 'straight-to-public'],
    // Public src_addr; the RFC 1918 hop 2 (192.168.14.253) is the provider's numbering, not NAT.
    [19, '185.60.176.3', 'not-cgnat', 'probe-has-public-address'],
    [15, '2601:6:7980:584:6666:b3ff:feb0:f3b8', 'not-cgnat', 'ipv6-no-translation'],
    [16, '2a02:d28:667:1::2', 'not-cgnat', 'ipv6-no-translation'],
    [18, '2001:6c8:3f00:abe:280:a3ff:fe91:4252', 'not-cgnat', 'ipv6-no-translation'],
  ])('line %i: %s → %s (%s)', (line, address, label, reason) => {
    expect(byLine(line)).toMatchObject({ address, label, reason });
  });

  it('combines the five traceroutes of probe 426 into one label', () => {
    const l = gt.labels.find((x) => x.address === '216.66.30.82')!;
    expect(l).toMatchObject({ label: 'not-cgnat', probes: [426] });
    expect(l.verdicts).toHaveLength(5);
  });
});

describe('real RIPE Atlas results with probe metadata (pierky/ripe-atlas-monitor test data)', () => {
  const gt = buildGroundTruth({ traceroutes: [pierky, pierky2] });
  const of = (prb: number) => gt.verdicts.find((v) => v.result.prbId === prb)!;

  it('reads the 95 results and the probe objects embedded in the dumps', () => {
    expect(gt.errors).toEqual([]);
    expect(gt.results).toHaveLength(95);
    expect(gt.probes.size).toBe(95);
    expect(gt.probes.get(2060)).toMatchObject({
      addressV4: '109.231.194.13',
      asnV4: 25180,
      tags: expect.arrayContaining(['office', 'no-nat']),
    });
  });

  // An independent reading of every IPv4 result behind NAT (private src_addr, or none) in the two dumps,
  // worked out by hand from the hops (first hops, then the first public hop, compared with `from`'s /24):
  //   edge      = private hops, all answering, then a first public hop in the probe's own /24 (rule 4)
  //   straight  = one private hop (the home router), then public space elsewhere (home router holds it)
  //   rule 5    = more private hops after the home router, then public space elsewhere: unknown (strict)
  // prb    from               hops before (and at) the first public hop                      expected
  it.each<[prb: number, hops: string, label: string, reason: string]>([
    [2866, '192.168.1.1 → 31.211.220.129 (from 31.211.220.146: own /24)', 'not-cgnat', 'nat-at-customer-edge'],
    [3157, '10.0.5.1 → 141.64.156.1 (from 141.64.156.10: own /24)', 'not-cgnat', 'nat-at-customer-edge'],
    [11815, '192.168.2.1 → 178.10.176.1|88.79.10.221 (from 178.10.176.140: first reply own /24)', 'not-cgnat', 'nat-at-customer-edge'],
    [4553, '172.20.7.1 → 77.75.103.161 (from 77.75.103.162)', 'not-cgnat', 'nat-at-customer-edge'],
    [11458, '192.168.1.1 → 94.26.128.65 (from 94.26.128.110)', 'not-cgnat', 'nat-at-customer-edge'],
    [4844, '192.168.10.254 → 10.254.201.1 → 83.137.40.81 (from 83.137.40.82): double NAT, was cgnat', 'not-cgnat', 'nat-at-customer-edge'],
    [2864, '10.111.0.199 → 91.139.255.1 (from 91.139.255.3)', 'not-cgnat', 'nat-at-customer-edge'],
    [4484, '192.168.1.1 → 212.64.45.1 (from 212.64.45.129)', 'not-cgnat', 'nat-at-customer-edge'],
    [11821, '192.168.1.1 → 91.214.72.25 (from 91.214.72.26)', 'not-cgnat', 'nat-at-customer-edge'],
    [24535, '192.168.1.1 → 185.57.232.2 (from 185.57.232.8)', 'not-cgnat', 'nat-at-customer-edge'],
    [12081, '192.168.0.251 → 188.142.52.1 (from 77.175.8.108)', 'not-cgnat', 'straight-to-public'],
    [11106, '192.168.178.1 → 83.169.169.198 (from 188.195.215.126)', 'not-cgnat', 'straight-to-public'],
    [4746, '192.168.10.1 → 5.39.198.29 (from 195.140.237.1)', 'not-cgnat', 'straight-to-public'],
    [10935, '192.168.10.1 → 5.39.198.29 (from 195.140.237.1, as 4746)', 'not-cgnat', 'straight-to-public'],
    [12482, '192.168.1.254 → 217.32.147.0 (from 86.178.178.227)', 'not-cgnat', 'straight-to-public'],
    [4135, '192.168.2.1 → 92.77.96.1 (from 92.77.107.128: another /24)', 'not-cgnat', 'straight-to-public'],
    [12189, '192.168.1.1 → 188.142.52.1 (from 188.142.122.174)', 'not-cgnat', 'straight-to-public'],
    [3319, '10.110.1.2 → 193.75.91.2 (from 193.75.92.35: another /24)', 'not-cgnat', 'straight-to-public'],
    [2144, '192.168.30.1 → 84.57.192.1 (from 88.64.182.142)', 'not-cgnat', 'straight-to-public'],
    [12266, '192.168.178.1 → 84.196.112.1 (from 84.196.120.85: another /24)', 'not-cgnat', 'straight-to-public'],
    [2523, '192.168.0.1 → 10.254.137.1|213.51.149.177 (a public reply makes hop 2 public)', 'not-cgnat', 'straight-to-public'],
    [10098, '192.168.0.1 → 151.231.96.2 (from 151.229.248.58)', 'not-cgnat', 'straight-to-public'],
    [10928, '10.0.27.1 → 80.75.119.177 (from 80.75.122.165: another /24)', 'not-cgnat', 'straight-to-public'],
    [11318, '192.168.12.3 → 95.167.130.109 (from 194.85.198.19)', 'not-cgnat', 'straight-to-public'],
    [10012, '192.168.4.33 → 194.109.5.227 (from 82.95.207.51)', 'not-cgnat', 'straight-to-public'],
    [11194, '10.0.0.1 → 217.0.117.173 (from 84.171.80.18)', 'not-cgnat', 'straight-to-public'],
    [10015, '192.168.178.1 → 194.109.5.175 (from 80.101.238.41)', 'not-cgnat', 'straight-to-public'],
    [4821, '192.168.1.1 → 89.252.2.1 (from 89.252.53.172)', 'not-cgnat', 'straight-to-public'],
    [12120, '10.15.0.1 → 192.167.209.1 (from 192.167.213.94: another /24)', 'not-cgnat', 'straight-to-public'],
    [
      10890,
      "hop 1 answers 77.249.189.38 = from; the 10.15.151.1 after it is the carrier's numbering",
      'not-cgnat',
      'home-router-holds-public-address',
    ],
    [4401, '10.0.4.1 → 10.220.48.1 → 95.157.61.97 (from 46.128.148.30)', 'unknown', 'private-hop-after-home-router'],
    [10611, '192.168.1.1 → 10.0.0.138 → * → 213.75.1.9 (from 86.80.5.7)', 'unknown', 'private-hop-after-home-router'],
    [2736, '192.168.178.1 → 10.196.64.1 → 81.210.130.181 (from 178.200.36.183)', 'unknown', 'private-hop-after-home-router'],
    [
      10904,
      '172.16.1.1 → 10.192.116.1 → 192.168.254.133 → 188.134.127.1 (from 188.134.17.222: another /24)',
      'unknown',
      'private-hop-after-home-router',
    ],
    [10037, '192.168.1.1 → 10.15.175.129 → 212.142.61.185 (from 89.98.231.227)', 'unknown', 'private-hop-after-home-router'],
    [10888, '192.168.0.1 → 10.15.30.1 → 212.142.56.133 (from 80.57.148.217)', 'unknown', 'private-hop-after-home-router'],
    [12175, '192.168.2.1 → 10.0.118.1 → 88.212.4.21 (from 88.212.40.17: another /24)', 'unknown', 'private-hop-after-home-router'],
    [11476, '192.168.19.9 → 192.168.68.27 → 84.204.238.13 (from 84.204.53.159)', 'unknown', 'private-hop-after-home-router'],
    [832, '192.168.61.251 → 172.16.0.3 → 10.0.254.62 → 195.32.69.253 (from 195.32.94.187)', 'unknown', 'private-hop-after-home-router'],
    [10886, '192.168.100.1 → * → 83.139.121.205', 'unknown', 'silent-hop-before-public'],
    [11168, '192.168.2.1 → * → 212.248.197.137', 'unknown', 'silent-hop-before-public'],
    [10029, '192.168.1.1 → * → 217.168.52.157', 'unknown', 'silent-hop-before-public'],
    [11905, '10.1.1.1 → * → 83.169.177.142', 'unknown', 'silent-hop-before-public'],
    [12666, 'src 192.168.0.2 but hop 1 is already 93.72.80.1 (no private hop: rule 4 needs one)', 'unknown', 'nat-not-visible'],
    [11675, 'every hop answers as the destination (a middlebox)', 'unknown', 'nat-not-visible'],
    [11132, '192.168.1.1 → * … → 192.168.1.1: never public', 'unknown', 'no-public-hop'],
    [3999, '10.11.68.1 → * …: never public', 'unknown', 'no-public-hop'],
    [4203, '* * * …', 'unknown', 'no-responding-hop'],
    [3564, 'name resolution failed', 'unknown', 'measurement-error'],
    [11684, 'old firmware, no src_addr, hop 1 bind error, no tag saying NAT', 'unknown', 'no-source-address'],
    [11208, 'no src_addr, tagged system-ipv4-rfc1918, hop 1 bind error', 'unknown', 'no-responding-hop'],
  ])('probe %i: %s → %s (%s)', (prb, _hops, label, reason) => {
    expect(of(prb)).toMatchObject({ label, reason });
  });

  // src_addr = from, public (rule 1), read off the dumps: 29 probes of msm 1033154 and 4 of msm 3082698.
  const holdsPublic = [
    11308, 3161, 10070, 3082, 4777, 11877, 11125, 4557, 4916, 10233, 4532, 12211, 2060, 2748, 11148, 11473, 10644, 4015, 10622, 11206,
    12291, 4780, 2288, 2178, 4618, 11719, 11587, 10735, 3919, 713, 738, 12527, 24503,
  ];
  it('labels every probe holding its public address not-cgnat (rule 1), whatever its path', () => {
    const rule1 = gt.verdicts.filter((v) => v.reason === 'probe-has-public-address').map((v) => v.result.prbId);
    expect(rule1.sort((a, b) => a - b)).toEqual([...holdsPublic].sort((a, b) => a - b));
    expect(gt.verdicts.filter((v) => holdsPublic.includes(v.result.prbId)).every((v) => v.label === 'not-cgnat')).toBe(true);
  });

  it('uses the probe metadata as corroboration only', () => {
    // Checked only where address_v4 is absent or equals from (24 of the 33 rule-1 probes, 11 of the NAT
    // ones). Probe 4916 reports src_addr = from = 147.251.21.220 but carries system-ipv4-rfc1918: the one
    // contradiction. The 11 NAT-based labels with usable metadata (2866, 3157, 11821, 24535, 10935, 3319,
    // 11318, 10012, 10015, 4821, 12120) all carry the tag. Unchecked: 9 rule-1 probes and the other 19 of
    // the 30 definite NAT-based labels above (10 edge + 19 straight + 1 home router).
    expect(gt.verdicts.filter((v) => v.metadata.verdict === 'contradicts').map((v) => v.result.prbId)).toEqual([4916]);
    expect(gt.metadataChecks).toEqual({ agrees: 23 + 11, contradicts: 1, none: 9 + 19 });
  });

  it('uses the embedded probe tag when src_addr is missing', () => {
    expect(of(11208).detail).toContain('system-ipv4-rfc1918');
  });

  it('two probes behind one public address give one label naming both', () => {
    expect(gt.labels.find((l) => l.address === '195.140.237.1')).toMatchObject({ label: 'not-cgnat', probes: [4746, 10935] });
  });

  it('by default labels nothing cgnat here: no 100.64/10 hop in this 2013/2015 data', () => {
    expect(gt.reading).toBe('strict');
    expect(gt.labels.filter((l) => l.label === 'cgnat')).toEqual([]);
  });

  it('the broad reading (explicit) turns the nine rule-5 probes into cgnat, none tagged no-nat by its host', () => {
    const broad = buildGroundTruth({ traceroutes: [pierky, pierky2], privateCarrierHops: 'cgnat' });
    expect(broad.reading).toBe('broad');
    const cg = broad.verdicts.filter((v) => v.label === 'cgnat').map((v) => v.result.prbId);
    expect(cg.sort((a, b) => a - b)).toEqual([832, 2736, 4401, 10037, 10611, 10888, 10904, 11476, 12175]);
    for (const id of cg) expect(broad.probes.get(id)?.tags).not.toContain('no-nat');
  });
});

describe('probe metadata on the real fixtures', () => {
  const gt = buildGroundTruth({ traceroutes: [pierky, pierky2] });
  it('gives each label its probes’ ASNs', () => {
    expect(gt.labels.find((l) => l.address === '77.249.189.38')?.asns).toEqual([6830]);
  });
  it('counts probes whose metadata address differs from their results (metadata fetched in 2016, results of 2013/2015)', () => {
    expect(gt.addressMismatches).toContain(10890); // address_v4 31.151.27.32, from 77.249.189.38
    expect(gt.addressMismatches).not.toContain(2060); // 109.231.194.13 both
  });
});

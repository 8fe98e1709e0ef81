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
    expect(gt.probes.get(2060)).toMatchObject({ addressV4: '109.231.194.13', asnV4: 25180, tags: expect.arrayContaining(['office', 'no-nat']) });
  });

  it.each<[prb: number, label: string, reason: string]>([
    [4401, 'cgnat', 'private-hop-after-home-router'], // 10.0.4.1 → 10.220.48.1 → 95.157.61.97
    [832, 'cgnat', 'private-hop-after-home-router'], // 192.168.61.251 → 172.16.0.3 → 10.0.254.62 → public
    [10890, 'not-cgnat', 'home-router-holds-public-address'], // hop 1 answers 77.249.189.38 = from; the 10.15.151.1 after it is the carrier's numbering
    [2866, 'not-cgnat', 'straight-to-public'], // 192.168.1.1 → 31.211.220.129
    [2523, 'not-cgnat', 'straight-to-public'], // hop 2 load-balanced between 213.51.149.177 and 10.254.137.1: public wins
    [3161, 'not-cgnat', 'probe-has-public-address'],
    [10029, 'unknown', 'silent-hop-before-public'], // 192.168.1.1 → * → 217.168.52.157
    [12666, 'unknown', 'nat-not-visible'], // src 192.168.0.2 but hop 1 is already 93.72.80.1
    [11675, 'unknown', 'nat-not-visible'], // every hop answers as the destination (a middlebox)
    [3999, 'unknown', 'no-public-hop'],
    [4203, 'unknown', 'no-responding-hop'],
    [3564, 'unknown', 'measurement-error'], // name resolution failed
    [11684, 'unknown', 'no-source-address'], // old firmware, no src_addr, no tag saying NAT
    [11208, 'unknown', 'no-responding-hop'], // no src_addr, tagged system-ipv4-rfc1918, nothing answers
  ])('probe %i → %s (%s)', (prb, label, reason) => {
    expect(of(prb)).toMatchObject({ label, reason });
  });

  it('uses the embedded probe tag when src_addr is missing', () => {
    expect(of(11208).detail).toContain('system-ipv4-rfc1918');
  });

  it('two probes behind one public address give one label naming both', () => {
    expect(gt.labels.find((l) => l.address === '195.140.237.1')).toMatchObject({ label: 'not-cgnat', probes: [4746, 10935] });
  });

  it('never calls a probe its owner tagged no-nat carrier-NATed', () => {
    const cg = gt.verdicts.filter((v) => v.label === 'cgnat');
    expect(cg.length).toBeGreaterThan(0);
    for (const v of cg) expect(gt.probes.get(v.result.prbId)?.tags).not.toContain('no-nat');
  });

  it('the strict option leaves no carrier-NAT label in this 2013/2015 data (no 100.64/10 hop in it)', () => {
    const strict = buildGroundTruth({ traceroutes: [pierky, pierky2], privateCarrierHops: 'unknown' });
    expect(strict.labels.filter((l) => l.label === 'cgnat')).toEqual([]);
    expect(gt.labels.filter((l) => l.label === 'cgnat')).toHaveLength(10);
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

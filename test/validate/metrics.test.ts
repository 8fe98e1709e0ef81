import { describe, expect, it } from 'vitest';
import type { MultiUserClassifier, MultiUserKind } from '../../src/table/types.ts';
import { classifyTraceroute, combineVerdicts, evaluateList, score, type AddressLabel } from '../../src/validate/index.ts';
import { tr } from './helpers.ts';

// Exact-address answers stand in for a table here: these tests are about the counting, not the matching
// (the CLI tests use the real table).
function exact(entries: Record<string, MultiUserKind>): MultiUserClassifier {
  return { lookup: (ip) => (entries[ip] ? { prefix: `${ip}/32`, kind: entries[ip]!, users: undefined } : undefined) };
}

const SHARED = ['192.168.1.1', '100.64.0.1', '81.2.69.1'];
const DIRECT = ['192.168.1.1', '81.2.69.1'];
const SILENT = ['192.168.1.1', '*', '81.2.69.1'];
function labels(spec: [address: string, hops: string[]][]): AddressLabel[] {
  return combineVerdicts(spec.map(([from, hops], i) => classifyTraceroute(tr({ from, src: '192.168.1.10', hops, prb: i + 1 })))).labels;
}

describe('score', () => {
  it.each([
    [{ tp: 8, fp: 2, fn: 2, tn: 30 }, 0.8, 0.8, 0.8],
    [{ tp: 1, fp: 0, fn: 1, tn: 0 }, 1, 0.5, 2 / 3],
    [{ tp: 0, fp: 0, fn: 3, tn: 1 }, undefined, 0, undefined],
    [{ tp: 0, fp: 2, fn: 0, tn: 1 }, 0, undefined, undefined],
    [{ tp: 0, fp: 1, fn: 1, tn: 1 }, 0, 0, undefined],
  ])('%o → precision %s recall %s F1 %s', (c, precision, recall, f1) => {
    const s = score(c);
    expect(s.precision).toBe(precision);
    expect(s.recall).toBe(recall);
    if (f1 === undefined) expect(s.f1).toBeUndefined();
    else expect(s.f1).toBeCloseTo(f1, 12);
  });
});

describe('evaluateList on a small crafted list', () => {
  // Truth:  .10 cgnat, .11 cgnat, .12 not-cgnat (same /24 as .10 and .11: a mixed block),
  //         81.2.70.5 cgnat, 81.2.71.5 not-cgnat, 81.2.72.5 not-cgnat, 81.2.73.5 unknown.
  const truth = labels([
    ['81.2.69.10', SHARED],
    ['81.2.69.11', SHARED],
    ['81.2.69.12', DIRECT],
    ['81.2.70.5', SHARED],
    ['81.2.71.5', DIRECT],
    ['81.2.72.5', DIRECT],
    ['81.2.73.5', SILENT],
  ]);
  // List:   .10 cgnat (TP), .11 absent (FN), .12 cgnat (FP), 81.2.70.5 vpn (FN unless vpn is positive),
  //         81.2.71.5 cgnat (FP), 81.2.72.5 absent (TN), 81.2.73.5 cgnat (unknown: not scored).
  const list = exact({ '81.2.69.10': 'cgnat', '81.2.69.12': 'cgnat', '81.2.70.5': 'vpn', '81.2.71.5': 'cgnat', '81.2.73.5': 'cgnat' });

  it('counts by address', () => {
    const m = evaluateList(truth, list);
    expect(m.labelCounts).toEqual({ cgnat: 3, 'not-cgnat': 3, unknown: 1 });
    expect(m.byAddress).toMatchObject({ tp: 1, fp: 2, fn: 2, tn: 1 });
    expect(m.byAddress.precision).toBeCloseTo(1 / 3, 12);
    expect(m.byAddress.recall).toBeCloseTo(1 / 3, 12);
    expect(m.byAddress.f1).toBeCloseTo(1 / 3, 12);
  });

  it('counts by /24, leaving out the block whose labels disagree', () => {
    const m = evaluateList(truth, list);
    expect(m.byBlock.conflicting).toEqual(['81.2.69.0/24']);
    // 81.2.70.0/24 cgnat not listed (FN), 81.2.71.0/24 not-cgnat listed (FP), 81.2.72.0/24 TN.
    expect(m.byBlock).toMatchObject({ tp: 0, fp: 1, fn: 1, tn: 1 });
    expect(m.byBlock.precision).toBe(0);
  });

  it('the truth × kind matrix counts every label, unknown included', () => {
    const m = evaluateList(truth, list);
    expect(m.kindMatrix).toEqual({
      cgnat: { cgnat: 1, 'not listed': 1, vpn: 1 },
      'not-cgnat': { cgnat: 2, 'not listed': 1 },
      unknown: { cgnat: 1 },
    });
  });

  it('lists each disagreement with both sides, false positives first', () => {
    const m = evaluateList(truth, list);
    expect(m.disagreements.map((d) => [d.address, d.truth, d.listed])).toEqual([
      ['81.2.69.12', 'not-cgnat', true],
      ['81.2.71.5', 'not-cgnat', true],
      ['81.2.69.11', 'cgnat', false],
      ['81.2.70.5', 'cgnat', false],
    ]);
    expect(m.disagreements[0]!.why).toBe(
      // 81.2.69.1 lies in the probe's own /24: NAT at the customer edge (rule 4)
      "false positive; list: 81.2.69.12/32 cgnat; traceroutes: nat-at-customer-edge — 192.168.1.1, then first public hop 2 81.2.69.1 in the probe's own /24; prb 3 msm 5001 at crafted[0]; 1 of 1 traceroute",
    );
    expect(m.disagreements[2]!.why).toMatch(/^false negative; list: no prefix covers it; traceroutes: shared-hop-before-public/);
    expect(m.disagreements[3]!.why).toMatch(/^false negative; list: 81\.2\.70\.5\/32 vpn \(not a positive kind: cgnat\)/);
  });

  it('positiveKinds widens what counts as listed', () => {
    const m = evaluateList(truth, list, { positiveKinds: ['cgnat', 'vpn'] });
    expect(m.byAddress).toMatchObject({ tp: 2, fp: 2, fn: 1, tn: 1 });
    expect(m.byBlock).toMatchObject({ tp: 1, fp: 1, fn: 0, tn: 1 });
  });

  it('rejects an empty positiveKinds', () => {
    expect(() => evaluateList(truth, list, { positiveKinds: [] })).toThrow(TypeError);
  });

  it('IPv6 addresses are grouped by /48', () => {
    const v6 = combineVerdicts(
      ['2001:67c:2e8:1::1', '2001:67c:2e8:2::1', '2001:67c:2e9::1'].map((a) =>
        classifyTraceroute(tr({ af: 6, from: a, src: a, hops: [] })),
      ),
    ).labels;
    const m = evaluateList(v6, exact({ '2001:67c:2e8:1::1': 'cgnat' }));
    expect(m.byAddress).toMatchObject({ tp: 0, fp: 1, fn: 0, tn: 2 });
    expect(m.byBlock).toMatchObject({ tp: 0, fp: 1, fn: 0, tn: 1 });
  });
});

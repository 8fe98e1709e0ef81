import { describe, expect, it } from 'vitest';
import {
  buildGroundTruth,
  classifyTraceroute,
  combineVerdicts,
  labelsToCsv,
  renderHtmlReport,
  renderTextReport,
} from '../../src/validate/index.ts';
import { rawTraceroute, tr } from './helpers.ts';

const A = '81.2.69.160';
const B = '81.2.69.161';
const cg = (from: string, prb = 1) =>
  classifyTraceroute(tr({ from, prb, src: '192.168.1.10', hops: ['192.168.1.1', '100.64.0.1', '81.2.69.1'] }));
// 81.2.70.1 lies outside the probes' /24s (81.2.69.0/24): straight to public elsewhere, tier 3.
const not = (from: string, prb = 1) => classifyTraceroute(tr({ from, prb, src: '192.168.1.10', hops: ['192.168.1.1', '81.2.70.1'] }));
// the probe holds its public address: tier 1
const own = (from: string, prb = 1) => classifyTraceroute(tr({ from, prb, src: from, hops: ['81.2.70.1'] }));
// the shared-space source: tier 1 on the other side
const inShared = (from: string, prb = 1) => classifyTraceroute(tr({ from, prb, src: '100.64.7.7', hops: ['100.64.0.1', '81.2.70.1'] }));
const unk = (from: string, prb = 1) => classifyTraceroute(tr({ from, prb, src: '192.168.1.10', hops: ['192.168.1.1', '*', '81.2.69.1'] }));

describe('combineVerdicts', () => {
  it('agreeing traceroutes give the label', () => {
    const { labels } = combineVerdicts([cg(A, 1), cg(A, 2)]);
    expect(labels).toHaveLength(1);
    expect(labels[0]).toMatchObject({ address: A, label: 'cgnat', reason: 'shared-hop-before-public', probes: [1, 2] });
    expect(labels[0]!.detail).toBe(
      'hop 2 100.64.0.1 before first public hop 3 81.2.69.1; prb 1 msm 5001 at crafted[0]; 2 of 2 traceroutes',
    );
  });

  it('unknown traceroutes do not contradict a definite one, but are mentioned', () => {
    const { labels } = combineVerdicts([unk(A), not(A), unk(A)]);
    expect(labels[0]).toMatchObject({ label: 'not-cgnat', reason: 'straight-to-public' });
    expect(labels[0]!.detail).toMatch(
      /; 1 of 3 traceroutes; ignored unknown: silent-hop-before-public ×2 \(home router hop 1 192\.168\.1\.1, 1 silent hop\(s\) before first public hop 3 81\.2\.69\.1; prb 1 msm 5001 at crafted\[0\]\)$/,
    );
  });

  it('disagreeing traceroutes: the stronger evidence decides, and the disagreement is kept', () => {
    // a 100.64/10 hop before public space (tier 2) overrules "straight to public elsewhere" (tier 3)
    const { labels } = combineVerdicts([cg(A, 1), not(A, 2)]);
    expect(labels[0]).toMatchObject({ label: 'cgnat', reason: 'shared-hop-before-public', probes: [1, 2] });
    expect(labels[0]!.disagreement).toMatch(
      /^cgnat \(tier 2: shared-hop-before-public ×1 .*prb 1.*\) overrules not-cgnat \(straight-to-public ×1 .*prb 2/,
    );
    expect(labels[0]!.detail).toContain('overruled straight-to-public');
    // the probe holding its public address (tier 1) overrules the 100.64/10 hop (tier 2)
    expect(combineVerdicts([cg(A, 1), own(A, 2)]).labels[0]).toMatchObject({ label: 'not-cgnat', reason: 'probe-has-public-address' });
  });

  it('a conflict inside the deciding tier gives unknown with both sides', () => {
    const { labels } = combineVerdicts([inShared(A, 1), own(A, 2), not(A, 3)]);
    expect(labels[0]).toMatchObject({ label: 'unknown', reason: 'conflicting-traceroutes', probes: [1, 2, 3] });
    expect(labels[0]!.detail).toMatch(/^cgnat: probe-in-shared-space ×1 .*prb 1.* vs not-cgnat: probe-has-public-address ×1 .*prb 2/);
    expect(labels[0]!.disagreement).toMatch(/^tier 1 conflict: /);
  });

  it('agreeing traceroutes record no disagreement', () => {
    expect(combineVerdicts([cg(A, 1), cg(A, 2)]).labels[0]!.disagreement).toBeUndefined();
  });

  it('only unknowns give unknown with the commonest reason', () => {
    const noHop = classifyTraceroute(tr({ from: A, src: '192.168.1.10', hops: ['*'] }));
    const { labels } = combineVerdicts([unk(A), noHop, unk(A)]);
    expect(labels[0]).toMatchObject({ label: 'unknown', reason: 'silent-hop-before-public' });
  });

  it('keeps addresses apart, sorted numerically, and sets aside records without an address', () => {
    const noFrom = classifyTraceroute(tr({ src: '192.168.1.10', hops: ['192.168.1.1'] }));
    const v6 = classifyTraceroute(tr({ af: 6, from: '2001:67c:2e8::1', src: '2001:67c:2e8::1', hops: [] }));
    const { labels, unusable } = combineVerdicts([not('81.2.69.9'), cg(B), noFrom, v6, cg(A)]);
    expect(labels.map((l) => l.address)).toEqual(['81.2.69.9', A, B, '2001:67c:2e8::1']);
    expect(unusable).toEqual([noFrom]);
  });

  it('writes address,label,reason CSV, quoting a reason that needs it', () => {
    const labels = combineVerdicts([cg(A), not(B)]).labels;
    const lines = labelsToCsv(labels).trimEnd().split('\n');
    expect(lines[0]).toBe('address,label,reason');
    expect(lines[1]).toBe(
      '81.2.69.160,cgnat,shared-hop-before-public: hop 2 100.64.0.1 before first public hop 3 81.2.69.1; prb 1 msm 5001 at crafted[0]; 1 of 1 traceroute',
    );
    expect(lines[2]).toMatch(/^81\.2\.69\.161,not-cgnat,"straight-to-public: .*, then .*"$/);
    const quoted = labelsToCsv([{ ...labels[0]!, detail: 'a, "b"' }])
      .trimEnd()
      .split('\n')[1];
    expect(quoted).toBe('81.2.69.160,cgnat,"shared-hop-before-public: a, ""b"""');
  });
});

describe('combineVerdicts with several rules agreeing', () => {
  it('names the commonest rule and the others', () => {
    // the broad reading makes rule 5 a (tier 3) cgnat
    const viaPrivate = classifyTraceroute(tr({ from: A, prb: 3, src: '192.168.1.10', hops: ['192.168.1.1', '10.0.0.1', '81.2.70.1'] }), {
      privateCarrierHops: 'cgnat',
    });
    const { labels } = combineVerdicts([viaPrivate, cg(A, 1), cg(A, 2)]);
    expect(labels[0]).toMatchObject({ label: 'cgnat', reason: 'shared-hop-before-public', probes: [1, 2, 3] });
    expect(labels[0]!.detail).toMatch(
      /; 3 of 3 traceroutes; also private-hop-after-home-router ×1 \(home router hop 1 192\.168\.1\.1, then hop 2 10\.0\.0\.1/,
    );
  });
});

describe('disagreements in the ground truth and its reports', () => {
  it('lists every address whose traceroutes disagree, decided or not, and names the reading', () => {
    // A: 100.64/10 hop (tier 2) vs straight to public elsewhere (tier 3) → cgnat, disagreement kept.
    // B: probe holds its public address (tier 1) vs a source in 100.64/10 (tier 1) → unknown.
    const text = [
      rawTraceroute({ from: A, prb: 1, src: '192.168.1.10', hops: ['192.168.1.1', '100.64.0.1', '81.2.70.1'] }),
      rawTraceroute({ from: A, prb: 2, src: '192.168.1.10', hops: ['192.168.1.1', '81.2.70.1'] }),
      rawTraceroute({ from: B, prb: 3, src: B, hops: ['81.2.70.1'] }),
      rawTraceroute({ from: B, prb: 4, src: '100.64.7.7', hops: ['81.2.70.1'] }),
    ]
      .map((r) => JSON.stringify(r))
      .join('\n');
    const gt = buildGroundTruth({ traceroutes: [{ file: 'crafted.jsonl', text }] });
    expect(gt.disagreements.map((l) => [l.address, l.label])).toEqual([
      [A, 'cgnat'],
      [B, 'unknown'],
    ]);
    const report = renderTextReport({ groundTruth: gt, inputs: ['crafted.jsonl'] });
    expect(report).toContain('addresses whose traceroutes disagree: 2 (1 left unknown, the rest decided by precedence)');
    expect(report).toContain(`${A} → cgnat: cgnat (tier 2: shared-hop-before-public`);
    expect(report).toContain('reading: strict (default)');
    expect(renderHtmlReport({ groundTruth: gt, inputs: ['crafted.jsonl'] }, {})).toContain('Addresses whose traceroutes disagree: 2.');
  });
});

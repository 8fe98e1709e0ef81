import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classifyTraceroute, combineVerdicts, evaluateList, parseTracerouteText } from '../../src/validate/index.ts';
import { rawTraceroute, tr, type HopSpec } from './helpers.ts';

const FROM = '81.2.69.160';
// `own`: a public address in the probe's own /24 (81.2.69.0/24) other than the probe's; `public`: elsewhere.
type Cls = 'silent' | 'private' | 'shared' | 'public' | 'own' | 'self' | 'special';
const ADDRESSES: Record<Exclude<Cls, 'silent'>, fc.Arbitrary<string>> = {
  private: fc.oneof(
    fc.tuple(fc.nat(255), fc.nat(255)).map(([a, b]) => `10.${a}.${b}.1`),
    fc.nat(255).map((a) => `192.168.${a}.1`),
    fc.nat(15).map((a) => `172.${16 + a}.0.1`),
  ),
  shared: fc.tuple(fc.nat(63), fc.nat(255)).map(([a, b]) => `100.${64 + a}.${b}.1`),
  public: fc.tuple(fc.integer({ min: 2, max: 9 }), fc.nat(255)).map(([a, b]) => `${80 + a}.2.${b}.1`),
  own: fc
    .integer({ min: 1, max: 254 })
    .filter((n) => n !== 160)
    .map((n) => `81.2.69.${n}`),
  self: fc.constant(FROM),
  special: fc.oneof(fc.constant('169.254.0.1'), fc.constant('127.0.0.1'), fc.constant('192.0.2.1')),
};
const CLASSES: Cls[] = ['silent', 'private', 'shared', 'public', 'own', 'self', 'special'];
// One hop: one or two responders (load balancing), each of a class; returns the spec and its classes.
const hop: fc.Arbitrary<{ spec: HopSpec; classes: Cls[] }> = fc
  .array(fc.constantFrom(...CLASSES), { minLength: 1, maxLength: 2 })
  .chain((classes) =>
    fc.tuple(...classes.map((c) => (c === 'silent' ? fc.constant('*') : ADDRESSES[c]))).map((addrs) => ({
      spec: addrs.length === 1 ? addrs[0]! : (addrs as string[]),
      classes,
    })),
  );

/** The label by the rule table of docs/validation.md (strict reading), written independently of src/validate. */
function reference(path: { spec: HopSpec; classes: Cls[] }[]): string {
  // A hop takes its most outside class; of several public replies its address is the least in text order.
  const classOf = ({ spec, classes: cs }: { spec: HopSpec; classes: Cls[] }): Cls => {
    if (cs.includes('self')) return 'self';
    // The generated hops are one address or a list of them (see `hop` above).
    const addresses = typeof spec === 'string' ? [spec] : (spec as string[]);
    const publics = cs.flatMap((x, i) => (x === 'public' || x === 'own' ? [[addresses[i]!, x] as const] : []));
    if (publics.length > 0) return publics.reduce((a, b) => (b[0] < a[0] ? b : a))[1];
    return (['shared', 'private', 'special', 'silent'] as Cls[]).find((r) => cs.includes(r))!;
  };
  const c = path.map(classOf);
  const f = c.findIndex((x) => x === 'public' || x === 'own' || x === 'self');
  if (f < 0) return 'unknown';
  const s = c.slice(0, f);
  if (s.includes('shared')) return 'cgnat'; // rule 2
  if (s.length > 0 && s.every((x) => x === 'private') && c[f] !== 'public') return 'not-cgnat'; // rule 4: own /24
  if (s.length === 0) return c[f] === 'self' ? 'not-cgnat' : 'unknown';
  if (s[0] === 'silent') return 'unknown';
  const carrier = s.slice(1);
  if (carrier.includes('private')) return 'unknown'; // rule 5, strict
  return carrier.length === 0 ? 'not-cgnat' : 'unknown';
}

describe('hop rules: properties', () => {
  it('agree with the reference model of the rule table (private source)', () => {
    fc.assert(
      fc.property(fc.array(hop, { minLength: 1, maxLength: 8 }), (hops) => {
        const v = classifyTraceroute(tr({ from: FROM, src: '192.168.1.10', hops: hops.map((h) => h.spec) }));
        expect(v.label).toBe(reference(hops));
      }),
      // Found by fast-check on a CI run while the model still took the first public reply: the implementation
      // keeps the least address (documented), so this hop is in the probe's own /24 and rule 4 applies.
      {
        numRuns: 2000,
        examples: [
          [
            [
              { spec: '10.0.0.1', classes: ['private'] },
              { spec: '172.16.0.1', classes: ['private'] },
              { spec: ['82.2.0.1', '81.2.69.1'], classes: ['public', 'own'] },
              { spec: '*', classes: ['silent'] },
            ],
          ],
        ] as never,
      },
    );
  });

  it('hops after the first public hop never change the verdict (the core is not evidence)', () => {
    fc.assert(
      fc.property(fc.array(hop, { maxLength: 4 }), ADDRESSES.public, fc.array(hop, { maxLength: 6 }), (before, firstPublic, after) => {
        const head = [...before.map((h) => h.spec), firstPublic];
        const a = classifyTraceroute(tr({ from: FROM, src: '192.168.1.10', hops: head }));
        const b = classifyTraceroute(tr({ from: FROM, src: '192.168.1.10', hops: [...head, ...after.map((h) => h.spec)] }));
        expect([b.label, b.reason]).toEqual([a.label, a.reason]);
      }),
    );
  });

  it('the order of replies inside a hop does not matter', () => {
    fc.assert(
      fc.property(fc.array(hop, { minLength: 1, maxLength: 6 }), (hops) => {
        const fwd = classifyTraceroute(tr({ from: FROM, src: '192.168.1.10', hops: hops.map((h) => h.spec) }));
        const rev = classifyTraceroute(
          tr({ from: FROM, src: '192.168.1.10', hops: hops.map((h) => (Array.isArray(h.spec) ? [...h.spec].reverse() : h.spec)) }),
        );
        expect([rev.label, rev.reason]).toEqual([fwd.label, fwd.reason]);
      }),
      // A counterexample fast-check once found: a first public hop answering from the probe's own /24 and from elsewhere.
      {
        examples: [
          [
            [
              { spec: '192.168.0.1', classes: ['private'] },
              { spec: ['82.2.0.1', '81.2.69.1'], classes: ['public', 'own'] },
              { spec: '*', classes: ['silent'] },
            ],
          ],
        ] as never,
      },
    );
  });

  it('one result a line and a JSON array give the same results', () => {
    fc.assert(
      fc.property(fc.array(fc.array(hop, { maxLength: 5 }), { maxLength: 6 }), (paths) => {
        const records = paths.map((p, i) => rawTraceroute({ from: FROM, src: '10.0.0.2', prb: i + 1, hops: p.map((h) => h.spec) }));
        const strip = (rs: ReturnType<typeof parseTracerouteText>['results']) => rs.map(({ at: _at, ...r }) => r);
        const lines = parseTracerouteText(records.map((r) => JSON.stringify(r)).join('\n'), 'l');
        const array = parseTracerouteText(JSON.stringify(records), 'a');
        expect(strip(array.results)).toEqual(strip(lines.results));
        expect(lines.errors).toEqual([]);
      }),
    );
  });
});

describe('metrics: properties', () => {
  it('the confusion matrix counts every definite label once, and the scores follow from it', () => {
    const labelled = fc.uniqueArray(fc.tuple(fc.nat(255), fc.nat(255), fc.constantFrom('cg', 'not', 'unk'), fc.boolean()), {
      selector: ([a, b]) => `${a}.${b}`,
      maxLength: 40,
    });
    fc.assert(
      fc.property(labelled, (rows) => {
        const hopsFor = {
          cg: ['192.168.1.1', '100.64.0.1', '81.2.1.1'],
          not: ['192.168.1.1', '81.2.1.1'],
          unk: ['192.168.1.1', '*', '81.2.1.1'],
        };
        const verdicts = rows.map(([a, b, t], i) =>
          classifyTraceroute(tr({ from: `81.${a}.${b}.7`, prb: i, src: '192.168.1.10', hops: hopsFor[t as 'cg'] })),
        );
        const { labels } = combineVerdicts(verdicts);
        const listed = new Set(rows.filter((r) => r[3]).map(([a, b]) => `81.${a}.${b}.7`));
        const m = evaluateList(labels, {
          lookup: (ip) => (listed.has(ip) ? { prefix: `${ip}/32`, kind: 'cgnat', users: undefined } : undefined),
        });
        const count = (t: string, l: boolean) => rows.filter((r) => r[2] === t && r[3] === l).length;
        expect(m.byAddress).toMatchObject({
          tp: count('cg', true),
          fp: count('not', true),
          fn: count('cg', false),
          tn: count('not', false),
        });
        const { tp, fp, fn } = m.byAddress;
        expect(m.byAddress.precision).toBe(tp + fp === 0 ? undefined : tp / (tp + fp));
        expect(m.byAddress.recall).toBe(tp + fn === 0 ? undefined : tp / (tp + fn));
        expect(m.labelCounts.unknown).toBe(rows.filter((r) => r[2] === 'unk').length);
      }),
    );
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FORMAT_LIMITS, type CompileLimits } from '../../src/table/compile-entries.ts';
import { compileWithLimits } from '../../src/table/compile.ts';
import { compileTable, MULTI_USER_KINDS, MultiUserTable, type TableEntry } from '../../src/table/index.ts';
import { ReferenceTable, addressText, sameBytes } from './helpers.ts';

interface Gen {
  family: 4 | 6;
  nest: boolean;
  parent: number;
  bits: number;
  r: bigint;
  kind: (typeof MULTI_USER_KINDS)[number];
  users: number | null;
}

const gen: fc.Arbitrary<Gen> = fc.record({
  family: fc.constantFrom(4 as const, 6 as const),
  nest: fc.boolean(),
  parent: fc.nat(),
  bits: fc.nat(128),
  r: fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }),
  kind: fc.constantFrom(...MULTI_USER_KINDS),
  users: fc.option(fc.integer({ min: 1, max: 4 })),
});

/** Builds a prefix set in which about half the prefixes nest inside an earlier one. */
function build(gens: Gen[]): { entries: TableEntry[]; probes: string[] } {
  const made: Array<{ family: 4 | 6; start: bigint; bits: number }> = [];
  const entries: TableEntry[] = [];
  const seen = new Set<string>();
  for (const g of gens) {
    const width = g.family === 4 ? 32 : 128;
    const same = made.filter((m) => m.family === g.family);
    let start: bigint;
    let bits: number;
    const parent = same.length > 0 ? same[g.parent % same.length]! : undefined;
    if (g.nest && parent && parent.bits < width) {
      bits = parent.bits + 1 + (g.bits % (width - parent.bits));
      const size = 1n << BigInt(width - parent.bits);
      start = parent.start + (g.r % size);
    } else {
      bits = g.bits % (width + 1);
      start = g.r % (1n << BigInt(width));
    }
    start = (start >> BigInt(width - bits)) << BigInt(width - bits);
    const prefix = `${addressText(g.family, start)}/${bits}`;
    if (seen.has(prefix)) continue;
    seen.add(prefix);
    made.push({ family: g.family, start, bits });
    entries.push({ prefix, kind: g.kind, users: g.users ?? undefined });
  }
  // Probes: every prefix boundary ±1, plus the mapped form of IPv4 probes.
  const probes: string[] = [];
  for (const m of made) {
    const width = m.family === 4 ? 32 : 128;
    const end = m.start + (1n << BigInt(width - m.bits));
    const max = (1n << BigInt(width)) - 1n;
    for (const v of [m.start - 1n, m.start, m.start + 1n, end - 2n, end - 1n, end]) {
      if (v < 0n || v > max) continue;
      const text = addressText(m.family, v);
      probes.push(text);
      if (m.family === 4) probes.push(`::ffff:${text}`);
    }
  }
  return { entries, probes };
}

describe('MultiUserTable vs a linear-scan reference (property)', () => {
  // The compiler's own choices, and both extremes of each coding choice (forced through the limits).
  it.each([
    ['the compiler chooses', FORMAT_LIMITS, 300],
    ['every IPv4 chunk split, direct leaf ids', { ...FORMAT_LIMITS, v4Split: 'always', leafMode: 'direct' } as const, 150],
    ['no IPv4 chunk split, dictionary leaf ids', { ...FORMAT_LIMITS, v4Split: 'never', leafMode: 'dictionary' } as const, 150],
  ] satisfies Array<[string, CompileLimits, number]>)(
    'answers every probe exactly like the reference, for random nested prefix sets (%s)',
    (_, limits, numRuns) => {
      fc.assert(
        fc.property(
          fc.array(gen, { minLength: 0, maxLength: 40 }),
          fc.array(fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }), { maxLength: 20 }),
          (gens, extra) => {
            const { entries, probes } = build(gens);
            for (const x of extra) probes.push(addressText(6, x), addressText(4, x & 0xffffffffn));
            const table = MultiUserTable.from(compileWithLimits(entries, limits).bytes);
            table.verify();
            const ref = new ReferenceTable(entries);
            for (const ip of probes) {
              const expected = ref.lookup(ip);
              expect(table.lookup(ip), ip).toEqual(expected);
              expect(table.classify(ip), ip).toEqual(expected && { kind: expected.kind, users: expected.users });
            }
          },
        ),
        { numRuns },
      );
    },
  );

  it('is deterministic under any permutation of the input (property)', () => {
    fc.assert(
      fc.property(fc.array(gen, { maxLength: 30 }), fc.nat(), (gens, seed) => {
        const { entries } = build(gens);
        const shuffled = [...entries];
        let s = seed;
        for (let i = shuffled.length - 1; i > 0; i--) {
          s = (Math.imul(s, 1103515245) + 12345) >>> 0;
          const j = s % (i + 1);
          [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
        }
        const a = compileTable(shuffled).bytes;
        const b = compileTable(entries).bytes;
        expect(sameBytes(a, b), JSON.stringify(entries)).toBe(true);
      }),
      { numRuns: 100 },
    );
  });
});

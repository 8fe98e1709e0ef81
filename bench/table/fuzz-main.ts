/**
 * The fuzz run of `npm run bench -- table`, in its own process: `node --import tsx bench/table/fuzz-main.ts COUNT`.
 * The base tables: the excerpts of real lists in test/fixtures/lists (small, so that `entries()` on each
 * mutated table stays cheap), as the compiler codes them and with every IPv4 chunk split and direct
 * leaf ids (so that both codings of format 3 meet the mutations). Half the runs each. Prints one JSON line.
 */
import { readFileSync } from 'node:fs';
import { parsePrefixList } from '../../src/prefix-list/index.ts';
import { FORMAT_LIMITS } from '../../src/table/compile-entries.ts';
import { compileWithLimits } from '../../src/table/compile.ts';
import { fuzzTables } from './fuzz.ts';

export const FUZZ_BASE_LISTS = [
  'tor-exit-nodes.excerpt.lst',
  'apple-egress.excerpt.csv',
  'tmus-geo-ip.excerpt.txt',
  'ProtonVPNExitNodes.excerpt.csv',
];

/** The base table and probe addresses (every listed prefix's first address); `forced`: every IPv4 chunk split, direct leaf ids. */
export function fuzzBase(coding: 'compiler' | 'forced' = 'compiler'): { bytes: Uint8Array; probes: string[] } {
  const dir = new URL('../../test/fixtures/lists/', import.meta.url);
  const entries = FUZZ_BASE_LISTS.flatMap(
    (f) => parsePrefixList(readFileSync(new URL(f, dir), 'utf8'), { file: f, kind: f.startsWith('tmus') ? 'cgnat' : 'vpn' }).entries,
  );
  const seen = new Set<string>();
  const unique = entries.filter((e) => !seen.has(e.prefix) && seen.add(e.prefix));
  const limits = coding === 'forced' ? ({ ...FORMAT_LIMITS, v4Split: 'always', leafMode: 'direct' } as const) : FORMAT_LIMITS;
  return { bytes: compileWithLimits(unique, limits).bytes, probes: unique.map((e) => e.prefix.split('/')[0]!) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const count = Number(process.argv[2] ?? 100_000);
  const t0 = performance.now();
  const a = fuzzBase('compiler');
  const b = fuzzBase('forced');
  const ra = fuzzTables(a.bytes, Math.ceil(count / 2), 13, a.probes);
  const rb = fuzzTables(b.bytes, Math.floor(count / 2), 14, b.probes);
  const r = {
    tables: ra.tables + rb.tables,
    opened: ra.opened + rb.opened,
    verified: ra.verified + rb.verified,
    slowestMs: Math.max(ra.slowestMs, rb.slowestMs),
    failures: [...ra.failures, ...rb.failures.map((f) => `forced coding: ${f}`)],
  };
  const base =
    `a ${a.bytes.length.toLocaleString('en')}-byte table of ${a.probes.length} real prefixes (excerpts in test/fixtures/lists) as compiled, ` +
    `and the same prefixes with every IPv4 chunk split and direct leaf ids (${b.bytes.length.toLocaleString('en')} bytes), half the tables each`;
  process.stdout.write(`${JSON.stringify({ ...r, base, ms: performance.now() - t0 })}\n`);
}

/**
 * The fuzz run of `npm run bench -- table`, in its own process: `node --import tsx bench/table/fuzz-main.ts COUNT`.
 * The base table: the excerpts of real lists in test/fixtures/lists (small, so that `entries()` on each
 * mutated table stays cheap). Prints one JSON line.
 */
import { readFileSync } from 'node:fs';
import { parsePrefixList } from '../../src/prefix-list/index.ts';
import { compileTable } from '../../src/table/index.ts';
import { fuzzTables } from './fuzz.ts';

export const FUZZ_BASE_LISTS = [
  'tor-exit-nodes.excerpt.lst',
  'apple-egress.excerpt.csv',
  'tmus-geo-ip.excerpt.txt',
  'ProtonVPNExitNodes.excerpt.csv',
];

/** The base table and probe addresses (every listed prefix's first address). */
export function fuzzBase(): { bytes: Uint8Array; probes: string[] } {
  const dir = new URL('../../test/fixtures/lists/', import.meta.url);
  const entries = FUZZ_BASE_LISTS.flatMap(
    (f) => parsePrefixList(readFileSync(new URL(f, dir), 'utf8'), { file: f, kind: f.startsWith('tmus') ? 'cgnat' : 'vpn' }).entries,
  );
  const seen = new Set<string>();
  const unique = entries.filter((e) => !seen.has(e.prefix) && seen.add(e.prefix));
  return { bytes: compileTable(unique).bytes, probes: unique.map((e) => e.prefix.split('/')[0]!) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { bytes, probes } = fuzzBase();
  const t0 = performance.now();
  const r = fuzzTables(bytes, Number(process.argv[2] ?? 100_000), 13, probes);
  const base = `a ${bytes.length.toLocaleString('en')}-byte table of ${probes.length} real prefixes (excerpts in test/fixtures/lists)`;
  process.stdout.write(`${JSON.stringify({ ...r, base, ms: performance.now() - t0 })}\n`);
}

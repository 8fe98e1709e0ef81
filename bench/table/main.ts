/**
 * `npm run bench -- table`: the compiled multi-user table beside mmdb-lib (reading an MMDB of the same
 * prefixes, written by bench/table/mmdb-writer.ts) in four attribute regimes: ~500k IPv4 + ~100k IPv6
 * prefixes derived from real routing data with 12, ~350 and ~30k distinct (kind, users) pairs, and
 * the real lists of test/fixtures/lists/real merged. 1M query strings per family (about half inside a
 * prefix). Each candidate runs in its own process, the same queries, several rounds; medians and
 * ratios from the same run. Then a fuzz run over mutated real tables. Prints one Markdown section on
 * stdout, progress on stderr.
 *
 * Environment: BENCH_TABLE_RUNS (default 3), BENCH_TABLE_V4 / BENCH_TABLE_V6 (prefix targets),
 * BENCH_TABLE_QUERIES (default 1,000,000), BENCH_TABLE_FUZZ (default 100,000 tables), for quick runs.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { buildSync } from 'esbuild';
import { readTableInputs } from '../../scripts/lib/table-inputs.ts';
import { compileTable, type CompileStats } from '../../src/table/index.ts';
import { median as medianOf, roundRatios } from '../worker/ratios.ts';
import { benchPrefixes, benchQueries, withRegime, type BenchPrefix } from './data.ts';
import { writeMmdb } from './mmdb-writer.ts';
import { REAL_LISTS, REAL_LISTS_DIR } from './real-lists.ts';

const RUNS = Number(process.env.BENCH_TABLE_RUNS ?? 3);
const V4 = Number(process.env.BENCH_TABLE_V4 ?? 500_000);
const V6 = Number(process.env.BENCH_TABLE_V6 ?? 100_000);
const QUERIES = Number(process.env.BENCH_TABLE_QUERIES ?? 1_000_000);
const FUZZ = Number(process.env.BENCH_TABLE_FUZZ ?? 100_000);
/** Fresh processes timing the first answer on the largest table (~0.4 s each; 21 steady the median on a shared VM). */
const OPEN_RUNS = 21;
const root = new URL('../..', import.meta.url).pathname;
const log = (s: string) => process.stderr.write(`${s}\n`);
const gz = (b: Uint8Array) => gzipSync(b, { level: 9 }).length;

type Row = Omit<BenchPrefix, 'asn'>;
interface Dataset {
  name: string;
  label: string;
  dir: string;
  n4: number;
  n6: number;
  pairs: number;
  stats: CompileStats;
  bytes: number;
  gzip: number;
  only4: number;
  only6: number;
  mmdb: number;
  mmdbGzip: number;
}

const dir = mkdtempSync(join(tmpdir(), 'bench-table-'));
try {
  log(`bench/table: generating ~${V4} IPv4 + ~${V6} IPv6 prefixes from @ip-location-db/asn …`);
  const routing = benchPrefixes(V4, V6);
  const q4 = benchQueries(routing, 4, QUERIES, 1).join('\n');
  const q6 = benchQueries(routing, 6, QUERIES, 2).join('\n');
  const read = readTableInputs(
    REAL_LISTS.map((l) => ({ file: join(REAL_LISTS_DIR, l.file), kind: l.kind })),
    { cwd: root, allowDocumentation: false, skipInvalid: false, onConflict: 'first' },
  );
  if (read.problems.length > 0) throw new Error(read.problems[0]);
  const lists: Row[] = read.entries.map((e) => ({ prefix: e.prefix, family: e.family, kind: e.kind, users: e.users }));

  const prepare = (name: string, label: string, rows: Row[], queries?: [string, string]): Dataset => {
    log(`bench/table: ${label}: compiling the table and writing the MMDB …`);
    const d = join(dir, name);
    mkdirSync(d);
    writeFileSync(join(d, 'prefixes.csv'), `prefix,kind,users\n${rows.map((p) => `${p.prefix},${p.kind},${p.users ?? ''}`).join('\n')}\n`);
    writeFileSync(join(d, 'q4.txt'), queries?.[0] ?? benchQueries(rows as BenchPrefix[], 4, QUERIES, 3).join('\n'));
    writeFileSync(join(d, 'q6.txt'), queries?.[1] ?? benchQueries(rows as BenchPrefix[], 6, QUERIES, 4).join('\n'));
    const { bytes, stats } = compileTable(rows);
    writeFileSync(join(d, 'table.bin'), bytes);
    const mmdb = writeMmdb(rows);
    writeFileSync(join(d, 'data.mmdb'), mmdb);
    const n4 = rows.filter((p) => p.family === 4).length;
    return {
      name,
      label,
      dir: d,
      n4,
      n6: rows.length - n4,
      pairs: stats.values,
      stats,
      bytes: bytes.length,
      gzip: gz(bytes),
      // Per-family sizes: each family compiled alone.
      only4: compileTable(rows.filter((p) => p.family === 4)).bytes.length,
      only6: compileTable(rows.filter((p) => p.family === 6)).bytes.length,
      mmdb: mmdb.length,
      mmdbGzip: gz(mmdb),
    };
  };
  const datasets = [
    prepare('r12', 'routing, 12 pairs', routing, [q4, q6]),
    prepare('r350', 'routing, ~350 pairs', withRegime(routing, '350'), [q4, q6]),
    prepare('r30k', 'routing, ~30k pairs', withRegime(routing, '30k'), [q4, q6]),
    prepare('lists', 'real lists merged', lists),
  ];

  const results = new Map<string, Array<Record<string, number | string>>>();
  const run = (candidate: string, d: Dataset) => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'candidate.ts'), candidate, d.dir], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      maxBuffer: 16 * 2 ** 20,
    });
    if (r.status !== 0) throw new Error(`candidate ${candidate} on ${d.name} failed (exit ${r.status})`);
    const key = `${candidate}@${d.name}`;
    results.set(key, [...(results.get(key) ?? []), JSON.parse(r.stdout.trim().split('\n').pop()!)]);
  };
  for (let round = 0; round < RUNS; round++) {
    for (const d of datasets) {
      for (const c of ['table-classify', 'mmdb-lib', 'table-lookup']) {
        log(`bench/table: round ${round + 1}/${RUNS}: ${c} on ${d.label}`);
        run(c, d);
      }
    }
    log(`bench/table: round ${round + 1}/${RUNS}: parse, format, build, ipaddr-map on routing, 12 pairs`);
    for (const c of ['parse', 'format', 'build', 'ipaddr-map']) run(c, datasets[0]!);
  }
  // Opening: the reader bundled as a Worker ships it, then one fresh process per sample.
  const largest = datasets.reduce((a, b) => (b.bytes > a.bytes ? b : a));
  const bundle = join(dir, 'table-reader.mjs');
  buildSync({
    entryPoints: [join(root, 'src/table/index.ts')],
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    outfile: bundle,
    logLevel: 'warning',
  });
  const firstV4 = readFileSync(join(largest.dir, 'prefixes.csv'), 'utf8').match(/^(\d+\.\d+\.\d+\.\d+)\//m)![1]!;
  const opens: Array<Record<string, number>> = [];
  for (let i = 0; i < OPEN_RUNS; i++) {
    log(`bench/table: open ${i + 1}/${OPEN_RUNS} on ${largest.label}`);
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', join(import.meta.dirname, 'open-probe.ts'), bundle, join(largest.dir, 'table.bin'), firstV4],
      {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    if (r.status !== 0) throw new Error(`open probe failed (exit ${r.status})`);
    opens.push(JSON.parse(r.stdout.trim().split('\n').pop()!));
  }
  const openMedian = (k: string) => medianOf(opens.map((o) => o[k]!));
  // Linear-scan peers are 4–6 orders of magnitude slower: measured once, on the first queries.
  for (const c of ['cidr-matcher', 'netmask']) run(c, datasets[0]!);
  log(`bench/table: fuzzing ${FUZZ} mutated tables …`);
  const fuzzRun = spawnSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'fuzz-main.ts'), String(FUZZ)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (fuzzRun.status !== 0) throw new Error(`fuzz run failed (exit ${fuzzRun.status})`);
  const fuzz = JSON.parse(fuzzRun.stdout.trim().split('\n').pop()!) as {
    tables: number;
    opened: number;
    verified: number;
    slowestMs: number;
    failures: string[];
    base: string;
    ms: number;
  };

  const median = (c: string, d: Dataset, key: string): number =>
    medianOf((results.get(`${c}@${d.name}`) ?? []).map((r) => r[key]).filter((x): x is number => typeof x === 'number'));
  const first = (c: string, d: Dataset, key: string) => results.get(`${c}@${d.name}`)?.[0]?.[key];
  // Table ÷ mmdb-lib per round (the two ran back to back), then the median: the VM's speed drifts by
  // tens of percent over minutes, which a ratio of medians taken from different rounds carries over.
  const ratio = (d: Dataset, fam: 'v4' | 'v6', c: string): number => {
    const rates = (candidate: string) => (results.get(`${candidate}@${d.name}`) ?? []).map((r) => r[fam] as number);
    return medianOf(roundRatios(rates(c), rates('mmdb-lib')));
  };
  const M = (x: number) =>
    Number.isNaN(x) ? '–' : x >= 1e6 ? `${(x / 1e6).toFixed(2)} M/s` : x >= 1e3 ? `${(x / 1e3).toFixed(1)} k/s` : `${x.toFixed(0)} /s`;
  const ms = (x: number) => (Number.isNaN(x) ? '–' : `${x < 10 ? x.toFixed(2) : x.toFixed(0)} ms`);
  const ok = (b: boolean) => (b ? '✅' : '❌');
  const x = (r: number) => `${r.toFixed(1)}×`;

  const lines: string[] = [];
  lines.push('## Multi-user table: lookups and size in every attribute regime, beside mmdb-lib');
  lines.push('');
  lines.push(
    `Data: ${datasets[0]!.n4.toLocaleString('en')} IPv4 + ${datasets[0]!.n6.toLocaleString('en')} IPv6 prefixes derived from \`@ip-location-db/asn\` ` +
      '(ASN ranges → CIDRs, deterministic sample, one in eight /8–/28 (IPv6 /16–/56) with a nested more-specific), with ' +
      'attributes per AS in three regimes (12 pairs: a few users buckets per kind; ~350: 50 users values per kind; ~30k: a per-AS ' +
      `users estimate); and the real lists of \`test/fixtures/lists/real\` merged (${datasets[3]!.n4.toLocaleString('en')} IPv4 + ` +
      `${datasets[3]!.n6.toLocaleString('en')} IPv6, earlier list wins). ${QUERIES.toLocaleString('en')} query strings per family per data set ` +
      "(half inside a prefix; each a flat string, as a header value is on the request path, not a slice of the file's string). mmdb-lib reads an MMDB of the same prefixes and values. Each candidate in its own process, " +
      `${RUNS} rounds (each round runs the table and mmdb-lib back to back), medians; a ratio is the median over the rounds of ` +
      "table ÷ mmdb-lib within a round. The VM's speed drifts between runs of identical code: absolute rates are noisy, the ratios less so.",
  );
  lines.push('');
  lines.push(
    '| data | pairs | IPv4 classify | IPv4 lookup | IPv4 mmdb-lib | ratio (classify / lookup) | IPv6 classify | IPv6 lookup | IPv6 mmdb-lib | ratio (classify / lookup) | answers agree |',
  );
  lines.push('|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|');
  for (const d of datasets) {
    const [c4, l4, m4] = ['table-classify', 'table-lookup', 'mmdb-lib'].map((c) => median(c, d, 'v4')) as [number, number, number];
    const [c6, l6, m6] = ['table-classify', 'table-lookup', 'mmdb-lib'].map((c) => median(c, d, 'v6')) as [number, number, number];
    const fp = ['table-classify', 'table-lookup', 'mmdb-lib'].map((c) => `${first(c, d, 'fp4')}/${first(c, d, 'fp6')}`);
    lines.push(
      `| ${d.label} | ${d.pairs.toLocaleString('en')} | ${M(c4)} | ${M(l4)} | ${M(m4)} | ${x(ratio(d, 'v4', 'table-classify'))} / ${x(ratio(d, 'v4', 'table-lookup'))} | ${M(c6)} | ${M(l6)} | ${M(m6)} | ${x(ratio(d, 'v6', 'table-classify'))} / ${x(ratio(d, 'v6', 'table-lookup'))} | ${fp.every((f) => f === fp[0]) ? 'yes' : '**no**'} |`,
    );
  }
  lines.push('');
  lines.push('| data | table: IPv4 only | IPv6 only | both | gzip | MMDB | MMDB gzip | widths (bits) |');
  lines.push('|---|--:|--:|--:|--:|--:|--:|---|');
  for (const d of datasets) {
    const n = d.n4 + d.n6;
    lines.push(
      `| ${d.label} | ${(d.only4 / d.n4).toFixed(2)} B/prefix | ${(d.only6 / d.n6).toFixed(2)} B/prefix | ${d.bytes.toLocaleString('en')} B (${(d.bytes / n).toFixed(2)} B/prefix) | ` +
        `${d.gzip.toLocaleString('en')} B | ${(d.mmdb / n).toFixed(2)} B/prefix | ${d.mmdbGzip.toLocaleString('en')} B | ${widths(d.stats)} |`,
    );
  }
  lines.push('');
  lines.push(
    'Widths: IPv4 index K4 and leaf ids W4 (dictionary, or direct with L4 bits naming a (length, type) leaf and the rest a value), ' +
      'split chunks (of 2^K4) with E4-bit sub-chunk entries; the same for IPv6 (K6, W6, L6); U = users bits of a value.',
  );
  lines.push('');
  const [r12, r350, r30k] = datasets as [Dataset, Dataset, Dataset, Dataset];
  const worst = (fam: 'v4' | 'v6', c: string) => Math.min(...datasets.map((d) => ratio(d, fam, c)));
  const open = openMedian('openMs');
  lines.push('Targets (issue 13), from the figures above:');
  lines.push('');
  lines.push('| target | measured | |');
  lines.push('|---|--:|---|');
  lines.push(
    `| IPv4 from strings ≥ 5× mmdb-lib, every regime (worst regime) | classify ${worst('v4', 'table-classify').toFixed(1)}×, lookup ${worst('v4', 'table-lookup').toFixed(1)}× | ${ok(worst('v4', 'table-classify') >= 5)} / ${ok(worst('v4', 'table-lookup') >= 5)} |`,
  );
  lines.push(
    `| IPv6 from strings ≥ 4× mmdb-lib, every regime (worst regime) | classify ${worst('v6', 'table-classify').toFixed(1)}×, lookup ${worst('v6', 'table-lookup').toFixed(1)}× | ${ok(worst('v6', 'table-classify') >= 4)} / ${ok(worst('v6', 'table-lookup') >= 4)} |`,
  );
  const parse4 = median('parse', r12, 'v4');
  lines.push(
    `| stretch: IPv4 from strings ≥ ½ the parse-only rate (${M(parse4)}), 12 pairs | classify ${(median('table-classify', r12, 'v4') / parse4).toFixed(2)}, lookup ${(median('table-lookup', r12, 'v4') / parse4).toFixed(2)} | ${ok(median('table-classify', r12, 'v4') >= parse4 / 2)} / ${ok(median('table-lookup', r12, 'v4') >= parse4 / 2)} |`,
  );
  lines.push(`| ≤ 4 B per IPv4 prefix, ~350 pairs | ${(r350.only4 / r350.n4).toFixed(2)} B | ${ok(r350.only4 / r350.n4 <= 4)} |`);
  lines.push(`| ≤ 10 B per IPv6 prefix, ~350 pairs | ${(r350.only6 / r350.n6).toFixed(2)} B | ${ok(r350.only6 / r350.n6 <= 10)} |`);
  lines.push(
    `| ≤ 6 B per prefix overall, ~30k pairs | ${(r30k.bytes / (r30k.n4 + r30k.n6)).toFixed(2)} B | ${ok(r30k.bytes / (r30k.n4 + r30k.n6) <= 6)} |`,
  );
  lines.push(`| 600k prefixes with ~350 pairs under 3 MB gzip | ${(r350.gzip / 1e6).toFixed(2)} MB | ${ok(r350.gzip < 3e6)} |`);
  lines.push(
    `| open (bytes → first answer) < 1 ms, zero-copy (largest table, median of ${OPEN_RUNS} fresh processes) | ${ms(open)} (\`from\` ${ms(openMedian('fromMs'))} + first \`lookup\` ${ms(openMedian('firstMs'))}; \`verify()\`, off the request path: ${ms(Math.max(...datasets.map((d) => median('table-lookup', d, 'verifyMs'))))}) | ${ok(open < 1)} |`,
  );
  lines.push(
    `| fuzz: every method returns on ≥ 100k mutated real tables | ${fuzz.tables.toLocaleString('en')} tables, ${fuzz.failures.length} failures | ${ok(fuzz.tables >= 100_000 && fuzz.failures.length === 0)} |`,
  );
  lines.push('');
  lines.push('Other peers (routing data, 12 pairs):');
  lines.push('');
  lines.push('| candidate | IPv4 from strings | IPv6 from strings | build |');
  lines.push('|---|--:|--:|--:|');
  lines.push(`| parse only (\`parseIPv4\` / \`parseIPv6\`, the bound) | ${M(parse4)} | ${M(median('parse', r12, 'v6'))} | – |`);
  lines.push(
    `| format only (\`formatIPv4Prefix\` / \`formatIPv6Prefix\` of the answers' prefixes: the text \`lookup\` adds to \`classify\`) | ${M(median('format', r12, 'v4'))} | ${M(median('format', r12, 'v6'))} | – |`,
  );
  lines.push(
    `| ipaddr.js + one Map per prefix length (IPv6: 3 s sample) | ${M(median('ipaddr-map', r12, 'v4'))} | ${M(median('ipaddr-map', r12, 'v6'))} | ${ms(median('ipaddr-map', r12, 'buildMs'))} |`,
  );
  lines.push(
    `| cidr-matcher (linear scan, one run, first ${first('cidr-matcher', r12, 'n4')} / ${first('cidr-matcher', r12, 'n6')} queries) | ${M(median('cidr-matcher', r12, 'v4'))} | ${M(median('cidr-matcher', r12, 'v6'))} | ${ms(median('cidr-matcher', r12, 'buildMs'))} |`,
  );
  lines.push(
    `| netmask (linear scan, IPv4 only, one run, first ${first('netmask', r12, 'n4')} queries) | ${M(median('netmask', r12, 'v4'))} | – | ${ms(median('netmask', r12, 'buildMs'))} |`,
  );
  lines.push(
    `| this table: parse the CSV + compile | – | – | ${ms(median('build', r12, 'parseMs'))} + ${ms(median('build', r12, 'compileMs'))} |`,
  );
  lines.push('');
  lines.push('Numeric fast paths (pre-parsed addresses), routing data, 12 / ~350 / ~30k pairs:');
  lines.push('');
  lines.push('| | IPv4 (`number`) | IPv6 (`Uint32Array(4)`) |');
  lines.push('|---|--:|--:|');
  const trio = (key: string) => [r12, r350, r30k].map((d) => M(median('table-lookup', d, key))).join(' / ');
  lines.push(`| \`classifyV4\` / \`classifyV6\` | ${trio('v4NumericClassify')} | ${trio('v6NumericClassify')} |`);
  lines.push(`| \`lookupV4\` / \`lookupV6\` | ${trio('v4Numeric')} | ${trio('v6Numeric')} |`);
  lines.push('');
  lines.push(
    `Fuzz: ${fuzz.tables.toLocaleString('en')} mutations of ${fuzz.base} (1–4 each: flipped bits, random bytes, u32s set to 0, 2³²−1 or random; ` +
      `half with a fixed-up checksum, as a crafted table would have). ${fuzz.opened.toLocaleString('en')} opened (the rest were refused with a ` +
      `\`TableFormatError\`), ${fuzz.verified.toLocaleString('en')} of those passed \`verify()\`; on each opened table every probe went through \`lookup\`, ` +
      `\`classify\` and the numeric paths, then \`entries()\`, \`info\` and \`verify()\`. Anything else thrown: ${fuzz.failures.length}. Slowest table ${ms(fuzz.slowestMs)}; ` +
      `${(fuzz.ms / 1000).toFixed(0)} s in all.`,
  );
  process.stdout.write(`${lines.join('\n')}\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

/** The header widths of a compiled table, for the size table. */
function widths(s: CompileStats): string {
  const ids = (w: number, l: number) => (l < w ? `${w} direct (L ${l})` : `${w} dictionary`);
  return (
    `K4 ${s.v4IndexBits}, W4 ${ids(s.v4IdBits, s.v4LeafBits)}, ${s.v4SplitChunks.toLocaleString('en')} split (E4 ${s.v4SubEntryBits}); ` +
    `K6 ${s.v6IndexBits}, W6 ${ids(s.v6IdBits, s.v6LeafBits)}; U ${s.usersBits}`
  );
}

/**
 * `npm run bench -- table`: the compiled multi-user table against the libraries a user would
 * otherwise pick, on ~500k IPv4 + ~100k IPv6 prefixes derived from real routing data and 1M query
 * strings per family (about half inside a prefix). Each candidate runs in its own process, several
 * times; medians are reported. Prints one Markdown section on stdout, progress on stderr.
 *
 * Environment: BENCH_TABLE_RUNS (default 3), BENCH_TABLE_V4 / BENCH_TABLE_V6 (prefix targets),
 * BENCH_TABLE_QUERIES (default 1,000,000) to make quick runs while developing.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { compileTable } from '../../src/table/index.ts';
import { benchPrefixes, benchQueries } from './data.ts';
import { writeMmdb } from './mmdb-writer.ts';

const RUNS = Number(process.env.BENCH_TABLE_RUNS ?? 3);
const V4 = Number(process.env.BENCH_TABLE_V4 ?? 500_000);
const V6 = Number(process.env.BENCH_TABLE_V6 ?? 100_000);
const QUERIES = Number(process.env.BENCH_TABLE_QUERIES ?? 1_000_000);
const log = (s: string) => process.stderr.write(`${s}\n`);

const dir = mkdtempSync(join(tmpdir(), 'bench-table-'));
try {
  log(`bench/table: generating ~${V4} IPv4 + ~${V6} IPv6 prefixes from @ip-location-db/asn …`);
  const prefixes = benchPrefixes(V4, V6);
  const n4 = prefixes.filter((p) => p.family === 4).length;
  const n6 = prefixes.length - n4;
  writeFileSync(join(dir, 'prefixes.csv'), `prefix,kind,users\n${prefixes.map((p) => `${p.prefix},${p.kind},${p.users ?? ''}`).join('\n')}\n`);
  writeFileSync(join(dir, 'q4.txt'), benchQueries(prefixes, 4, QUERIES, 1).join('\n'));
  writeFileSync(join(dir, 'q6.txt'), benchQueries(prefixes, 6, QUERIES, 2).join('\n'));

  log('bench/table: compiling the table and writing the MMDB …');
  const { bytes, stats } = compileTable(prefixes);
  writeFileSync(join(dir, 'table.bin'), bytes);
  const mmdb = writeMmdb(prefixes);
  writeFileSync(join(dir, 'data.mmdb'), mmdb);
  // Per-family sizes: compile each family alone (the v4 index is the only fixed cost).
  const only4 = compileTable(prefixes.filter((p) => p.family === 4)).bytes;
  const only6 = compileTable(prefixes.filter((p) => p.family === 6)).bytes;
  const mmdb4 = writeMmdb(prefixes.filter((p) => p.family === 4));
  const mmdb6 = writeMmdb(prefixes.filter((p) => p.family === 6));
  const gz = (b: Uint8Array) => gzipSync(b, { level: 9 }).length;

  const candidates = ['parse', 'table-lookup', 'table-classify', 'mmdb-lib', 'ipaddr-map', 'build'];
  // Linear-scan peers are 4–6 orders of magnitude slower and take long to build: measured once.
  const once = ['cidr-matcher', 'netmask'];
  const results = new Map<string, Array<Record<string, number | string>>>();
  for (let run = 0; run < RUNS; run++) {
    for (const name of run === 0 ? [...candidates, ...once] : candidates) {
      log(`bench/table: run ${run + 1}/${RUNS}: ${name}`);
      const r = spawnSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'candidate.ts'), name, dir], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
        maxBuffer: 16 * 2 ** 20,
      });
      if (r.status !== 0) throw new Error(`candidate ${name} failed (exit ${r.status})`);
      const list = results.get(name) ?? [];
      list.push(JSON.parse(r.stdout.trim().split('\n').pop()!));
      results.set(name, list);
    }
  }

  const median = (name: string, key: string): number | undefined => {
    const xs = (results.get(name) ?? []).map((r) => r[key]).filter((x): x is number => typeof x === 'number').sort((a, b) => a - b);
    return xs.length === 0 ? undefined : xs[Math.floor(xs.length / 2)];
  };
  const first = (name: string, key: string) => results.get(name)?.[0]?.[key];
  const M = (x: number | undefined) => (x === undefined ? '–' : x >= 1e6 ? `${(x / 1e6).toFixed(2)} M/s` : x >= 1e3 ? `${(x / 1e3).toFixed(1)} k/s` : `${x.toFixed(0)} /s`);
  const ms = (x: number | undefined) => (x === undefined ? '–' : `${x < 10 ? x.toFixed(2) : x.toFixed(0)} ms`);

  // Cross-check: the table and the two exact peers must give the same answers.
  const fps = ['table-lookup', 'table-classify', 'mmdb-lib', 'ipaddr-map'].map((n) => `${first(n, 'fp4')}/${first(n, 'fp6')}`);
  const agree = fps.every((f) => f === fps[0]);
  if (!agree) log(`bench/table: WARNING: candidates disagree on answers: ${fps.join(' ')}`);

  const peers = ['mmdb-lib', 'ipaddr-map', 'cidr-matcher', 'netmask'];
  const best4 = Math.max(...peers.map((p) => median(p, 'v4') ?? 0));
  const best6 = Math.max(...peers.map((p) => median(p, 'v6') ?? 0));
  const parse4 = median('parse', 'v4')!;
  const lookup4 = median('table-lookup', 'v4')!;
  const classify4 = median('table-classify', 'v4')!;
  const lookup6 = median('table-lookup', 'v6')!;
  const classify6 = median('table-classify', 'v6')!;
  const hits4 = Number(first('table-lookup', 'hits4'));
  const hits6 = Number(first('table-lookup', 'hits6'));

  const lines: string[] = [];
  lines.push('## Multi-user table: lookups, size, open and build');
  lines.push('');
  lines.push(
    `Data: ${n4.toLocaleString('en')} IPv4 + ${n6.toLocaleString('en')} IPv6 prefixes derived from \`@ip-location-db/asn\` ` +
      `(ASN ranges → CIDRs, deterministic sample, one in eight /8–/28 (IPv6 /16–/56) with a nested more-specific), ` +
      `${stats.values} distinct (kind, users) values; ${QUERIES.toLocaleString('en')} query strings per family ` +
      `(${((hits4 / QUERIES) * 100).toFixed(0)}% of IPv4 and ${((hits6 / QUERIES) * 100).toFixed(0)}% of IPv6 queries match). ` +
      `Each candidate in its own process, median of ${RUNS} runs (the linear-scan peers: one run, on the first queries), one warm-up pass each. ` +
      `Answers cross-checked: table, mmdb-lib and ipaddr.js + Map ${agree ? 'agree on every checked query' : '**disagree**'}.`,
  );
  lines.push('');
  lines.push('| candidate | IPv4 from strings | IPv6 from strings | open / build | answer |');
  lines.push('|---|--:|--:|--:|---|');
  lines.push(`| parse only (\`parseIPv4\` / \`parseIPv6\`, the bound) | ${M(parse4)} | ${M(median('parse', 'v6'))} | – | – |`);
  lines.push(`| **table \`classify(ip)\`** | **${M(classify4)}** | **${M(classify6)}** | open ${ms(median('table-classify', 'openMs'))} | shared \`{ kind, users }\` |`);
  lines.push(`| **table \`lookup(ip)\`** | **${M(lookup4)}** | **${M(lookup6)}** | open ${ms(median('table-lookup', 'openMs'))} | new \`{ prefix, kind, users }\` |`);
  lines.push(`| mmdb-lib (same prefixes, MMDB written by bench/table/mmdb-writer.ts) | ${M(median('mmdb-lib', 'v4'))} | ${M(median('mmdb-lib', 'v6'))} | open ${ms(median('mmdb-lib', 'openMs'))} | decoded record |`);
  lines.push(`| ipaddr.js + one Map per prefix length (IPv6: 3 s sample) | ${M(median('ipaddr-map', 'v4'))} | ${M(median('ipaddr-map', 'v6'))} | build ${ms(median('ipaddr-map', 'buildMs'))} | stored value |`);
  lines.push(`| cidr-matcher (linear scan; first ${first('cidr-matcher', 'n4')} / ${first('cidr-matcher', 'n6')} queries) | ${M(median('cidr-matcher', 'v4'))} | ${M(median('cidr-matcher', 'v6'))} | build ${ms(median('cidr-matcher', 'buildMs'))} | boolean |`);
  lines.push(`| netmask (linear scan, IPv4 only; first ${first('netmask', 'n4')} queries) | ${M(median('netmask', 'v4'))} | – | build ${ms(median('netmask', 'buildMs'))} | stored value |`);
  lines.push('');
  lines.push('Numeric fast paths (pre-parsed addresses):');
  lines.push('');
  lines.push('| | IPv4 (`number`) | IPv6 (`Uint32Array(4)`) |');
  lines.push('|---|--:|--:|');
  lines.push(`| \`classifyV4\` / \`classifyV6\` | ${M(median('table-lookup', 'v4NumericClassify'))} | ${M(median('table-lookup', 'v6NumericClassify'))} |`);
  lines.push(`| \`lookupV4\` / \`lookupV6\` | ${M(median('table-lookup', 'v4Numeric'))} | ${M(median('table-lookup', 'v6Numeric'))} |`);
  lines.push('');
  lines.push('Targets (issue 2), computed from the medians above:');
  lines.push('');
  const ok = (b: boolean) => (b ? '✅' : '❌');
  lines.push(`| target | measured | |`);
  lines.push('|---|--:|---|');
  lines.push(`| IPv4 from strings ≥ 5× fastest peer (${M(best4)}) | classify ${(classify4 / best4).toFixed(1)}×, lookup ${(lookup4 / best4).toFixed(1)}× | ${ok(classify4 >= 5 * best4)} / ${ok(lookup4 >= 5 * best4)} |`);
  lines.push(`| IPv4 from strings ≥ ½ parse-only rate | classify ${(classify4 / parse4).toFixed(2)}, lookup ${(lookup4 / parse4).toFixed(2)} | ${ok(classify4 >= parse4 / 2)} / ${ok(lookup4 >= parse4 / 2)} |`);
  lines.push(`| IPv6 from strings ≥ 4× fastest peer (${M(best6)}) | classify ${(classify6 / best6).toFixed(1)}×, lookup ${(lookup6 / best6).toFixed(1)}× | ${ok(classify6 >= 4 * best6)} / ${ok(lookup6 >= 4 * best6)} |`);
  const b4 = only4.length / n4;
  const b6 = only6.length / n6;
  lines.push(`| ≤ 4 bytes per IPv4 prefix | ${b4.toFixed(2)} B (gzip ${(gz(only4) / n4).toFixed(2)} B) | ${ok(b4 <= 4)} |`);
  lines.push(`| ≤ 10 bytes per IPv6 prefix | ${b6.toFixed(2)} B (gzip ${(gz(only6) / n6).toFixed(2)} B) | ${ok(b6 <= 10)} |`);
  const open = median('table-lookup', 'openMs')!;
  lines.push(`| open (bytes → first answer) < 1 ms | ${ms(open)} (\`verify()\`, off the request path: ${ms(median('table-lookup', 'verifyMs'))}) | ${ok(open < 1)} |`);
  const parseMs = median('build', 'parseMs')!;
  const compileMs = median('build', 'compileMs')!;
  lines.push(`| build < 2 s | ${ms(parseMs + compileMs)} (parse ${ms(parseMs)} + compile ${ms(compileMs)}) | ${ok(parseMs + compileMs < 2000)} |`);
  lines.push('');
  lines.push('Size:');
  lines.push('');
  lines.push('| | table raw | table gzip | MMDB raw | MMDB gzip |');
  lines.push('|---|--:|--:|--:|--:|');
  const row = (label: string, t: Uint8Array, m: Uint8Array, n: number) =>
    `| ${label} | ${t.length.toLocaleString('en')} B (${(t.length / n).toFixed(2)} B/prefix) | ${(gz(t) / n).toFixed(2)} B/prefix | ${m.length.toLocaleString('en')} B (${(m.length / n).toFixed(2)} B/prefix) | ${(gz(m) / n).toFixed(2)} B/prefix |`;
  lines.push(row(`IPv4 only (${n4.toLocaleString('en')})`, only4, mmdb4, n4));
  lines.push(row(`IPv6 only (${n6.toLocaleString('en')})`, only6, mmdb6, n6));
  lines.push(row('both', bytes, mmdb, n4 + n6));
  lines.push('');
  lines.push(
    `Table internals: ${stats.v4Ranges.toLocaleString('en')} IPv4 ranges (${stats.v4Escapes} escaped leaf ids), ` +
      `${stats.v6Ranges.toLocaleString('en')} IPv6 ranges in ${stats.v6Blocks.toLocaleString('en')} /32 blocks ` +
      `(${stats.v6Escapes} escaped), ${stats.v6LongRanges} ranges inside /64s; ${stats.v4Leaves} IPv4 and ${stats.v6Leaves} IPv6 leaves.`,
  );
  process.stdout.write(`${lines.join('\n')}\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

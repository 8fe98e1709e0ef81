/**
 * Bundle size of the deployable worker (`wrangler deploy --dry-run`), with the example table and with a
 * ≈600k-prefix table (the table benchmark's data set: 500k IPv4 + 100k IPv6 prefixes from real routing
 * data), against the Workers size limits (which apply to the gzip-compressed upload).
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildTable } from '../../scripts/build-table.ts';
import { benchPrefixes, withRegime, type PairRegime } from '../table/data.ts';

const root = new URL('../..', import.meta.url).pathname;

interface Size {
  label: string;
  prefixes: number;
  tableBytes: number;
  rawKiB: number;
  gzipKiB: number;
}

/** Copies the worker into a scratch project whose generated table is `csv`'s, and dry-runs the deploy there. */
async function measure(label: string, csv: string | undefined): Promise<Size> {
  const dir = mkdtempSync(join(tmpdir(), 'multi-user-ip-bundle-'));
  try {
    cpSync(join(root, 'src'), join(dir, 'src'), { recursive: true });
    cpSync(join(root, 'wrangler.toml'), join(dir, 'wrangler.toml'));
    cpSync(join(root, 'package.json'), join(dir, 'package.json'));
    symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
    const input = csv ?? join(root, 'data/multi-user-prefixes.csv');
    const result = await buildTable({
      inputs: [{ file: input }],
      out: join(dir, 'src/worker/generated/multi-user-table.bin'),
      allowDocumentation: csv === undefined,
    });
    // The scratch copy already holds its table: skip the [build] step, which would rebuild the example.
    const toml = readFileSync(join(dir, 'wrangler.toml'), 'utf8').replace(/\[build\][\s\S]*?(?=\n\[)/, '');
    writeFileSync(join(dir, 'wrangler.toml'), toml);
    const run = spawnSync(
      process.execPath,
      [join(root, 'node_modules/wrangler/bin/wrangler.js'), 'deploy', '--dry-run', '--outdir', join(dir, 'dist')],
      {
        cwd: dir,
        encoding: 'utf8',
        env: { ...process.env, WRANGLER_SEND_METRICS: 'false', NO_COLOR: '1' },
      },
    );
    const m = /Total Upload: ([\d.]+) KiB \/ gzip: ([\d.]+) KiB/.exec(run.stdout + run.stderr);
    if (run.status !== 0 || !m) throw new Error(`wrangler deploy --dry-run failed:\n${run.stdout}\n${run.stderr}`);
    return {
      label,
      prefixes: result.stats.v4Prefixes + result.stats.v6Prefixes,
      tableBytes: result.bytes.byteLength,
      rawKiB: Number(m[1]),
      gzipKiB: Number(m[2]),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const scratch = mkdtempSync(join(tmpdir(), 'multi-user-ip-prefixes-'));
console.error('generating the ≈600k-prefix lists…');
const routing = benchPrefixes();
const csv = (regime: PairRegime) => {
  const file = join(scratch, `prefixes-${regime}.csv`);
  writeFileSync(
    file,
    `prefix,kind,users\n${withRegime(routing, regime)
      .map((p) => `${p.prefix},${p.kind},${p.users ?? ''}`)
      .join('\n')}\n`,
  );
  return file;
};
const sizes = [
  await measure('example table (data/multi-user-prefixes.csv)', undefined),
  await measure('≈600k prefixes (500k IPv4 + 100k IPv6), 12 (kind, users) pairs', csv('12')),
  await measure('≈600k prefixes, ~350 (kind, users) pairs', csv('350')),
  await measure('≈600k prefixes, ~30k (kind, users) pairs (per-prefix user estimates)', csv('30k')),
];
rmSync(scratch, { recursive: true, force: true });

console.log('## Worker bundle size\n');
console.log('`wrangler deploy --dry-run --outdir …` of the deployable worker (code + hono + the table as a Data module).\n');
console.log('| table | prefixes | table bytes | upload (raw) | upload (gzip) | share of the Free / Paid limit (3 MB / 10 MB gzip) |');
console.log('|---|---:|---:|---:|---:|---|');
for (const s of sizes) {
  const mb = s.gzipKiB / 1024;
  console.log(
    `| ${s.label} | ${s.prefixes.toLocaleString('en')} | ${s.tableBytes.toLocaleString('en')} | ${s.rawKiB.toFixed(0)} KiB | ${s.gzipKiB.toFixed(0)} KiB | ${((mb / 3) * 100).toFixed(0)} % / ${((mb / 10) * 100).toFixed(0)} % |`,
  );
}
console.log('\nLimits as published on the Workers limits page when measured; check the current page before relying on them.');

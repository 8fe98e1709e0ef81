/**
 * `npm run bench [-- SUITE...]`: runs every benchmark suite (or the named ones), each in its own
 * process, and writes their figures into docs/benchmarks.md.
 *
 * A suite is a folder `bench/<name>/` with a `main.ts` that prints one Markdown section to stdout
 * (progress goes to stderr). Each suite's section sits between `<!-- bench:<name> -->` markers, so
 * running one suite replaces only its own figures and leaves the others as they were measured.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const docPath = join(root, 'docs', 'benchmarks.md');
const all = readdirSync(join(root, 'bench'), { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(root, 'bench', d.name, 'main.ts')))
  .map((d) => d.name)
  .sort();
const wanted = process.argv.slice(2);
for (const name of wanted) {
  if (!all.includes(name)) {
    console.error(`bench: unknown suite "${name}" (expected one of: ${all.join(', ')})`);
    process.exit(2);
  }
}
const suites = wanted.length > 0 ? wanted : all;

// The suites' settings (BENCH_ROUNDS, BENCH_TABLE_RUNS, …) are part of the command that produced a figure.
const settings = Object.keys(process.env)
  .filter((k) => k.startsWith('BENCH_'))
  .sort()
  .map((k) => `${k}=${process.env[k]} `)
  .join('');
const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
let doc = existsSync(docPath) ? readFileSync(docPath, 'utf8') : '';
let failed = false;
for (const name of suites) {
  console.error(`\n=== bench: ${name}`);
  const started = Date.now();
  const run = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'bench', name, 'main.ts')], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
    maxBuffer: 64 * 2 ** 20,
  });
  if (run.status !== 0) {
    console.error(`bench: suite "${name}" failed (exit ${run.status ?? run.signal}); its section is left as it was`);
    failed = true;
    continue;
  }
  const date = new Date().toISOString().slice(0, 10);
  const section =
    `<!-- bench:${name} -->\n` +
    `${run.stdout.trim()}\n\n` +
    `_Measured ${date} on ${machine} with \`${settings}npm run bench -- ${name}\` (${((Date.now() - started) / 1000).toFixed(0)} s)._\n` +
    `<!-- /bench:${name} -->`;
  const re = new RegExp(`<!-- bench:${name} -->[\\s\\S]*?<!-- /bench:${name} -->`);
  doc = re.test(doc) ? doc.replace(re, section) : `${doc.trimEnd()}\n\n${section}\n`;
  process.stdout.write(`${run.stdout.trim()}\n`);
}
if (!doc.startsWith('# Benchmarks')) {
  doc =
    '# Benchmarks\n\nFigures written by `npm run bench` (all suites) or `npm run bench -- SUITE`; each section names the ' +
    'command and machine that produced it. Never edit the figures by hand: rerun the suite.\n\n' +
    doc.trimStart();
}
writeFileSync(docPath, doc.endsWith('\n') ? doc : `${doc}\n`);
process.exit(failed ? 1 : 0);

/**
 * `npm run simulate -- --out DIR [--seed N] [--days N] [--scale X] [--intensity X]
 *   [--timestamps rfc3339|unix|unixnano] [--no-client-asn] [--gzip]`
 *
 * Writes a seeded, simulated Cloudflare Logpush log and everything needed to run and score detection
 * on it: `DIR/logs.ndjson[.gz]`, `DIR/truth.csv` (ground truth per address or /64), `DIR/asn.csv`,
 * `DIR/peeringdb.json` and `DIR/lists/*` (vpn, tor, relay), plus `DIR/README.txt` with the detect
 * command line. User agents are the real ones in test/fixtures/detect-user-agents/.
 */
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { simulate, type SimulateOptions, type SimulationOutput, type SimulatorUserAgents } from '../src/detect/simulate/simulate.ts';

const FIXTURES = new URL('../test/fixtures/detect-user-agents/', import.meta.url).pathname;

/**
 * Reads the simulator's user agents from test/fixtures/detect-user-agents/ (or `dir`).
 *
 * @example
 * ```ts
 * const agents = loadSimulatorUserAgents();
 * agents.browsers.length; // 952
 * ```
 */
export function loadSimulatorUserAgents(dir = FIXTURES): SimulatorUserAgents {
  const lines = (f: string) => readFileSync(join(dir, f), 'utf8').split('\n').filter((l) => l.trim().length > 0);
  const browsers = lines('browsers-weighted.tsv')
    .slice(1)
    .map((l) => {
      const cols = l.split('\t');
      return { ua: cols[4]!, weight: Number(cols[0]) };
    })
    .filter((b) => b.ua !== undefined && b.weight > 0);
  return { browsers, rotation: lines('browsers-isbot.txt'), crawlers: lines('crawlers-isbot.txt') };
}

/**
 * Writes one simulation to `outDir` and returns its summary (truth included).
 *
 * @example
 * ```ts
 * const out = runSimulate({ outDir: '/tmp/sim', seed: 1, days: 7 });
 * out.lines; // ~500k at scale 1
 * ```
 */
export function runSimulate(options: SimulateOptions & { outDir: string; gzip?: boolean }): SimulationOutput & { logFile: string } {
  const { outDir, gzip = false, ...sim } = options;
  mkdirSync(join(outDir, 'lists'), { recursive: true });
  const logFile = join(outDir, gzip ? 'logs.ndjson.gz' : 'logs.ndjson');
  // simulate() is synchronous, so write synchronously in ~1 MB chunks: memory stays flat at any size.
  // With --gzip each chunk is its own gzip member (a multi-member file, which gunzip reads as one).
  const fd = openSync(logFile, 'w');
  let buffer = '';
  const flush = () => {
    if (buffer.length === 0) return;
    if (gzip) writeSync(fd, gzipSync(buffer, { level: 1 }));
    else writeSync(fd, buffer);
    buffer = '';
  };
  let out: SimulationOutput;
  try {
    out = simulate(loadSimulatorUserAgents(), sim, (line) => {
      buffer += `${line}\n`;
      if (buffer.length > 1 << 20) flush();
    });
    flush();
  } finally {
    closeSync(fd);
  }
  writeFileSync(join(outDir, 'asn.csv'), out.asnCsv);
  writeFileSync(join(outDir, 'peeringdb.json'), out.peeringDbJson);
  for (const l of out.lists) writeFileSync(join(outDir, 'lists', l.name), l.text);
  const truthCsv =
    'unit,role,multi_user,kind,users,asn\n' +
    out.truth.map((t) => `${t.unit},${t.role},${t.multiUser},${t.kind ?? ''},${t.users},${t.asn}`).join('\n') +
    '\n';
  writeFileSync(join(outDir, 'truth.csv'), truthCsv);
  const lists = out.lists.map((l) => `--list ${l.kind}:${join(outDir, 'lists', l.name)}`).join(' ');
  writeFileSync(
    join(outDir, 'README.txt'),
    `Simulated log: ${out.lines} lines (${out.malformed} deliberately malformed), seed ${sim.seed ?? 1}.\n` +
      `npm run detect -- --logs ${logFile} --asn ${join(outDir, 'asn.csv')} --peeringdb ${join(outDir, 'peeringdb.json')} ${lists} --out ${join(outDir, 'detected.csv')} --report ${join(outDir, 'report.html')}\n`,
  );
  return { ...out, logFile };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      out: { type: 'string' },
      seed: { type: 'string', default: '1' },
      days: { type: 'string', default: '7' },
      scale: { type: 'string', default: '1' },
      intensity: { type: 'string', default: '1' },
      timestamps: { type: 'string', default: 'rfc3339' },
      'no-client-asn': { type: 'boolean', default: false },
      gzip: { type: 'boolean', default: false },
      population: { type: 'string', default: 'default' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help || values.out === undefined) {
    console.error('usage: npm run simulate -- --out DIR [--seed N] [--days N] [--scale X] [--intensity X] [--timestamps rfc3339|unix|unixnano] [--no-client-asn] [--gzip] [--population default|uneven]');
    process.exit(values.help ? 0 : 2);
  }
  const ts = values.timestamps;
  if (ts !== 'rfc3339' && ts !== 'unix' && ts !== 'unixnano') throw new TypeError(`--timestamps must be rfc3339, unix or unixnano, got ${ts}`);
  const num = (name: string, v: string) => {
    const x = Number(v);
    if (!Number.isFinite(x) || x <= 0) throw new TypeError(`--${name} must be a positive number, got ${v}`);
    return x;
  };
  const out = runSimulate({
    outDir: values.out,
    seed: num('seed', values.seed),
    days: num('days', values.days),
    scale: num('scale', values.scale),
    intensity: num('intensity', values.intensity),
    timestampFormat: ts,
    clientAsn: !values['no-client-asn'],
    gzip: values.gzip,
    population: values.population as SimulateOptions['population'], // simulate() rejects other values
  });
  const multi = out.truth.filter((t) => t.multiUser).length;
  console.error(`wrote ${out.lines} lines to ${out.logFile}; ${out.truth.length} units, ${multi} multi-user; see ${join(values.out, 'README.txt')}`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}

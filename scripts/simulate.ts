/**
 * `multi-user-ip simulate --out DIR [--seed N] [--days N] [--scale X] [--intensity X]
 *   [--timestamps rfc3339|unix|unixnano] [--no-client-asn] [--gzip]`
 *
 * Writes a seeded, simulated Cloudflare Logpush log and everything needed to run and score detection
 * on it: `DIR/logs.ndjson[.gz]`, `DIR/truth.csv` (ground truth per address or /64), `DIR/asn.csv`,
 * `DIR/peeringdb.json` and `DIR/lists/*` (vpn, tor, relay), plus `DIR/README.txt` with the detect
 * command line. User agents are the real ones in test/fixtures/detect-user-agents/.
 */
import { closeSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { simulate, type SimulateOptions, type SimulationOutput, type SimulatorUserAgents } from '../src/detect/simulate/simulate.ts';
import { isMainModule, numberFlag, parseCommandLine, runCommand, UsageError } from './lib/cli.ts';
import { inputError, packageFile, writeAtomic } from './lib/files.ts';

// Shipped with the package (see `files` in package.json): the simulator's real user agents.
const FIXTURES = packageFile('test/fixtures/detect-user-agents/');

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
  const lines = (f: string) => {
    let text: string;
    try {
      text = readFileSync(join(dir, f), 'utf8');
    } catch (e) {
      throw inputError(join(dir, f), e);
    }
    return text.split('\n').filter((l) => l.trim().length > 0);
  };
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
  try {
    mkdirSync(join(outDir, 'lists'), { recursive: true });
  } catch (e) {
    throw inputError(outDir, e);
  }
  const logFile = join(outDir, gzip ? 'logs.ndjson.gz' : 'logs.ndjson');
  // simulate() is synchronous, so write synchronously in ~1 MB chunks: memory stays flat at any size.
  // With --gzip each chunk is its own gzip member (a multi-member file, which gunzip reads as one).
  // Written under a temporary name and renamed at the end, like writeAtomic, so a log is never half there.
  const tmpLog = `${logFile}.tmp-${process.pid}`;
  const fd = openSync(tmpLog, 'w');
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
    closeSync(fd);
    renameSync(tmpLog, logFile);
  } catch (e) {
    closeSync(fd);
    rmSync(tmpLog, { force: true });
    throw e;
  }
  writeAtomic(join(outDir, 'asn.csv'), out.asnCsv);
  writeAtomic(join(outDir, 'peeringdb.json'), out.peeringDbJson);
  for (const l of out.lists) writeAtomic(join(outDir, 'lists', l.name), l.text);
  const truthCsv =
    'unit,role,multi_user,kind,users,asn\n' +
    out.truth.map((t) => `${t.unit},${t.role},${t.multiUser},${t.kind ?? ''},${t.users},${t.asn}`).join('\n') +
    '\n';
  writeAtomic(join(outDir, 'truth.csv'), truthCsv);
  const lists = out.lists.map((l) => `--list ${l.kind}:${join(outDir, 'lists', l.name)}`).join(' ');
  writeAtomic(
    join(outDir, 'README.txt'),
    `Simulated log: ${out.lines} lines (${out.malformed} deliberately malformed), seed ${sim.seed ?? 1}.\n` +
      `multi-user-ip detect --logs ${logFile} --asn ${join(outDir, 'asn.csv')} --peeringdb ${join(outDir, 'peeringdb.json')} ${lists} --out ${join(outDir, 'detected.csv')} --report ${join(outDir, 'report.html')}\n`,
  );
  return { ...out, logFile };
}

const USAGE = `usage: multi-user-ip simulate --out DIR [--seed N] [--days N] [--scale X] [--intensity X]
                             [--timestamps rfc3339|unix|unixnano] [--no-client-asn] [--gzip]
                             [--population default|uneven]
  --out DIR        where the log, truth.csv, asn.csv, peeringdb.json, lists/ and README.txt go
  --seed N         random seed [1]; --days N [7]; --scale X users [1]; --intensity X requests [1]
  --timestamps F   EdgeStartTimestamp format [rfc3339]
  --no-client-asn  leave ClientASN out of the log (detect then needs --asn)
  --gzip           write logs.ndjson.gz
  --population P   default, or uneven (pool addresses 40–900 people each, gateways 100–1,900)`;

/** The flags of simulate (add new ones here). */
const OPTIONS = {
  out: { type: 'string' },
  seed: { type: 'string', default: '1' },
  days: { type: 'string', default: '7' },
  scale: { type: 'string', default: '1' },
  intensity: { type: 'string', default: '1' },
  timestamps: { type: 'string', default: 'rfc3339' },
  'no-client-asn': { type: 'boolean', default: false },
  gzip: { type: 'boolean', default: false },
  population: { type: 'string', default: 'default' },
} as const;

function simulateCli(argv: string[]): number {
  const { values } = parseCommandLine(argv, OPTIONS);
  if (values.out === undefined) throw new UsageError('--out DIR is required');
  const ts = values.timestamps;
  if (ts !== 'rfc3339' && ts !== 'unix' && ts !== 'unixnano')
    throw new UsageError(`--timestamps: expected rfc3339, unix or unixnano, got "${ts}"`);
  const population = values.population;
  if (population !== 'default' && population !== 'uneven')
    throw new UsageError(`--population: expected default or uneven, got "${population}"`);
  const num = (name: string, v: string) => numberFlag(`--${name}`, v, (x) => x > 0, 'a positive number');
  const out = runSimulate({
    outDir: values.out,
    seed: num('seed', values.seed),
    days: num('days', values.days),
    scale: num('scale', values.scale),
    intensity: num('intensity', values.intensity),
    timestampFormat: ts,
    clientAsn: !values['no-client-asn'],
    gzip: values.gzip,
    population,
  });
  const multi = out.truth.filter((t) => t.multiUser).length;
  console.error(
    `wrote ${out.lines} lines to ${out.logFile}; ${out.truth.length} units, ${multi} multi-user; see ${join(values.out, 'README.txt')}`,
  );
  return 0;
}

/**
 * The `simulate` subcommand: returns the exit code (0 written, 1 failed, 2 bad arguments).
 *
 * @example
 * ```ts
 * process.exitCode = await main(['--out', '/tmp/sim', '--scale', '0.1']);
 * ```
 */
export function main(argv: string[]): Promise<number> {
  return runCommand({ name: 'simulate', usage: USAGE, run: simulateCli }, argv);
}

if (isMainModule(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2));
}

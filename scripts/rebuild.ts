/**
 * The table's scheduled pipeline, one command:
 *
 *   multi-user-ip rebuild (--logs FILE... [--asn FILE] [--peeringdb FILE]... | --detected LIST.csv) [--list [KIND:]FILE]...
 *     [--traceroutes FILE... [--probes FILE] [--min-precision P] [--min-recall R]]
 *     [--out-list data/multi-user-prefixes.csv] [--out TABLE.bin] [--previous OLD.bin] [--max-churn PCT]
 *     [--report-dir DIR] [--summary FILE.json]
 *
 * detect (or a ready list) → merge the operator's lists (they win over detection) → validate on RIPE Atlas
 * ground truth (when given) → build the table with the churn guard → change report. Nothing is replaced
 * unless every step passed. Exit codes: 0 built, 1 failed, 2 bad arguments, 3 refused by the churn guard,
 * 4 refused by the validation gate. See docs/pipeline.md.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parsePrefixList, type PrefixEntry } from '../src/prefix-list/index.ts';
import { MULTI_USER_KINDS, MultiUserTable, type MultiUserKind } from '../src/table/index.ts';
import { pct, type ValidationMetrics } from '../src/validate/index.ts';
import { diffEntries, formatChanges, listCsv, mergeEntries, type PrefixChange } from './lib/changes.ts';
import { buildTable, BuildTableError, ChurnGuardError, DEFAULT_INPUT, DEFAULT_OUT, type BuildResult } from './build-table.ts';
import { runDetect } from './detect.ts';
import { runValidate } from './validate.ts';
import { isMainModule, numberFlag, parseCommandLine, runCommand, UsageError } from './lib/cli.ts';
import { readInputBytes, readMaybeGzip, writeAtomic } from './lib/files.ts';

/**
 * Exit codes of `npm run rebuild`.
 *
 * @example
 * ```ts
 * process.exitCode = REBUILD_EXIT.refusedByChurnGuard; // 3
 * ```
 */
export const REBUILD_EXIT = { built: 0, failed: 1, badArguments: 2, refusedByChurnGuard: 3, refusedByValidation: 4 } as const;

/**
 * Options of {@link runRebuild}; paths are relative to `cwd`.
 *
 * @example
 * ```ts
 * await runRebuild({ logs: ['logs.ndjson.gz'], lists: [{ kind: 'vpn', file: 'lists/vpn.txt' }], previous: 'old.bin', maxChurn: 10 });
 * ```
 */
export interface RebuildOptions {
  /** Request logs for detection (any format `npm run detect` reads). */
  logs?: string[];
  asn?: string;
  peeringDb?: string[];
  /** Detection engine: `node` (default) or `clickhouse` (chDB, or a server); see `npm run detect -- --help`. */
  engine?: 'node' | 'clickhouse';
  /** The clickhouse engine's server, table and cluster (`--clickhouse-url`, `--clickhouse-table`, `--clickhouse-cluster`). */
  clickhouse?: { url?: string; table?: string; cluster?: string };
  /** A ready detected list instead of logs. */
  detected?: string;
  /** The operator's own lists, in priority order; `kind` is needed for plain lists. They win over detection. */
  lists?: { kind?: MultiUserKind | undefined; file: string }[];
  /** RIPE Atlas traceroute results: validate the merged list on them. */
  traceroutes?: string[];
  probes?: string;
  /** Refuse (exit 4) when the merged list's precision / recall by address is below this (0–1). */
  minPrecision?: number;
  minRecall?: number;
  privateCarrierHops?: 'cgnat' | 'unknown';
  /** The merged list, which `npm run build:table` (and so `wrangler deploy`) compiles. Default `data/multi-user-prefixes.csv`. */
  outList?: string;
  /** Default `src/worker/generated/multi-user-table.bin`. */
  out?: string;
  /** The table in service, for the churn guard and the change report. */
  previous?: string;
  /** Refuse (exit 3) when more than this percentage of prefixes is added or removed. Needs `previous`. */
  maxChurn?: number;
  /** Accept documentation ranges in the inputs (examples and tests). Default false. */
  allowDocumentation?: boolean;
  /** Where `detection.html`, `validation.html`, `labels.csv`, `table.html` (the table report, with the changes) and `changes.txt` go. */
  reportDir?: string;
  /** Write a JSON summary (status, changed, counts, sha256) here, e.g. for CI. */
  summary?: string;
  cwd?: string;
  /** Where the report goes. Default stdout. */
  print?: (text: string) => void;
}

/**
 * The outcome of {@link runRebuild}.
 *
 * @example
 * ```ts
 * const { status, changed } = await runRebuild(options);
 * ```
 */
export interface RebuildOutcome {
  status: 'built' | 'refused-churn' | 'refused-validation' | 'failed';
  exitCode: number;
  /** The new table differs from `previous` (always true without `previous`). */
  changed: boolean;
  changes: PrefixChange[];
  metrics: ValidationMetrics | undefined;
  build: BuildResult | undefined;
  message: string;
}

export { diffEntries, formatChanges, mergeEntries, type PrefixChange } from './lib/changes.ts';

class RebuildFailure extends Error {}

/** What every phase of {@link runRebuild} shares. */
interface RebuildRun {
  options: RebuildOptions;
  cwd: string;
  at: (path: string) => string;
  print: (text: string) => void;
  /** A scratch directory, removed at the end. */
  work: string;
  allowDocumentation: boolean;
}

/**
 * Runs the pipeline and returns its outcome (never throws for bad inputs: `status: 'failed'` with the message).
 *
 * @example
 * ```ts
 * const outcome = await runRebuild({ detected: 'detected.csv', previous: 'table.bin', maxChurn: 20 });
 * process.exitCode = outcome.exitCode;
 * ```
 */
export async function runRebuild(options: RebuildOptions): Promise<RebuildOutcome> {
  const cwd = options.cwd ?? process.cwd();
  const run: RebuildRun = {
    options,
    cwd,
    at: (p) => resolve(cwd, p),
    print: options.print ?? ((t: string) => void process.stdout.write(t)),
    work: mkdtempSync(join(tmpdir(), 'rebuild-')),
    allowDocumentation: options.allowDocumentation ?? false,
  };
  try {
    checkRebuildOptions(options);
    if (options.reportDir) mkdirSync(run.at(options.reportDir), { recursive: true });
    const sources = await collectSources(run);
    const mergedFile = mergeSources(run, sources);
    const { metrics, refusal } = await validateMerged(run, mergedFile);
    if (refusal !== undefined) return finish(run, 'refused-validation', refusal, { metrics });
    const build = await buildMerged(run, mergedFile, metrics);
    if (!('bytes' in build)) return build;
    const outList = installList(run, mergedFile);
    const { changes, changed } = reportChanges(run, build);
    return finish(run, 'built', `${build.outPath} (${changed ? 'changed' : 'unchanged'}); list ${outList}`, {
      changed,
      changes,
      metrics,
      build,
    });
  } catch (e) {
    // Bad inputs (RebuildFailure, ValidateError, InputError, OutputError, TypeError from an option check)
    // and others (e.g. detection finding the logs mostly malformed) all name their file in the message.
    return finish(run, 'failed', e instanceof Error ? e.message : String(e));
  } finally {
    rmSync(run.work, { recursive: true, force: true });
  }
}

function checkRebuildOptions(options: RebuildOptions): void {
  if (options.logs?.length && options.detected) throw new TypeError('give --logs or --detected, not both');
  if (!options.logs?.length && options.clickhouse?.table === undefined && !options.detected && !options.lists?.length) {
    throw new TypeError('nothing to build from: give --logs, --detected or at least one --list');
  }
  if (options.maxChurn !== undefined && options.previous === undefined) throw new TypeError('--max-churn needs --previous');
}

/** Phase 1: the operator's lists (first, so they win), then detection or the ready list. */
async function collectSources(run: RebuildRun): Promise<PrefixEntry[][]> {
  const { options, at, print } = run;
  const sources: PrefixEntry[][] = [];
  const problems: string[] = [];
  const parse = (text: string, file: string, kind?: MultiUserKind) => {
    const parsed = parsePrefixList(text, { file, ...(kind ? { kind } : {}), allowDocumentation: run.allowDocumentation });
    for (const e of parsed.errors) problems.push(e.message);
    return parsed.entries;
  };
  for (const l of options.lists ?? []) sources.push(parse(readMaybeGzip(at(l.file)), l.file, l.kind));
  if (options.logs?.length || options.clickhouse?.table !== undefined) {
    const detectedFile = join(run.work, 'detected.csv');
    await runDetect({
      // Object URLs go to the clickhouse engine as they are; only local paths are resolved.
      logs: (options.logs ?? []).map((l) => (/^(s3|https?):\/\//i.test(l) ? l : at(l))),
      ...(options.engine ? { engine: options.engine } : {}),
      ...(options.clickhouse ? { clickhouse: options.clickhouse } : {}),
      out: detectedFile,
      ...(options.asn ? { asn: at(options.asn) } : {}),
      ...(options.peeringDb ? { peeringDb: options.peeringDb.map(at) } : {}),
      lists: (options.lists ?? []).filter((l) => l.kind).map((l) => ({ kind: l.kind!, file: at(l.file) })),
      ...(options.reportDir ? { report: join(at(options.reportDir), 'detection.html') } : {}),
      quiet: true,
    });
    const detected = parse(readFileSync(detectedFile, 'utf8'), 'detected');
    sources.push(detected);
    print(
      `detect: ${detected.length} prefixes from ${options.logs?.length ? `${options.logs.length} log file(s)` : options.clickhouse!.table}\n`,
    );
  } else if (options.detected) {
    sources.push(parse(readMaybeGzip(at(options.detected)), options.detected));
  }
  if (problems.length > 0) {
    const more = problems.length > 20 ? `\n  … and ${problems.length - 20} more` : '';
    throw new RebuildFailure(`bad list lines (nothing written):\n  ${problems.slice(0, 20).join('\n  ')}${more}`);
  }
  return sources;
}

/** Phase 2: merge by priority into a scratch CSV; returns its path. */
function mergeSources(run: RebuildRun, sources: PrefixEntry[][]): string {
  const { entries, overridden } = mergeEntries(sources);
  const mergedFile = join(run.work, 'multi-user-prefixes.csv');
  writeAtomic(mergedFile, listCsv(entries));
  const n = overridden.length;
  run.print(`merge: ${entries.length} prefixes${n ? `, ${n} ${n === 1 ? 'entry' : 'entries'} overridden by a list given earlier` : ''}\n`);
  for (const o of overridden.slice(0, 10)) run.print(`  ${o}\n`);
  return mergedFile;
}

/** Phase 3: score the merged list on ground truth (when given) and apply the gate. */
async function validateMerged(run: RebuildRun, mergedFile: string): Promise<{ metrics: ValidationMetrics | undefined; refusal?: string }> {
  const { options, at } = run;
  if (!options.traceroutes?.length) return { metrics: undefined };
  const reportDir = options.reportDir ? at(options.reportDir) : undefined;
  const { metrics } = await runValidate({
    traceroutes: options.traceroutes.map(at),
    list: mergedFile,
    listLabel: 'the merged list',
    allowDocumentation: run.allowDocumentation,
    ...(options.probes ? { probes: at(options.probes) } : {}),
    ...(options.privateCarrierHops ? { privateCarrierHops: options.privateCarrierHops } : {}),
    ...(reportDir ? { report: join(reportDir, 'validation.html'), labelsOut: join(reportDir, 'labels.csv') } : {}),
    print: run.print,
  });
  const { precision, recall } = metrics!.byAddress;
  const low: string[] = [];
  if (options.minPrecision !== undefined && (precision === undefined || precision < options.minPrecision))
    low.push(`precision ${pct(precision)} < ${pct(options.minPrecision)}`);
  if (options.minRecall !== undefined && (recall === undefined || recall < options.minRecall))
    low.push(`recall ${pct(recall)} < ${pct(options.minRecall)}`);
  return low.length > 0 ? { metrics, refusal: `${low.join(', ')} on the ground truth; nothing written` } : { metrics };
}

/** Phase 4: build with the churn guard (build-table writes nothing when it refuses); a refusal is an outcome. */
async function buildMerged(
  run: RebuildRun,
  mergedFile: string,
  metrics: ValidationMetrics | undefined,
): Promise<BuildResult | RebuildOutcome> {
  const { options, at } = run;
  try {
    const build = await buildTable({
      inputs: [{ file: mergedFile }],
      out: at(options.out ?? DEFAULT_OUT),
      allowDocumentation: run.allowDocumentation,
      cwd: run.cwd,
      ...(options.previous ? { previous: at(options.previous) } : {}),
      ...(options.maxChurn !== undefined ? { maxChurn: options.maxChurn } : {}),
      ...(options.reportDir ? { report: join(at(options.reportDir), 'table.html') } : {}),
    });
    run.print(`${build.summary}\n`);
    return build;
  } catch (e) {
    if (e instanceof ChurnGuardError && options.previous) {
      const changes = diffEntries(
        MultiUserTable.from(readInputBytes(at(options.previous))).entries(),
        MultiUserTable.from(e.refused).entries(),
      );
      report(run, formatChanges(changes, options.previous));
      return finish(run, 'refused-churn', `${e.problems.join('; ')}; nothing written`, { changes, metrics });
    }
    if (!(e instanceof BuildTableError)) throw e;
    throw new RebuildFailure(`build-table: ${e.problems.join('\n  ')}`);
  }
}

/** Phase 5: the merged list takes its place (the table is already written, atomically, by build-table). */
function installList(run: RebuildRun, mergedFile: string): string {
  const outList = run.at(run.options.outList ?? DEFAULT_INPUT);
  mkdirSync(dirname(outList), { recursive: true });
  writeAtomic(outList, readFileSync(mergedFile));
  return outList;
}

/** Phase 6: the change report against the table in service (or an empty one). */
function reportChanges(run: RebuildRun, build: BuildResult): { changes: PrefixChange[]; changed: boolean } {
  const previous = run.options.previous;
  const after = MultiUserTable.from(build.bytes).entries();
  if (!previous) {
    const changes = diffEntries([], after);
    report(run, formatChanges(changes, 'an empty table'));
    return { changes, changed: true };
  }
  const before = readInputBytes(run.at(previous));
  const changes = diffEntries(MultiUserTable.from(before).entries(), after);
  report(run, formatChanges(changes, previous));
  return { changes, changed: !Buffer.from(build.bytes).equals(before) };
}

/** The change report goes to the terminal and, for CI artifacts, to the report directory. */
function report(run: RebuildRun, text: string): void {
  run.print(text);
  if (run.options.reportDir) writeAtomic(join(run.at(run.options.reportDir), 'changes.txt'), text);
}

/** The outcome, and the JSON summary when asked for one. */
function finish(run: RebuildRun, status: RebuildOutcome['status'], message: string, rest: Partial<RebuildOutcome> = {}): RebuildOutcome {
  const exitCode = { built: 0, failed: 1, 'refused-churn': 3, 'refused-validation': 4 }[status];
  const o: RebuildOutcome = { status, exitCode, changed: false, changes: [], metrics: undefined, build: undefined, message, ...rest };
  if (run.options.summary) {
    const summary = {
      status: o.status,
      exitCode,
      changed: o.changed,
      message,
      added: o.changes.filter((c) => c.change === 'added').length,
      removed: o.changes.filter((c) => c.change === 'removed').length,
      modified: o.changes.filter((c) => c.change === 'changed').length,
      sha256: o.build?.manifest.table.sha256,
      precision: o.metrics?.byAddress.precision,
      recall: o.metrics?.byAddress.recall,
    };
    try {
      writeAtomic(run.at(run.options.summary), `${JSON.stringify(summary, null, 2)}\n`);
    } catch (e) {
      // The summary is an output like the others: failing to write it fails the run (CI reads it).
      return { ...o, status: 'failed', exitCode: 1, message: `${message}; ${(e as Error).message}` };
    }
  }
  if (status !== 'failed') run.print(`rebuild: ${status}: ${message}\n`);
  return o;
}

const USAGE = `usage: multi-user-ip rebuild (--logs FILE... [--asn FILE] [--peeringdb FILE]... | --detected LIST.csv)
         [--list [KIND:]FILE]... [--traceroutes FILE... [--probes FILE] [--min-precision P] [--min-recall R]
         [--private-hops cgnat|unknown]] [--out-list FILE.csv] [--out TABLE.bin] [--previous OLD.bin]
         [--max-churn PCT] [--report-dir DIR] [--summary FILE.json] [--allow-documentation]
         [--engine node|clickhouse [--clickhouse-url URL] [--clickhouse-table NAME] [--clickhouse-cluster NAME]]
every input may be gzip-compressed
exit codes: 0 built, 1 failed, 2 bad arguments, 3 refused by the churn guard, 4 refused by the validation gate`;

/** The flags of rebuild (add new ones here; a plain string flag also needs its key in STRING_FLAGS). */
const OPTIONS = {
  logs: { type: 'string', multiple: true },
  asn: { type: 'string' },
  peeringdb: { type: 'string', multiple: true },
  detected: { type: 'string' },
  list: { type: 'string', multiple: true },
  traceroutes: { type: 'string', multiple: true },
  probes: { type: 'string' },
  'min-precision': { type: 'string' },
  'min-recall': { type: 'string' },
  'private-hops': { type: 'string' },
  'out-list': { type: 'string' },
  out: { type: 'string' },
  previous: { type: 'string' },
  'max-churn': { type: 'string' },
  'report-dir': { type: 'string' },
  summary: { type: 'string' },
  'allow-documentation': { type: 'boolean' },
  engine: { type: 'string' },
  'clickhouse-url': { type: 'string' },
  'clickhouse-table': { type: 'string' },
  'clickhouse-cluster': { type: 'string' },
} as const;

/** Flags whose value is stored as is, and the option they set. */
const STRING_FLAGS: Record<string, keyof RebuildOptions> = {
  asn: 'asn',
  detected: 'detected',
  probes: 'probes',
  'out-list': 'outList',
  out: 'out',
  previous: 'previous',
  'report-dir': 'reportDir',
  summary: 'summary',
};

function fraction(text: string, option: string): number {
  const n = text.endsWith('%') ? Number(text.slice(0, -1)) / 100 : Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1)
    throw new UsageError(`${option}: expected a fraction 0–1 or a percentage, got "${text}"`);
  return n;
}

/**
 * Parses command-line arguments; throws a {@link UsageError} naming the bad option. Files after `--logs` or
 * `--traceroutes` belong to it until the next option.
 *
 * @example
 * ```ts
 * parseRebuildArgs(['--detected', 'd.csv', '--list', 'vpn:lists/vpn.txt']).lists; // [{ kind: 'vpn', file: 'lists/vpn.txt' }]
 * ```
 */
export function parseRebuildArgs(argv: string[]): RebuildOptions {
  const { tokens } = parseCommandLine(argv, OPTIONS, { allowPositionals: true });
  const o: RebuildOptions = {};
  let last: 'logs' | 'traceroutes' | undefined;
  const kinds = MULTI_USER_KINDS as readonly string[];
  for (const t of tokens ?? []) {
    if (t.kind === 'positional') {
      if (!last) throw new UsageError(`unexpected argument "${t.value}"`);
      (o[last] ??= []).push(t.value);
      continue;
    }
    if (t.kind !== 'option') continue;
    last = undefined;
    const v = t.value ?? '';
    switch (t.name) {
      case 'logs':
      case 'traceroutes':
        (o[t.name] ??= []).push(v);
        last = t.name;
        break;
      case 'peeringdb':
        (o.peeringDb ??= []).push(v);
        break;
      case 'list': {
        const i = v.indexOf(':');
        const kind = i > 0 ? v.slice(0, i) : undefined;
        if (kind !== undefined && kinds.includes(kind)) (o.lists ??= []).push({ kind: kind as MultiUserKind, file: v.slice(i + 1) });
        else if (kind !== undefined && /^[a-z-]+$/.test(kind))
          throw new UsageError(`--list ${v}: unknown kind "${kind}" (expected one of ${kinds.join(', ')})`);
        else (o.lists ??= []).push({ file: v });
        break;
      }
      case 'max-churn': {
        o.maxChurn = numberFlag('--max-churn', v.replace(/%$/, ''), (n) => n >= 0, 'a percentage ≥ 0');
        break;
      }
      case 'min-precision':
        o.minPrecision = fraction(v, '--min-precision');
        break;
      case 'min-recall':
        o.minRecall = fraction(v, '--min-recall');
        break;
      case 'private-hops':
        if (v !== 'cgnat' && v !== 'unknown') throw new UsageError(`--private-hops: expected cgnat or unknown, got "${v}"`);
        o.privateCarrierHops = v;
        break;
      case 'allow-documentation':
        o.allowDocumentation = true;
        break;
      case 'engine':
        if (v !== 'node' && v !== 'clickhouse') throw new UsageError(`--engine: expected node or clickhouse, got "${v}"`);
        o.engine = v;
        break;
      case 'clickhouse-url':
      case 'clickhouse-table':
      case 'clickhouse-cluster':
        (o.clickhouse ??= {})[t.name.slice('clickhouse-'.length) as 'url' | 'table' | 'cluster'] = v;
        break;
      default: {
        const key = STRING_FLAGS[t.name];
        if (!key) throw new UsageError(`unknown option --${t.name}`);
        (o as Record<string, unknown>)[key] = v;
      }
    }
  }
  if (o.clickhouse !== undefined && o.engine !== 'clickhouse')
    throw new UsageError('--clickhouse-url, --clickhouse-table and --clickhouse-cluster need --engine clickhouse');
  return o;
}

/**
 * The `rebuild` subcommand: returns the exit code ({@link REBUILD_EXIT}).
 *
 * @example
 * ```ts
 * process.exitCode = await main(process.argv.slice(2));
 * ```
 */
export function main(argv: string[]): Promise<number> {
  return runCommand({ name: 'rebuild', usage: USAGE, run: rebuildCli }, argv);
}

async function rebuildCli(argv: string[]): Promise<number> {
  const options = parseRebuildArgs(argv);
  if (!options.logs?.length && options.clickhouse?.table === undefined && !options.detected && !options.lists?.length) {
    throw new UsageError('nothing to build from: give --logs, --detected or at least one --list');
  }
  if (options.logs?.length && options.detected) throw new UsageError('give --logs or --detected, not both');
  if (options.maxChurn !== undefined && !options.previous) throw new UsageError('--max-churn needs --previous (the table in service)');
  if (options.previous && !existsSync(resolve(options.previous))) throw new UsageError(`--previous ${options.previous}: no such file`);
  const outcome = await runRebuild({ ...options, print: (t) => void process.stdout.write(t) });
  if (outcome.status === 'failed') process.stderr.write(`rebuild: failed: ${outcome.message}\n`);
  return outcome.exitCode;
}

if (isMainModule(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2));
}

/**
 * The table's scheduled pipeline, one command:
 *
 *   npm run rebuild -- (--logs FILE... [--asn FILE] [--peeringdb FILE]... | --detected LIST.csv) [--list [KIND:]FILE]...
 *     [--traceroutes FILE... [--probes FILE] [--min-precision P] [--min-recall R]]
 *     [--out-list data/multi-user-prefixes.csv] [--out TABLE.bin] [--previous OLD.bin] [--max-churn PCT]
 *     [--report-dir DIR] [--summary FILE.json]
 *
 * detect (or a ready list) → merge the operator's lists (they win over detection) → validate on RIPE Atlas
 * ground truth (when given) → build the table with the churn guard → change report. Nothing is replaced
 * unless every step passed. Exit codes: 0 built, 1 failed, 2 bad arguments, 3 refused by the churn guard,
 * 4 refused by the validation gate. See docs/pipeline.md.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { parsePrefixList, type PrefixEntry } from '../src/prefix-list/index.ts';
import { MULTI_USER_KINDS, MultiUserTable, type MultiUserKind, type MultiUserMatch } from '../src/table/index.ts';
import { compareAddresses, pct, type ValidationMetrics } from '../src/validate/index.ts';
import { buildTable, BuildTableError, ChurnGuardError, DEFAULT_INPUT, DEFAULT_OUT, type BuildResult } from './build-table.ts';
import { runDetect } from './detect.ts';
import { runValidate, ValidateError } from './validate.ts';
import { InputError, readMaybeGzip } from './lib/files.ts';

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
  /** Where `detection.html`, `validation.html`, `labels.csv` and `changes.txt` go. */
  reportDir?: string;
  /** Write a JSON summary (status, changed, counts, sha256) here, e.g. for CI. */
  summary?: string;
  cwd?: string;
  /** Where the report goes. Default stdout. */
  print?: (text: string) => void;
}

/**
 * One prefix that differs between the previous table and the new one.
 *
 * @example
 * ```ts
 * const c: PrefixChange = { change: 'changed', prefix: '81.2.69.0/24', before: { kind: 'cgnat', users: 100 }, after: { kind: 'cgnat', users: 400 }, weight: 256 };
 * ```
 */
export interface PrefixChange {
  change: 'added' | 'removed' | 'changed';
  prefix: string;
  before: Pick<MultiUserMatch, 'kind' | 'users'> | undefined;
  after: Pick<MultiUserMatch, 'kind' | 'users'> | undefined;
  /** Addresses covered (IPv6: /64 subnets), the "size" of the change. */
  weight: number;
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

function weightOf(prefix: string): number {
  const [addr, bits] = prefix.split('/');
  const n = Number(bits);
  return addr!.includes(':') ? 2 ** Math.max(0, 64 - n) : 2 ** (32 - n);
}

/**
 * Compares two sets of table entries: added, removed and changed (kind or users) prefixes, largest first
 * (by addresses covered, IPv6 by /64s; then by the change in users).
 *
 * @example
 * ```ts
 * diffEntries(oldTable.entries(), newTable.entries()).filter((c) => c.change === 'added');
 * ```
 */
export function diffEntries(before: Iterable<MultiUserMatch>, after: Iterable<MultiUserMatch>): PrefixChange[] {
  const old = new Map<string, MultiUserMatch>();
  for (const m of before) old.set(m.prefix, m);
  const changes: PrefixChange[] = [];
  const seen = new Set<string>();
  for (const m of after) {
    seen.add(m.prefix);
    const o = old.get(m.prefix);
    const now = { kind: m.kind, users: m.users };
    if (!o) changes.push({ change: 'added', prefix: m.prefix, before: undefined, after: now, weight: weightOf(m.prefix) });
    else if (o.kind !== m.kind || o.users !== m.users) {
      changes.push({ change: 'changed', prefix: m.prefix, before: { kind: o.kind, users: o.users }, after: now, weight: weightOf(m.prefix) });
    }
  }
  for (const [prefix, o] of old) {
    if (!seen.has(prefix)) changes.push({ change: 'removed', prefix, before: { kind: o.kind, users: o.users }, after: undefined, weight: weightOf(prefix) });
  }
  const usersDelta = (c: PrefixChange) => Math.abs((c.after?.users ?? 0) - (c.before?.users ?? 0));
  const net = (p: string) => p.split('/')[0]!;
  return changes.sort(
    (a, b) => b.weight - a.weight || usersDelta(b) - usersDelta(a) || compareAddresses(net(a.prefix), net(b.prefix)) || a.prefix.localeCompare(b.prefix),
  );
}

/**
 * The change report: counts by kind, then the largest changes.
 *
 * @example
 * ```ts
 * console.log(formatChanges(diffEntries(before, after), 'old.bin'));
 * ```
 */
export function formatChanges(changes: readonly PrefixChange[], against: string, maxRows = 30): string {
  const added = changes.filter((c) => c.change === 'added').length;
  const removed = changes.filter((c) => c.change === 'removed').length;
  const out = [`Changes against ${against}: +${added} added, -${removed} removed, ~${changes.length - added - removed} changed`];
  if (changes.length === 0) return `${out[0]} (the table is unchanged)\n`;
  const byKind = new Map<string, [number, number, number]>();
  for (const c of changes) {
    const kind = c.change === 'removed' ? c.before!.kind : c.after!.kind;
    const row = byKind.get(kind) ?? [0, 0, 0];
    row[c.change === 'added' ? 0 : c.change === 'removed' ? 1 : 2]++;
    byKind.set(kind, row);
  }
  out.push(`  ${'kind'.padEnd(12)}${'added'.padStart(8)}${'removed'.padStart(9)}${'changed'.padStart(9)}`);
  for (const kind of MULTI_USER_KINDS) {
    const r = byKind.get(kind);
    if (r) out.push(`  ${kind.padEnd(12)}${String(r[0]).padStart(8)}${String(r[1]).padStart(9)}${String(r[2]).padStart(9)}`);
  }
  out.push('  largest first:');
  const show = (v: Pick<MultiUserMatch, 'kind' | 'users'>) => `${v.kind}${v.users === undefined ? '' : ` users ${v.users}`}`;
  for (const c of changes.slice(0, maxRows)) {
    const what = c.change === 'added' ? `+ ${c.prefix} ${show(c.after!)}` : c.change === 'removed' ? `- ${c.prefix} ${show(c.before!)}` : `~ ${c.prefix} ${show(c.before!)} → ${show(c.after!)}`;
    out.push(`    ${what}`);
  }
  if (changes.length > maxRows) out.push(`    … and ${changes.length - maxRows} more`);
  return `${out.join('\n')}\n`;
}

/**
 * Merges lists by priority: the first source that names a prefix decides its kind; its users estimate
 * too, unless it gives none and a later source of the same kind does. Later sources naming the prefix
 * with another kind are reported as overridden.
 *
 * @example
 * ```ts
 * const { entries, overridden } = mergeEntries([operatorVpn, detected]);
 * ```
 */
export function mergeEntries(sources: readonly PrefixEntry[][]): { entries: PrefixEntry[]; overridden: string[] } {
  const byPrefix = new Map<string, PrefixEntry>();
  const overridden: string[] = [];
  for (const source of sources) {
    for (const e of source) {
      const kept = byPrefix.get(e.prefix);
      if (!kept) byPrefix.set(e.prefix, e);
      else if (kept.kind !== e.kind) {
        overridden.push(`${e.file}:${e.line}: ${e.prefix} ${e.kind} overridden by ${kept.kind} from ${kept.file}:${kept.line}`);
      } else if (kept.users === undefined && e.users !== undefined) {
        // Same kind: a list that says nothing about users takes the estimate from the next source.
        byPrefix.set(e.prefix, { ...kept, users: e.users });
      }
    }
  }
  const entries = [...byPrefix.values()].sort((a, b) => {
    const [x, y] = [a.prefix.split('/')[0]!, b.prefix.split('/')[0]!];
    return compareAddresses(x, y) || a.bits - b.bits;
  });
  return { entries, overridden };
}

function listCsv(entries: readonly PrefixEntry[]): string {
  const lines = ['# Generated by npm run rebuild: detected prefixes merged with the operator lists (see docs/pipeline.md).', 'prefix,kind,users,source'];
  for (const e of entries) lines.push(`${e.prefix},${e.kind},${e.users ?? ''},${e.file.replace(/[,\n"]/g, '_')}`);
  return `${lines.join('\n')}\n`;
}

class RebuildFailure extends Error {}

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
  const at = (p: string) => resolve(cwd, p);
  const print = options.print ?? ((t: string) => void process.stdout.write(t));
  const work = mkdtempSync(join(tmpdir(), 'rebuild-'));
  // The change report also goes to the report directory, for CI artifacts.
  const report = (text: string) => {
    print(text);
    if (options.reportDir) writeFileSync(join(at(options.reportDir), 'changes.txt'), text);
  };
  const outcome = (status: RebuildOutcome['status'], message: string, rest: Partial<RebuildOutcome> = {}): RebuildOutcome => {
    const exitCode = { built: 0, failed: 1, 'refused-churn': 3, 'refused-validation': 4 }[status];
    const o: RebuildOutcome = { status, exitCode, changed: false, changes: [], metrics: undefined, build: undefined, message, ...rest };
    if (options.summary) {
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
      writeFileSync(at(options.summary), `${JSON.stringify(summary, null, 2)}\n`);
    }
    if (status !== 'failed') print(`rebuild: ${status}: ${message}\n`);
    return o;
  };
  try {
    if (options.logs?.length && options.detected) throw new TypeError('give --logs or --detected, not both');
    if (!options.logs?.length && options.clickhouse?.table === undefined && !options.detected && !options.lists?.length) {
      throw new TypeError('nothing to build from: give --logs, --detected or at least one --list');
    }
    if (options.maxChurn !== undefined && options.previous === undefined) throw new TypeError('--max-churn needs --previous');
    if (options.reportDir) mkdirSync(at(options.reportDir), { recursive: true });

    // 1. Detection, or the ready list.
    const sources: PrefixEntry[][] = [];
    const problems: string[] = [];
    const readList = (file: string, kind: MultiUserKind | undefined) => {
      const parsed = parsePrefixList(readMaybeGzip(at(file)), { file, ...(kind ? { kind } : {}), allowDocumentation: options.allowDocumentation ?? false });
      for (const e of parsed.errors) problems.push(e.message);
      return parsed.entries;
    };
    for (const l of options.lists ?? []) sources.push(readList(l.file, l.kind));
    if (options.logs?.length || options.clickhouse?.table !== undefined) {
      const detectedFile = join(work, 'detected.csv');
      await runDetect({
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
      const parsed = parsePrefixList(readFileSync(detectedFile, 'utf8'), { file: 'detected', allowDocumentation: options.allowDocumentation ?? false });
      for (const e of parsed.errors) problems.push(e.message);
      sources.push(parsed.entries);
      print(`detect: ${parsed.entries.length} prefixes from ${options.logs?.length ? `${options.logs.length} log file(s)` : options.clickhouse!.table}\n`);
    } else if (options.detected) {
      sources.push(readList(options.detected, undefined));
    }
    if (problems.length > 0) throw new RebuildFailure(`bad list lines (nothing written):\n  ${problems.slice(0, 20).join('\n  ')}${problems.length > 20 ? `\n  … and ${problems.length - 20} more` : ''}`);

    // 2. Merge: the operator's lists first, so they win.
    const { entries, overridden } = mergeEntries(sources);
    const mergedFile = join(work, 'multi-user-prefixes.csv');
    writeFileSync(mergedFile, listCsv(entries));
    const n = overridden.length;
    print(`merge: ${entries.length} prefixes${n ? `, ${n} ${n === 1 ? 'entry' : 'entries'} overridden by a list given earlier` : ''}\n`);
    for (const o of overridden.slice(0, 10)) print(`  ${o}\n`);

    // 3. Validation on ground truth.
    let metrics: ValidationMetrics | undefined;
    if (options.traceroutes?.length) {
      const v = await runValidate({
        traceroutes: options.traceroutes.map(at),
        list: mergedFile,
        listLabel: 'the merged list',
        allowDocumentation: options.allowDocumentation ?? false,
        ...(options.probes ? { probes: at(options.probes) } : {}),
        ...(options.privateCarrierHops ? { privateCarrierHops: options.privateCarrierHops } : {}),
        ...(options.reportDir ? { report: join(at(options.reportDir), 'validation.html'), labelsOut: join(at(options.reportDir), 'labels.csv') } : {}),
        print,
      });
      metrics = v.metrics;
      const { precision, recall } = metrics!.byAddress;
      const low: string[] = [];
      if (options.minPrecision !== undefined && (precision === undefined || precision < options.minPrecision)) low.push(`precision ${pct(precision)} < ${pct(options.minPrecision)}`);
      if (options.minRecall !== undefined && (recall === undefined || recall < options.minRecall)) low.push(`recall ${pct(recall)} < ${pct(options.minRecall)}`);
      if (low.length > 0) return outcome('refused-validation', `${low.join(', ')} on the ground truth; nothing written`, { metrics });
    }

    // 4. Build with the churn guard (build-table writes nothing when it refuses).
    const out = options.out ?? DEFAULT_OUT;
    const buildOptions = { inputs: [{ file: mergedFile }], out: at(out), allowDocumentation: options.allowDocumentation ?? false, cwd };
    let build: BuildResult;
    try {
      build = await buildTable({ ...buildOptions, ...(options.previous ? { previous: at(options.previous) } : {}), ...(options.maxChurn !== undefined ? { maxChurn: options.maxChurn } : {}) });
    } catch (e) {
      if (e instanceof ChurnGuardError && options.previous) {
        const changes = diffEntries(MultiUserTable.from(readFileSync(at(options.previous))).entries(), MultiUserTable.from(e.refused).entries());
        report(formatChanges(changes, options.previous));
        return outcome('refused-churn', `${e.problems.join('; ')}; nothing written`, { changes, metrics });
      }
      if (!(e instanceof BuildTableError)) throw e;
      throw new RebuildFailure(`build-table: ${e.problems.join('\n  ')}`);
    }
    print(`${build.summary}\n`);

    // 5. The merged list takes its place (the table is already written, atomically, by build-table).
    const outList = at(options.outList ?? DEFAULT_INPUT);
    mkdirSync(dirname(outList), { recursive: true });
    const tmpList = `${outList}.tmp-${process.pid}`;
    writeFileSync(tmpList, readFileSync(mergedFile));
    renameSync(tmpList, outList);

    // 6. Change report.
    let changes: PrefixChange[] = diffEntries([], MultiUserTable.from(build.bytes).entries());
    let changed = true;
    if (options.previous) {
      const before = readFileSync(at(options.previous));
      changed = !Buffer.from(build.bytes).equals(before);
      changes = diffEntries(MultiUserTable.from(before).entries(), MultiUserTable.from(build.bytes).entries());
    }
    report(formatChanges(changes, options.previous ?? 'an empty table'));
    return outcome('built', `${build.outPath} (${changed ? 'changed' : 'unchanged'}); list ${outList}`, { changed, changes, metrics, build });
  } catch (e) {
    if (e instanceof RebuildFailure || e instanceof ValidateError || e instanceof InputError || e instanceof TypeError) return outcome('failed', e.message);
    // Other errors (e.g. detection finding the logs mostly malformed) name their file in the message.
    return outcome('failed', e instanceof Error ? e.message : String(e));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

const USAGE = `usage: npm run rebuild -- (--logs FILE... [--asn FILE] [--peeringdb FILE]... | --detected LIST.csv)
         [--list [KIND:]FILE]... [--traceroutes FILE... [--probes FILE] [--min-precision P] [--min-recall R]
         [--private-hops cgnat|unknown]] [--out-list FILE.csv] [--out TABLE.bin] [--previous OLD.bin]
         [--max-churn PCT] [--report-dir DIR] [--summary FILE.json] [--allow-documentation]
         [--engine node|clickhouse [--clickhouse-url URL] [--clickhouse-table NAME] [--clickhouse-cluster NAME]]
exit codes: 0 built, 1 failed, 2 bad arguments, 3 refused by the churn guard, 4 refused by the validation gate`;

function fraction(text: string, option: string): number {
  const n = text.endsWith('%') ? Number(text.slice(0, -1)) / 100 : Number(text);
  if (!Number.isFinite(n) || n < 0 || n > 1) throw new TypeError(`${option}: expected a fraction 0–1 or a percentage, got "${text}"`);
  return n;
}

/**
 * Parses command-line arguments; throws `TypeError` naming the bad option. Files after `--logs` or
 * `--traceroutes` belong to it until the next option.
 *
 * @example
 * ```ts
 * parseRebuildArgs(['--detected', 'd.csv', '--list', 'vpn:lists/vpn.txt']).lists; // [{ kind: 'vpn', file: 'lists/vpn.txt' }]
 * ```
 */
export function parseRebuildArgs(argv: string[]): RebuildOptions {
  const many = { type: 'string', multiple: true } as const;
  const one = { type: 'string' } as const;
  const { tokens } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    tokens: true,
    options: {
      logs: many,
      asn: one,
      peeringdb: many,
      detected: one,
      list: many,
      traceroutes: many,
      probes: one,
      'min-precision': one,
      'min-recall': one,
      'private-hops': one,
      'out-list': one,
      out: one,
      previous: one,
      'max-churn': one,
      'report-dir': one,
      summary: one,
      'allow-documentation': { type: 'boolean' },
      engine: one,
      'clickhouse-url': one,
      'clickhouse-table': one,
      'clickhouse-cluster': one,
    },
  });
  const o: RebuildOptions = {};
  let last: 'logs' | 'traceroutes' | undefined;
  const kinds = MULTI_USER_KINDS as readonly string[];
  for (const t of tokens ?? []) {
    if (t.kind === 'positional') {
      if (!last) throw new TypeError(`unexpected argument "${t.value}"`);
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
        else if (kind !== undefined && /^[a-z-]+$/.test(kind)) throw new TypeError(`--list ${v}: unknown kind "${kind}" (expected one of ${kinds.join(', ')})`);
        else (o.lists ??= []).push({ file: v });
        break;
      }
      case 'max-churn': {
        const n = Number(v.replace(/%$/, ''));
        if (!Number.isFinite(n) || n < 0) throw new TypeError(`--max-churn: expected a percentage ≥ 0, got "${v}"`);
        o.maxChurn = n;
        break;
      }
      case 'min-precision':
        o.minPrecision = fraction(v, '--min-precision');
        break;
      case 'min-recall':
        o.minRecall = fraction(v, '--min-recall');
        break;
      case 'private-hops':
        if (v !== 'cgnat' && v !== 'unknown') throw new TypeError(`--private-hops: expected cgnat or unknown, got "${v}"`);
        o.privateCarrierHops = v;
        break;
      case 'allow-documentation':
        o.allowDocumentation = true;
        break;
      case 'engine':
        if (v !== 'node' && v !== 'clickhouse') throw new TypeError(`--engine: expected node or clickhouse, got "${v}"`);
        o.engine = v;
        break;
      case 'clickhouse-url':
      case 'clickhouse-table':
      case 'clickhouse-cluster':
        (o.clickhouse ??= {})[t.name.slice('clickhouse-'.length) as 'url' | 'table' | 'cluster'] = v;
        break;
      default: {
        const key = { asn: 'asn', detected: 'detected', probes: 'probes', 'out-list': 'outList', out: 'out', previous: 'previous', 'report-dir': 'reportDir', summary: 'summary' }[t.name];
        if (!key) throw new TypeError(`unknown option --${t.name}`);
        (o as Record<string, unknown>)[key] = v;
      }
    }
  }
  if (o.clickhouse !== undefined && o.engine !== 'clickhouse') throw new TypeError('--clickhouse-url, --clickhouse-table and --clickhouse-cluster need --engine clickhouse');
  return o;
}

/**
 * The CLI: returns the exit code ({@link REBUILD_EXIT}).
 *
 * @example
 * ```ts
 * process.exitCode = await main(process.argv.slice(2));
 * ```
 */
export async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${USAGE}\n`);
    return REBUILD_EXIT.built;
  }
  let options: RebuildOptions;
  try {
    options = parseRebuildArgs(argv);
    if (!options.logs?.length && options.clickhouse?.table === undefined && !options.detected && !options.lists?.length) throw new TypeError('nothing to build from: give --logs, --detected or at least one --list');
    if (options.maxChurn !== undefined && !options.previous) throw new TypeError('--max-churn needs --previous');
    if (options.previous && !existsSync(resolve(options.previous))) throw new TypeError(`--previous ${options.previous}: no such file`);
  } catch (e) {
    process.stderr.write(`rebuild: ${(e as Error).message}\n${USAGE}\n`);
    return REBUILD_EXIT.badArguments;
  }
  const outcome = await runRebuild({ ...options, print: (t) => void process.stdout.write(t) });
  if (outcome.status === 'failed') process.stderr.write(`rebuild: failed: ${outcome.message}\n`);
  return outcome.exitCode;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}

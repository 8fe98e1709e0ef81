/**
 * `multi-user-ip build-table --in FILE [--kind K] [--in FILE [--kind K]]... [--out FILE]
 *   [--previous OLD.bin --max-churn PCT] [--allow-documentation] [--skip-invalid]
 *   [--on-conflict first|error] [--allow-empty] [--report FILE.html]`
 *
 * Compiles multi-user prefix lists into the binary table the worker bundles, plus a JSON manifest
 * beside it. With no `--in` it reads data/multi-user-prefixes.csv (example data in documentation
 * ranges, so documentation ranges are allowed for it) and writes src/worker/generated/. Every problem
 * is reported as `file:line: what was expected`; on any problem nothing is written (files are written
 * to a temporary name and renamed, so an existing table is never half-written).
 */
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { isMainModule, numberFlag, parseCommandLine, runCommand, UsageError } from './lib/cli.ts';
import { OutputError, readInputBytes, writeAtomic } from './lib/files.ts';
import { formatInputSummary, type ReadInput, readTableInputs, type TableInput } from './lib/table-inputs.ts';
import { writeTableReport } from './lib/table-report.ts';
import {
  compileTable,
  FORMAT_VERSION,
  MULTI_USER_KINDS,
  MultiUserTable,
  readTablePrefixes,
  TableCompileError,
  type CompileStats,
  type MultiUserKind,
} from '../src/table/index.ts';

/** One input list; `kind` is required for plain lists and MISP JSON, and fills empty `kind` cells. */
export type BuildTableInput = TableInput;

/** Options for {@link buildTable}; paths are relative to `cwd`. */
export interface BuildTableOptions {
  /** Default: `[{ file: 'data/multi-user-prefixes.csv' }]` (and then `allowDocumentation` defaults to true). */
  inputs?: BuildTableInput[];
  /** Default `src/worker/generated/multi-user-table.bin`. */
  out?: string;
  /** Default: `out` with `.bin` replaced by `.manifest.json`. */
  manifest?: string;
  /** A previous table to compare with (churn guard). */
  previous?: string;
  /** Fail when more than this percentage of prefixes was added or removed relative to `previous`. */
  maxChurn?: number;
  /** Accept documentation ranges (RFC 5737, RFC 3849, RFC 9637). Default false, true for the default input. */
  allowDocumentation?: boolean;
  /** Default `process.cwd()`. */
  cwd?: string;
  /** Write the files (default true); false only computes the result. */
  write?: boolean;
  /** Skip lines that are not valid prefixes (reported in the summary) instead of failing. Default false. */
  skipInvalid?: boolean;
  /** A prefix listed by several inputs: `first` (default) keeps the earlier input's; `error` fails. */
  onConflict?: 'first' | 'error';
  /** Write a table even when the inputs hold no prefix at all. Default false (that is an error). */
  allowEmpty?: boolean;
  /** Also write the HTML table report here (also when the churn guard refuses the table). */
  report?: string;
}

/** The manifest written beside the table. */
export interface TableManifest {
  formatVersion: number;
  table: { file: string; bytes: number; sha256: string; crc32: string };
  counts: { ipv4: number; ipv6: number; byKind: Record<'ipv4' | 'ipv6', Partial<Record<MultiUserKind, number>>> };
  /** `lost`: prefixes an earlier input listed with other attributes; `skipped`: bad lines left out (`skipInvalid`). */
  inputs: ReadInput[];
  /** Not part of the table bytes, which stay deterministic. */
  builtAt: string;
}

/** What {@link buildTable} produced. */
export interface BuildResult {
  bytes: Uint8Array;
  manifest: TableManifest;
  stats: CompileStats;
  gzipBytes: number;
  /** Prefix sets compared (a prefix counts once, whatever its attributes or the table format). */
  churn?: { previous: number; added: number; removed: number; percent: number };
  /** Lines left out with `skipInvalid`, `file:line: reason`. */
  skipped: string[];
  /** The human summary the CLI prints. */
  summary: string;
  outPath: string;
  manifestPath: string;
}

/**
 * The build failed; `problems` lists every problem (each `file:line: what was expected`).
 *
 * @example
 * ```ts
 * try { await buildTable({ inputs: [{ file: 'x.csv' }] }); } catch (e) { if (e instanceof BuildTableError) console.error(e.problems); }
 * ```
 */
export class BuildTableError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(problems.join('\n'));
    this.name = 'BuildTableError';
    this.problems = problems;
  }
}

/**
 * The churn guard refused the table: more than `maxChurn` % of prefixes were added or removed relative
 * to `previous`. Carries the figures and the refused table (never written), for a change report.
 *
 * @example
 * ```ts
 * try { await buildTable({ previous: 'old.bin', maxChurn: 10 }); } catch (e) { if (e instanceof ChurnGuardError) console.error(e.churn.percent); }
 * ```
 */
export class ChurnGuardError extends BuildTableError {
  readonly churn: NonNullable<BuildResult['churn']>;
  readonly refused: Uint8Array;
  constructor(problem: string, churn: NonNullable<BuildResult['churn']>, refused: Uint8Array) {
    super([problem]);
    this.name = 'ChurnGuardError';
    this.churn = churn;
    this.refused = refused;
  }
}

export const DEFAULT_INPUT = 'data/multi-user-prefixes.csv';
export const DEFAULT_OUT = 'src/worker/generated/multi-user-table.bin';

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/**
 * Builds (and by default writes) the table and its manifest. Throws {@link BuildTableError} and
 * writes nothing when any input has a problem, the table fails `verify()`, or the churn guard trips.
 *
 * @example
 * ```ts
 * import { buildTable } from './build-table.ts';
 * const { summary } = await buildTable({ inputs: [{ file: 'lists/tor.txt', kind: 'tor' }], out: 'dist/table.bin' });
 * ```
 */
export async function buildTable(options: BuildTableOptions = {}): Promise<BuildResult> {
  const cwd = options.cwd ?? process.cwd();
  const inputs = options.inputs && options.inputs.length > 0 ? options.inputs : [{ file: DEFAULT_INPUT }];
  const allowDocumentation = options.allowDocumentation ?? !(options.inputs && options.inputs.length > 0);
  const outPath = resolve(cwd, options.out ?? DEFAULT_OUT);
  const manifestPath = resolve(cwd, options.manifest ?? `${outPath.replace(/\.bin$/, '')}.manifest.json`);
  if (options.maxChurn !== undefined && (!Number.isFinite(options.maxChurn) || options.maxChurn < 0)) {
    throw new TypeError(`buildTable: maxChurn must be a non-negative number, got ${options.maxChurn}`);
  }
  if (options.maxChurn !== undefined && options.previous === undefined) {
    throw new TypeError('buildTable: maxChurn needs previous (the table to compare with)');
  }
  for (const input of inputs) {
    if (input.kind !== undefined && !(MULTI_USER_KINDS as readonly string[]).includes(input.kind)) {
      throw new TypeError(`buildTable: kind for ${input.file} must be one of ${MULTI_USER_KINDS.join(', ')}, got ${input.kind}`);
    }
  }

  if (options.onConflict !== undefined && options.onConflict !== 'first' && options.onConflict !== 'error') {
    throw new TypeError(`buildTable: onConflict must be "first" or "error", got ${JSON.stringify(options.onConflict)}`);
  }
  const read = readTableInputs(inputs, {
    cwd,
    allowDocumentation,
    skipInvalid: options.skipInvalid === true,
    onConflict: options.onConflict ?? 'first',
  });
  if (read.problems.length > 0) throw new BuildTableError(read.problems);
  const { entries } = read;
  if (entries.length === 0 && options.allowEmpty !== true) {
    throw new BuildTableError([
      `${inputs.map((i) => i.file).join(', ')}: expected at least one prefix, found none (an empty or comment-only list, as a failed download leaves); pass --allow-empty to write an empty table`,
    ]);
  }
  const manifestInputs: TableManifest['inputs'] = read.inputs;

  let bytes: Uint8Array;
  let stats: CompileStats;
  try {
    ({ bytes, stats } = compileTable(entries));
  } catch (e) {
    if (e instanceof TableCompileError) throw new BuildTableError(e.problems);
    throw e;
  }
  const table = MultiUserTable.from(bytes);
  table.verify();

  // Counts per family and kind over distinct prefixes.
  const byKind: TableManifest['counts']['byKind'] = { ipv4: {}, ipv6: {} };
  const seen = new Set<string>();
  for (const e of entries) {
    if (seen.has(e.prefix)) continue;
    seen.add(e.prefix);
    const fam = e.family === 4 ? 'ipv4' : 'ipv6';
    byKind[fam][e.kind] = (byKind[fam][e.kind] ?? 0) + 1;
  }

  let churn: BuildResult['churn'];
  if (options.previous !== undefined) {
    let before: Set<string>;
    try {
      // Prefix sets, read from either format version: a format change alone is no churn.
      before = new Set(readTablePrefixes(readInputBytes(resolve(cwd, options.previous), options.previous)));
    } catch (e) {
      throw new BuildTableError([`${options.previous}: expected a readable, intact multi-user table (${(e as Error).message})`]);
    }
    const after = new Set(readTablePrefixes(bytes));
    let added = 0;
    let removed = 0;
    for (const k of after) if (!before.has(k)) added++;
    for (const k of before) if (!after.has(k)) removed++;
    const percent = before.size === 0 ? (after.size === 0 ? 0 : 100) : ((added + removed) / before.size) * 100;
    churn = { previous: before.size, added, removed, percent };
    if (options.maxChurn !== undefined && percent > options.maxChurn) {
      const problem =
        `${options.previous}: churn ${percent.toFixed(2)}% exceeds --max-churn ${options.maxChurn}%: ` +
        `${added} prefixes added, ${removed} removed, ${before.size} in the previous table`;
      if (options.report) {
        writeTableReport(resolve(cwd, options.report), {
          table: bytes,
          file: basename(outPath),
          previous: resolve(cwd, options.previous),
          status: `Refused by the churn guard, nothing written: ${problem}`,
        });
      }
      throw new ChurnGuardError(problem, churn, bytes);
    }
  }

  const gzipBytes = gzipSync(bytes, { level: 9 }).length;
  const digest = sha256(bytes);
  const manifest: TableManifest = {
    formatVersion: FORMAT_VERSION,
    table: { file: basename(outPath), bytes: bytes.length, sha256: digest, crc32: table.info.checksum },
    counts: { ipv4: stats.v4Prefixes, ipv6: stats.v6Prefixes, byKind },
    inputs: manifestInputs,
    builtAt: new Date().toISOString(),
  };
  const total = stats.v4Prefixes + stats.v6Prefixes;
  const kinds = (fam: 'ipv4' | 'ipv6') =>
    MULTI_USER_KINDS.filter((k) => byKind[fam][k])
      .map((k) => `${k} ${byKind[fam][k]}`)
      .join(', ') || 'none';
  const summary = [
    `multi-user table → ${outPath}`,
    `  IPv4: ${stats.v4Prefixes} prefixes (${kinds('ipv4')})`,
    `  IPv6: ${stats.v6Prefixes} prefixes (${kinds('ipv6')})`,
    `  bytes: ${bytes.length} (${total === 0 ? '-' : (bytes.length / total).toFixed(2)} B/prefix), gzip ${gzipBytes}`,
    `  sha256: ${digest}`,
    ...(churn
      ? [`  churn vs ${options.previous}: +${churn.added} −${churn.removed} of ${churn.previous} (${churn.percent.toFixed(2)}%)`]
      : []),
    ...formatInputSummary(read),
  ].join('\n');

  if (options.write !== false) writeTableFiles(outPath, manifestPath, bytes, `${JSON.stringify(manifest, null, 2)}\n`);
  if (options.report)
    writeTableReport(resolve(cwd, options.report), {
      table: bytes,
      file: basename(outPath),
      previous: options.previous && resolve(cwd, options.previous),
    });
  return { bytes, manifest, stats, gzipBytes, churn, summary, outPath, manifestPath, skipped: read.skipped };
}

/** The table, then its manifest, each written atomically; an unwritable path is a {@link BuildTableError}. */
function writeTableFiles(outPath: string, manifestPath: string, bytes: Uint8Array, manifestJson: string): void {
  try {
    mkdirSync(dirname(outPath), { recursive: true });
    mkdirSync(dirname(manifestPath), { recursive: true });
    writeAtomic(outPath, bytes);
    writeAtomic(manifestPath, manifestJson);
  } catch (e) {
    if (e instanceof OutputError) throw new BuildTableError([`${e.message}; expected a writable file path for the table`]);
    const err = e as NodeJS.ErrnoException;
    throw new BuildTableError([`${err.path ?? outPath}: cannot create the directory (${err.code ?? err.message})`]);
  }
}

const USAGE = `usage: multi-user-ip build-table [--in FILE [--kind KIND]]... [--out FILE] [--manifest FILE]
                                [--previous OLD.bin --max-churn PCT] [--allow-documentation]
                                [--skip-invalid] [--on-conflict first|error] [--allow-empty] [--report FILE.html]
  --in FILE        a prefix list (CSV prefix,kind,users; plain CIDR/address list; RFC 8805 geofeed; MISP JSON)
  --kind KIND      kind for the --in before it (${MULTI_USER_KINDS.join(', ')})
  --out FILE       table to write (default ${DEFAULT_OUT}); the manifest goes beside it
  --previous FILE  previous table, to report churn; --max-churn PCT fails above PCT% added+removed
  --allow-documentation  accept documentation ranges (on by default when no --in is given)
  --skip-invalid   leave out lines that are not valid prefixes (each reported) instead of failing
  --on-conflict first|error  a prefix listed by several --in: the earlier wins (first, default) or fail (error)
  --allow-empty    write a table even when the inputs hold no prefix (default: exit 1)
  --report FILE    also write the HTML table report (coverage, lengths, sizes; changes with --previous)
every input may be gzip-compressed (detected from the content)`;

/** The flags of build-table (add new ones here). */
const OPTIONS = {
  in: { type: 'string', multiple: true },
  kind: { type: 'string', multiple: true },
  out: { type: 'string' },
  manifest: { type: 'string' },
  previous: { type: 'string' },
  'max-churn': { type: 'string' },
  'allow-documentation': { type: 'boolean' },
  'skip-invalid': { type: 'boolean' },
  'on-conflict': { type: 'string' },
  'allow-empty': { type: 'boolean' },
  report: { type: 'string' },
} as const;

/**
 * Parses CLI arguments into {@link BuildTableOptions} (a `--kind` applies to the `--in` before it);
 * throws a {@link UsageError} naming the bad flag.
 *
 * @example
 * ```ts
 * parseBuildArgs(['--in', 'tor.txt', '--kind', 'tor']).inputs; // [{ file: 'tor.txt', kind: 'tor' }]
 * ```
 */
export function parseBuildArgs(argv: string[]): BuildTableOptions {
  const { values, tokens } = parseCommandLine(argv, OPTIONS);
  const inputs: BuildTableInput[] = [];
  for (const t of tokens) {
    if (t.kind !== 'option') continue;
    if (t.name === 'in') inputs.push({ file: t.value! });
    if (t.name === 'kind') {
      const last = inputs[inputs.length - 1];
      if (!last) throw new UsageError('--kind must follow the --in FILE it applies to');
      if (last.kind !== undefined) throw new UsageError(`--kind given twice for ${last.file}`);
      if (!(MULTI_USER_KINDS as readonly string[]).includes(t.value!)) {
        throw new UsageError(`--kind ${t.value}: expected one of ${MULTI_USER_KINDS.join(', ')}`);
      }
      last.kind = t.value as MultiUserKind;
    }
  }
  const maxChurn =
    values['max-churn'] === undefined
      ? undefined
      : numberFlag('--max-churn', values['max-churn'].replace(/%$/, ''), (n) => n >= 0, 'a percentage ≥ 0');
  if (maxChurn !== undefined && values.previous === undefined) throw new UsageError('--max-churn needs --previous (the table in service)');
  const onConflict = values['on-conflict'];
  if (onConflict !== undefined && onConflict !== 'first' && onConflict !== 'error')
    throw new UsageError(`--on-conflict ${onConflict}: expected first or error`);
  return {
    ...(values['skip-invalid'] ? { skipInvalid: true } : {}),
    ...(onConflict !== undefined ? { onConflict } : {}),
    ...(values['allow-empty'] ? { allowEmpty: true } : {}),
    ...(inputs.length > 0 ? { inputs } : {}),
    ...(values.out !== undefined ? { out: values.out } : {}),
    ...(values.manifest !== undefined ? { manifest: values.manifest } : {}),
    ...(values.previous !== undefined ? { previous: values.previous } : {}),
    ...(maxChurn !== undefined ? { maxChurn } : {}),
    ...(values['allow-documentation'] ? { allowDocumentation: true } : {}),
    ...(values.report !== undefined ? { report: values.report } : {}),
  };
}

/**
 * The `build-table` subcommand: returns the exit code (0 built, 1 a problem in the inputs, 2 bad arguments).
 *
 * @example
 * ```ts
 * process.exitCode = await main(['--in', 'list.csv', '--out', 'table.bin']);
 * ```
 */
export function main(argv: string[]): Promise<number> {
  return runCommand({ name: 'build-table', usage: USAGE, run: buildTableCli }, argv);
}

async function buildTableCli(argv: string[]): Promise<number> {
  const options = parseBuildArgs(argv);
  try {
    console.log((await buildTable(options)).summary);
    return 0;
  } catch (e) {
    if (!(e instanceof BuildTableError)) throw e;
    for (const p of e.problems) console.error(p);
    console.error(`build-table: ${e.problems.length} problem(s); nothing written`);
    return 1;
  }
}

if (isMainModule(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2));
}

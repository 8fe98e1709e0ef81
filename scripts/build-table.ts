/**
 * `npm run build:table -- --in FILE [--kind K] [--in FILE [--kind K]]... [--out FILE]
 *   [--previous OLD.bin --max-churn PCT] [--allow-documentation]`
 *
 * Compiles multi-user prefix lists into the binary table the worker bundles, plus a JSON manifest
 * beside it. With no `--in` it reads data/multi-user-prefixes.csv (example data in documentation
 * ranges, so documentation ranges are allowed for it) and writes src/worker/generated/. Every problem
 * is reported as `file:line: what was expected`; on any problem nothing is written (files are written
 * to a temporary name and renamed, so an existing table is never half-written).
 */
import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { parsePrefixList, type PrefixEntry, type PrefixListFormat } from '../src/prefix-list/index.ts';
import { writeTableReport } from './lib/table-report.ts';
import { compileTable, FORMAT_VERSION, MULTI_USER_KINDS, MultiUserTable, TableCompileError, type CompileStats, type MultiUserKind } from '../src/table/index.ts';
import { isMainModule, numberFlag, parseCommandLine, runCommand, UsageError } from './lib/cli.ts';
import { InputError, readInputBytes, writeAtomic } from './lib/files.ts';

/** One input list; `kind` is required for plain lists and MISP JSON, and fills empty `kind` cells. */
export interface BuildTableInput {
  file: string;
  kind?: MultiUserKind;
}

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
  /** Also write the HTML table report here (also when the churn guard refuses the table). */
  report?: string;
  /** Write the files (default true); false only computes the result. */
  write?: boolean;
}

/** The manifest written beside the table. */
export interface TableManifest {
  formatVersion: number;
  table: { file: string; bytes: number; sha256: string; crc32: string };
  counts: { ipv4: number; ipv6: number; byKind: Record<'ipv4' | 'ipv6', Partial<Record<MultiUserKind, number>>> };
  inputs: Array<{ file: string; kind: MultiUserKind | null; format: PrefixListFormat; entries: number; sha256: string }>;
  /** Not part of the table bytes, which stay deterministic. */
  builtAt: string;
}

/** What {@link buildTable} produced. */
export interface BuildResult {
  bytes: Uint8Array;
  manifest: TableManifest;
  stats: CompileStats;
  gzipBytes: number;
  churn?: { previous: number; added: number; removed: number; percent: number };
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

  const problems: string[] = [];
  const entries: PrefixEntry[] = [];
  const manifestInputs: TableManifest['inputs'] = [];
  for (const input of inputs) {
    let raw: Uint8Array;
    try {
      raw = readInputBytes(resolve(cwd, input.file), input.file);
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      problems.push(e.message);
      continue;
    }
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(raw);
    } catch {
      problems.push(`${input.file}:1: expected UTF-8 text (a CSV or a list of prefixes), got binary data`);
      continue;
    }
    const parsed = parsePrefixList(text, { file: input.file, kind: input.kind, allowDocumentation });
    for (const e of parsed.errors) problems.push(e.message);
    // A loop, not push(...spread): a list of a few hundred thousand entries overflows the call stack.
    for (const e of parsed.entries) entries.push(e);
    manifestInputs.push({ file: input.file, kind: input.kind ?? null, format: parsed.format, entries: parsed.entries.length, sha256: sha256(raw) });
  }
  if (problems.length > 0) throw new BuildTableError(problems);

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
    let old: MultiUserTable;
    try {
      old = MultiUserTable.from(readInputBytes(resolve(cwd, options.previous)));
      old.verify();
    } catch (e) {
      throw new BuildTableError([`${options.previous}: expected a readable, intact multi-user table (${(e as Error).message})`]);
    }
    const key = (m: { prefix: string; kind: string; users: number | undefined }) => `${m.prefix} ${m.kind} ${m.users ?? ''}`;
    const before = new Set([...old.entries()].map(key));
    const after = new Set([...table.entries()].map(key));
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
      if (options.report) writeTableReport(resolve(cwd, options.report), { table: bytes, file: basename(outPath), previous: resolve(cwd, options.previous), status: `Refused by the churn guard, nothing written: ${problem}` });
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
    MULTI_USER_KINDS.filter((k) => byKind[fam][k]).map((k) => `${k} ${byKind[fam][k]}`).join(', ') || 'none';
  const summary = [
    `multi-user table → ${outPath}`,
    `  IPv4: ${stats.v4Prefixes} prefixes (${kinds('ipv4')})`,
    `  IPv6: ${stats.v6Prefixes} prefixes (${kinds('ipv6')})`,
    `  bytes: ${bytes.length} (${total === 0 ? '-' : (bytes.length / total).toFixed(2)} B/prefix), gzip ${gzipBytes}`,
    `  sha256: ${digest}`,
    ...(churn ? [`  churn vs ${options.previous}: +${churn.added} −${churn.removed} of ${churn.previous} (${churn.percent.toFixed(2)}%)`] : []),
  ].join('\n');

  if (options.write !== false) {
    await mkdir(dirname(outPath), { recursive: true });
    await mkdir(dirname(manifestPath), { recursive: true });
    writeAtomic(outPath, bytes);
    writeAtomic(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
  }
  if (options.report) writeTableReport(resolve(cwd, options.report), { table: bytes, file: basename(outPath), previous: options.previous && resolve(cwd, options.previous) });
  return { bytes, manifest, stats, gzipBytes, churn, summary, outPath, manifestPath };
}

const USAGE = `usage: multi-user-ip build-table [--in FILE [--kind KIND]]... [--out FILE] [--manifest FILE]
                                [--previous OLD.bin --max-churn PCT] [--allow-documentation]
                                [--report FILE.html]
  --in FILE        a prefix list (CSV prefix,kind,users; plain CIDR/address list; RFC 8805 geofeed; MISP JSON)
  --kind KIND      kind for the --in before it (${MULTI_USER_KINDS.join(', ')})
  --out FILE       table to write (default ${DEFAULT_OUT}); the manifest goes beside it
  --previous FILE  previous table, to report churn; --max-churn PCT fails above PCT% added+removed
  --allow-documentation  accept documentation ranges (on by default when no --in is given)
  --report FILE    also write the HTML table report (coverage, lengths, sizes; changes with --previous)
every input may be gzip-compressed`;

/** The flags of build-table (add new ones here). */
const OPTIONS = {
  in: { type: 'string', multiple: true },
  kind: { type: 'string', multiple: true },
  out: { type: 'string' },
  manifest: { type: 'string' },
  previous: { type: 'string' },
  'max-churn': { type: 'string' },
  'allow-documentation': { type: 'boolean' },
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
  const maxChurn = values['max-churn'] === undefined ? undefined : numberFlag('--max-churn', values['max-churn'].replace(/%$/, ''), (n) => n >= 0, 'a percentage ≥ 0');
  if (maxChurn !== undefined && values.previous === undefined) throw new UsageError('--max-churn needs --previous (the table in service)');
  return {
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

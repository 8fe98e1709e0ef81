/**
 * Validates a multi-user prefix list against RIPE Atlas ground truth.
 *
 *   multi-user-ip validate --traceroutes FILE... [--probes FILE] [--list PREFIXES.csv] [--allow-documentation]
 *                          [--report FILE.html] [--labels-out FILE.csv] [--kind KIND]
 *                          [--positive-kinds cgnat,unknown] [--private-hops unknown|cgnat]
 *
 * Traceroute files: the Atlas API's JSON array, a `{ results: [...] }` dump, or one result a line (bulk
 * download); gzip is detected by its magic bytes. Exit codes: 0 done, 1 failed (unreadable input, no usable
 * traceroute, a list that does not compile), 2 bad arguments. See docs/validation.md.
 */
import { parsePrefixList } from '../src/prefix-list/index.ts';
import { isMainModule, parseCommandLine, runCommand, UsageError } from './lib/cli.ts';
import { chartJsSource, readMaybeGzip, writeAtomic } from './lib/files.ts';
import { compileTable, MULTI_USER_KINDS, MultiUserTable, TableCompileError, type MultiUserKind } from '../src/table/index.ts';
import {
  buildGroundTruth,
  evaluateList,
  labelsToCsv,
  renderHtmlReport,
  renderTextReport,
  type GroundTruth,
  type ValidationMetrics,
  type ValidationSummary,
} from '../src/validate/index.ts';

/**
 * Options of {@link runValidate}. Only `traceroutes` is required.
 *
 * @example
 * ```ts
 * await runValidate({ traceroutes: ['atlas.jsonl.gz'], list: 'data/list.csv', report: 'report.html' });
 * ```
 */
export interface ValidateOptions {
  /** RIPE Atlas traceroute result files (JSON array, dump, or one a line; gzip allowed). */
  traceroutes: string[];
  /** RIPE Atlas probe metadata file. */
  probes?: string | undefined;
  /** The prefix list to score (any format `parsePrefixList` reads). Without it, only labels. */
  list?: string | undefined;
  /** Accept documentation address ranges in the list (examples). Default false. */
  allowDocumentation?: boolean | undefined;
  /** Name of the list in the reports. Default: its file name. */
  listLabel?: string | undefined;
  /** Kind for list lines that name none (plain lists). */
  kind?: MultiUserKind | undefined;
  /** List kinds counted as positive. Default `['cgnat']`. */
  positiveKinds?: MultiUserKind[] | undefined;
  /** What RFC 1918 hops after the home router mean (rule 5): `'unknown'` (default, strict) or `'cgnat'` (the broad reading). */
  privateCarrierHops?: 'cgnat' | 'unknown' | undefined;
  /** Write the self-contained HTML report here. */
  report?: string | undefined;
  /** Write `address,label,reason` CSV here. */
  labelsOut?: string | undefined;
  /** Where the terminal report goes. Default `process.stdout.write`; pass `() => {}` to silence it. */
  print?: ((text: string) => void) | undefined;
}

/**
 * The outcome of {@link runValidate}.
 *
 * @example
 * ```ts
 * const { metrics } = await runValidate(options);
 * console.log(metrics?.byAddress.f1);
 * ```
 */
export interface ValidateOutcome {
  groundTruth: GroundTruth;
  metrics: ValidationMetrics | undefined;
  text: string;
}

/**
 * A failure with a message for the operator (exit code 1).
 *
 * @example
 * ```ts
 * throw new ValidateError('atlas.json: no traceroute result could be read');
 * ```
 */
export class ValidateError extends Error {
  override name = 'ValidateError';
}

/**
 * Labels the Atlas probes' public addresses, scores the list on them, prints the terminal report and
 * writes the HTML report and the labels CSV when asked. Throws {@link ValidateError} on failure.
 *
 * @example
 * ```ts
 * const { groundTruth } = await runValidate({ traceroutes: ['a.json'], labelsOut: 'labels.csv', print: () => {} });
 * ```
 */
export async function runValidate(options: ValidateOptions): Promise<ValidateOutcome> {
  if (!Array.isArray(options.traceroutes) || options.traceroutes.length === 0) {
    throw new TypeError('traceroutes: expected at least one file');
  }
  const print = options.print ?? ((t: string) => void process.stdout.write(t));
  const traceroutes = options.traceroutes.map((file) => ({ file, text: readMaybeGzip(file) }));
  const probes = options.probes ? { file: options.probes, text: readMaybeGzip(options.probes) } : undefined;
  const groundTruth = buildGroundTruth({ traceroutes, probes, privateCarrierHops: options.privateCarrierHops });
  if (groundTruth.results.length === 0) {
    const first = groundTruth.errors[0];
    throw new ValidateError(
      `no traceroute result could be read from ${options.traceroutes.join(', ')}` +
        (first
          ? ` (${groundTruth.errors.length} malformed; first: ${first.at.file}${first.at.line ? `:${first.at.line}` : `[${first.at.index}]`}: ${first.message})`
          : ''),
    );
  }
  let metrics: ValidationMetrics | undefined;
  let list: ValidationSummary['list'];
  if (options.list) {
    const text = readMaybeGzip(options.list);
    const parsed = parsePrefixList(text, {
      file: options.list,
      ...(options.kind ? { kind: options.kind } : {}),
      allowDocumentation: options.allowDocumentation ?? false,
    });
    let bytes: Uint8Array;
    try {
      bytes = compileTable(parsed.entries).bytes;
    } catch (e) {
      if (e instanceof TableCompileError) throw new ValidateError(`${options.list}: the list does not compile:\n${e.problems.join('\n')}`);
      throw e;
    }
    const table = MultiUserTable.from(bytes);
    metrics = evaluateList(groundTruth.labels, table, { positiveKinds: options.positiveKinds });
    list = { file: options.listLabel ?? options.list, entries: parsed.entries.length, errors: parsed.errors.map((e) => e.message) };
  }
  const summary: ValidationSummary = {
    groundTruth,
    metrics,
    list,
    inputs: options.traceroutes,
    probesFile: options.probes,
  };
  const text = renderTextReport(summary);
  print(text);
  if (options.report) writeAtomic(options.report, renderHtmlReport(summary, { chartJs: chartJsSource() }));
  if (options.labelsOut) writeAtomic(options.labelsOut, labelsToCsv(groundTruth.labels));
  return { groundTruth, metrics, text };
}

const USAGE = `usage: multi-user-ip validate --traceroutes FILE... [--probes FILE] [--list PREFIXES.csv]
         [--allow-documentation] [--report FILE.html] [--labels-out FILE.csv] [--kind KIND]
         [--positive-kinds K1,K2] [--private-hops unknown|cgnat]
  --traceroutes FILE...   RIPE Atlas traceroute results (JSON array, { results } dump, or one a line)
  --probes FILE           RIPE Atlas probe metadata
  --list FILE             the prefix list to score (without it, only the labels)
  --allow-documentation   accept documentation ranges in the list (the example data/multi-user-prefixes.csv)
  --report FILE.html      self-contained HTML report; --labels-out FILE.csv: address,label,reason
  --kind KIND             kind for list lines that name none; --positive-kinds: kinds counted as positive
  --private-hops MODE     rule 5 (RFC 1918 hops after the home router, then public space elsewhere):
                          unknown (default) or cgnat (the broad reading)
every input may be gzip-compressed; exit codes: 0 done, 1 failed, 2 bad arguments`;

/** The flags of validate (add new ones here). */
const OPTIONS = {
  traceroutes: { type: 'string', multiple: true },
  probes: { type: 'string' },
  list: { type: 'string' },
  'allow-documentation': { type: 'boolean' },
  kind: { type: 'string' },
  'positive-kinds': { type: 'string' },
  'private-hops': { type: 'string' },
  report: { type: 'string' },
  'labels-out': { type: 'string' },
} as const;

function parseKinds(text: string, option: string): MultiUserKind[] {
  const kinds = text
    .split(',')
    .map((k) => k.trim())
    .filter(Boolean);
  for (const k of kinds) {
    if (!(MULTI_USER_KINDS as readonly string[]).includes(k)) {
      throw new UsageError(`${option}: unknown kind "${k}" (expected one of ${MULTI_USER_KINDS.join(', ')})`);
    }
  }
  if (kinds.length === 0) throw new UsageError(`${option}: expected at least one kind`);
  return kinds as MultiUserKind[];
}

/**
 * Parses command-line arguments into {@link ValidateOptions}; throws a {@link UsageError} naming the bad option.
 * Files after `--traceroutes` (and any bare arguments) are traceroute files.
 *
 * @example
 * ```ts
 * parseValidateArgs(['--traceroutes', 'a.json', 'b.json', '--list', 'l.csv']).traceroutes; // ['a.json', 'b.json']
 * ```
 */
export function parseValidateArgs(argv: string[]): ValidateOptions {
  const { values, positionals } = parseCommandLine(argv, OPTIONS, { allowPositionals: true });
  const traceroutes = [...(values.traceroutes ?? []), ...positionals];
  if (traceroutes.length === 0) throw new UsageError('--traceroutes: expected at least one file');
  const privateHops = values['private-hops'];
  if (privateHops !== undefined && privateHops !== 'cgnat' && privateHops !== 'unknown') {
    throw new UsageError(`--private-hops: expected cgnat or unknown, got "${privateHops}"`);
  }
  return {
    traceroutes,
    probes: values.probes,
    list: values.list,
    allowDocumentation: values['allow-documentation'] ?? false,
    kind: values.kind === undefined ? undefined : parseKinds(values.kind, '--kind')[0],
    positiveKinds: values['positive-kinds'] === undefined ? undefined : parseKinds(values['positive-kinds'], '--positive-kinds'),
    privateCarrierHops: privateHops,
    report: values.report,
    labelsOut: values['labels-out'],
  };
}

/**
 * The `validate` subcommand: returns the exit code (0 done, 1 failed, 2 bad arguments).
 *
 * @example
 * ```ts
 * process.exitCode = await main(process.argv.slice(2));
 * ```
 */
export function main(argv: string[]): Promise<number> {
  return runCommand({ name: 'validate', usage: USAGE, run: async (args) => void (await runValidate(parseValidateArgs(args))) }, argv);
}

if (isMainModule(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2));
}

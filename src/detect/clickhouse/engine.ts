import { randomUUID } from 'node:crypto';
import { parseIPv4, ipv6Unit } from '../address.ts';
import type { Aggregator } from '../aggregate.ts';
import type { ClassifyContext } from '../classify.ts';
import { classifyAggregate, MalformedFileError, type DetectResult, type FileStats } from '../detector.ts';
import { resolveDetectOptions, type DetectOptions, type ResolvedDetectOptions } from '../options.ts';
import { detectLogFormat, newLogRecord, parseLogpushLine } from '../parse.ts';
import { createUserAgentClassifier } from '../user-agent.ts';
import { ClickHouseError, openChdb, openClickHouseServer, type ClickHouseBackend } from './backend.ts';
import { displayName, inputSources, linesFrom, type InputSource } from './sources.ts';
import { mergeQuery, scanQuery, sqlIdentifier, statesQuery, verdictTableDdl, VERDICT_COLUMNS, type LogSource } from './sql.ts';
import { aggregatorFromRows } from './units.ts';

/**
 * Where the clickhouse engine runs and what it reads. All optional; by default chDB in this process
 * reads the inputs given to {@link aggregateWithClickHouse}.
 *
 * @example
 * ```ts
 * const o: ClickHouseEngineOptions = { url: 'https://ch.example:8443', cluster: 'logs' };
 * ```
 */
export interface ClickHouseEngineOptions {
  /** A ClickHouse server's HTTP(S) URL (credentials from `CLICKHOUSE_USER` / `CLICKHOUSE_PASSWORD`). Default: embedded chDB. */
  url?: string;
  /** Read this existing table of Logpush columns (`ClientIP`, …) instead of inputs. */
  table?: string;
  /** Cluster name: remote inputs are read with `s3Cluster` across its nodes (server only). */
  cluster?: string;
  /** Environment for credentials (default `process.env`). */
  env?: NodeJS.ProcessEnv;
  /** An open backend to use (tests); the engine then leaves it open. */
  backend?: ClickHouseBackend;
}

/**
 * What the ClickHouse passes produced: the aggregator the shared classifier reads, and per-file line
 * accounting as the Node engine reports it.
 *
 * @example
 * ```ts
 * const { aggregator, files } = await aggregateWithClickHouse(['logs/*.ndjson.gz'], {}, {});
 * ```
 */
export interface ClickHouseAggregate {
  aggregator: Aggregator;
  files: FileStats[];
  options: ResolvedDetectOptions;
  /** distinct user-agent strings classified in TypeScript. */
  userAgents: number;
}

function validate(o: ClickHouseEngineOptions): void {
  for (const k of ['url', 'table', 'cluster'] as const) {
    const v = o[k];
    if (v !== undefined && (typeof v !== 'string' || v.length === 0))
      throw new TypeError(`clickhouse engine: ${k} must be a non-empty string`);
  }
  if (o.cluster !== undefined && o.url === undefined && o.backend?.kind !== 'server') {
    throw new TypeError('clickhouse engine: cluster needs a server (--clickhouse-url)');
  }
}

/** Node's reason for a line SQL found unusable (the same words as the Node engine's messages). */
function reasonOf(text: string): string {
  const format = detectLogFormat(text);
  if (format === undefined) return 'unrecognised format';
  if (format !== 'logpush')
    return `a ${format === 'csv' ? 'CSV' : 'combined log'} line (the clickhouse engine reads Logpush NDJSON; use --engine node)`;
  const r = newLogRecord();
  const reason = parseLogpushLine(text, r);
  if (reason !== undefined) return reason;
  return parseIPv4(r.ip) >= 0 || ipv6Unit(r.ip) !== undefined ? 'unusable ClientIP' : `bad client address "${r.ip.slice(0, 60)}"`;
}

/**
 * A ClickHouse error while reading the inputs, said in the user's terms: the object or file named
 * as given, what went wrong, what to check.
 */
function inputError(e: unknown, sources: readonly InputSource[], source: LogSource): unknown {
  if (!(e instanceof ClickHouseError)) return e;
  const m = /while reading '([^']+)' in bucket '([^']+)'/.exec(e.message);
  const status = /HTTP response code: (\d{3})/.exec(e.message)?.[1];
  const name =
    m !== null ? displayName(sources, `${m[2]}/${m[1]}`) : source.kind === 'table' ? source.table : sources.map((s) => s.input).join(', ');
  if (status === '404') return new Error(`${name}: no such object (HTTP 404)`);
  if (status === '403' || status === '401') {
    return new Error(`${name}: access denied (HTTP ${status}); check AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_ENDPOINT_URL`);
  }
  return new Error(`${name}: ${e.message}`);
}

/** Pass 1: file accounting (throws for mostly-garbage files) and the distinct user agents. */
async function scan(
  ch: ClickHouseBackend,
  source: LogSource,
  sources: readonly InputSource[],
  o: ResolvedDetectOptions,
): Promise<{ files: FileStats[]; uas: [string, string][] }> {
  const files: FileStats[] = [];
  const uas: [string, string][] = [];
  let scanned: unknown[][];
  try {
    scanned = await ch.rows(scanQuery(source, o.malformedExamples));
  } catch (e) {
    throw inputError(e, sources, source);
  }
  for (const row of scanned) {
    const [g, path, uah, ua, lines, malformed, examples] = row as [
      number,
      string,
      string,
      string,
      number | string,
      number | string,
      [number | string, string][],
    ];
    if (Number(g) === 1) {
      uas.push([uah, ua]);
      continue;
    }
    const file = source.kind === 'table' ? source.table : displayName(sources, path);
    files.push({
      file,
      format: 'logpush',
      lines: Number(lines),
      parsed: Number(lines) - Number(malformed),
      malformed: Number(malformed),
      examples: examples.slice(0, o.malformedExamples).map(([n, text]) => ({
        line: Number(n),
        reason: reasonOf(text),
        text: text.length > 200 ? `${text.slice(0, 200)}…` : text,
      })),
    });
  }
  files.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  for (const f of files) {
    if (f.lines > 0 && f.malformed / f.lines > o.maxMalformedShare) throw new MalformedFileError(f, o.maxMalformedShare);
  }
  if (source.kind === 'lines') {
    for (const s of sources) {
      const seen = files.some((f) => [...s.names.values()].includes(f.file) || (s.names.size === 0 && f.file.length > 0));
      if (s.names.size > 0 && !seen) throw new Error(`${s.input}: no log lines read (nothing matches, or only empty files)`);
    }
    if (files.length === 0) throw new Error(`${sources.map((s) => s.input).join(', ')}: no files matched`);
  }
  return { files, uas };
}

/** The columns an existing table has, to read the Logpush fields it holds. */
async function tableSource(ch: ClickHouseBackend, table: string): Promise<LogSource> {
  let described: unknown[][];
  try {
    described = await ch.rows(`DESCRIBE TABLE ${sqlIdentifier(table)}`);
  } catch (e) {
    // ClickHouse says "Database db does not exist." for db.requests: name the table as the user gave it.
    throw e instanceof ClickHouseError ? new Error(`--clickhouse-table ${table}: ${e.message}`) : e;
  }
  const cols = new Set(described.map((r) => String(r[0])));
  if (!cols.has('ClientIP')) throw new Error(`${table}: no ClientIP column (expected Cloudflare Logpush http_requests fields)`);
  return { kind: 'table', table, columns: cols };
}

/**
 * Runs the heavy aggregation in ClickHouse (chDB in this process, or a server/cluster) and returns
 * the per-unit state for the shared TypeScript classifier. User agents: SQL lists the distinct
 * strings, each is classified once here (isbot, ua-parser-js: `createUserAgentClassifier`), and the
 * verdicts go back as a temporary table the aggregation joins. Errors name the file (and line) or
 * object, as the Node engine's do; ClickHouse's own errors arrive as `ClickHouseError` without stack.
 *
 * @example
 * ```ts
 * const agg = await aggregateWithClickHouse(['logs/*.ndjson.gz'], { minDays: 2 });
 * const result = classifyAggregate(agg.aggregator, agg.files, agg.options, { peeringDb });
 * ```
 */
export async function aggregateWithClickHouse(
  inputs: readonly string[],
  detectOptions: DetectOptions = {},
  engine: ClickHouseEngineOptions = {},
): Promise<ClickHouseAggregate> {
  validate(engine);
  const options = resolveDetectOptions(detectOptions);
  const env = engine.env ?? process.env;
  if (engine.table === undefined && inputs.length === 0) throw new TypeError('clickhouse engine: no inputs (give logs or a table)');
  if (engine.table !== undefined && inputs.length > 0) throw new TypeError('clickhouse engine: give logs or a table, not both');
  const ch = engine.backend ?? (engine.url !== undefined ? await openClickHouseServer({ url: engine.url, env }) : await openChdb());
  try {
    const sources = engine.table === undefined ? inputSources(inputs, { env, local: ch.kind === 'embedded', cluster: engine.cluster }) : [];
    const source: LogSource =
      engine.table !== undefined ? await tableSource(ch, engine.table) : { kind: 'lines', from: linesFrom(sources) };
    const { files, uas } = await scan(ch, source, sources, options);

    const classify = createUserAgentClassifier({ maxCached: 0 });
    const verdicts = uas.map(([uah, ua]) => {
      const info = classify(ua);
      return [uah, info.id, info.bot ? 1 : info.browser ? 2 : 0];
    });
    const table = `ua_verdicts_${randomUUID().replace(/-/g, '')}`;
    await ch.command(verdictTableDdl(table));
    await ch.insert(table, VERDICT_COLUMNS, verdicts);
    const rows = await ch.rows(mergeQuery(`(${statesQuery(source, table, options.maxBotScore)})`));
    return { aggregator: aggregatorFromRows(rows, options), files, options, userAgents: uas.length };
  } finally {
    if (engine.backend === undefined) await ch.close();
  }
}

/**
 * {@link aggregateWithClickHouse}, then the shared classifier: the same {@link DetectResult} the Node
 * engine's `Detector.finish` gives.
 *
 * @example
 * ```ts
 * const result = await detectWithClickHouse(['s3://logs/2026/11/*.log.gz'], {}, { url: 'http://localhost:8123' }, { peeringDb });
 * ```
 */
export async function detectWithClickHouse(
  inputs: readonly string[],
  detectOptions: DetectOptions = {},
  engine: ClickHouseEngineOptions = {},
  context: ClassifyContext = {},
): Promise<DetectResult> {
  const agg = await aggregateWithClickHouse(inputs, detectOptions, engine);
  return classifyAggregate(agg.aggregator, agg.files, agg.options, context);
}

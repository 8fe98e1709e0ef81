/**
 * `npm run detect -- --logs FILE... [--asn FILE]... [--peeringdb FILE]... [--list KIND:FILE]... --out FILE
 *   [--report FILE.html] [--min-days N] [--min-browsers-per-day N] … (see --help)`
 *
 * Reads request logs (Cloudflare Logpush NDJSON, Apache/nginx combined, or CSV
 * `timestamp,ip,port,user_agent[,bot_score][,asn]`; gzip detected by its magic bytes; streamed line by
 * line) and writes the multi-user prefix list `prefix,kind,users,confidence,evidence` that
 * build-table reads as is. Method and defaults: docs/detection.md.
 */
import { statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { PrefixMatcher } from '../src/detect/address.ts';
import type { ListHit } from '../src/detect/classify.ts';
import type { ClickHouseEngineOptions } from '../src/detect/clickhouse/engine.ts';
import { Detector, formatPrefixCsv, type DetectorShard, type DetectResult } from '../src/detect/detector.ts';
import type { LogFormat } from '../src/detect/parse.ts';
import { AsnRanges, parsePeeringDb, type NetworkType } from '../src/detect/network-type.ts';
import { DEFAULT_DETECT_OPTIONS, type DetectOptions } from '../src/detect/options.ts';
import { renderReport } from '../src/detect/report/html.ts';
import { formatSummary, summarize } from '../src/detect/report/summary.ts';
import { parsePrefixList } from '../src/prefix-list/index.ts';
import { MULTI_USER_KINDS, type MultiUserKind } from '../src/table/types.ts';
import { isMainModule, numberFlag, parseCommandLine, runCommand, UsageError } from './lib/cli.ts';
import { chartJsSource, inputError, openInputStream, readMaybeGzip, writeAtomic } from './lib/files.ts';

/**
 * Inputs and outputs of one detection run; thresholds as in {@link DetectOptions}.
 *
 * @example
 * ```ts
 * const o: RunDetectOptions = { logs: ['logs.ndjson.gz'], out: 'multi-user.csv', peeringDb: ['net.json'] };
 * ```
 */
export interface RunDetectOptions extends DetectOptions {
  logs: string[];
  out: string;
  /** Address → ASN ranges (`start,end,asn[,name]`), e.g. the IPv4 and the IPv6 file of `@ip-location-db/asn`. */
  asn?: string | string[];
  /** PeeringDB `net` JSON files (pages are merged). */
  peeringDb?: string[];
  /** Known lists, e.g. `{ kind: 'vpn', file: 'vpn.txt' }`. */
  lists?: { kind: MultiUserKind; file: string }[];
  /** Self-contained HTML report. */
  report?: string;
  /** Where the summary and progress go (default: stderr; progress only when it is a TTY). */
  log?: NodeJS.WritableStream & { isTTY?: boolean };
  /** Print nothing. */
  quiet?: boolean;
  /** Called once every log has been read, before classification (progress displays, memory measurements). */
  onLogsRead?: () => void;
  /**
   * Worker threads that parse and aggregate in parallel (the main thread reads and cuts the input).
   * Default: the number of CPUs, at most 4, used when the logs total at least 16 MiB; 1 = none. The
   * output does not depend on it (per-address state merges exactly; see docs/detection.md).
   */
  threads?: number;
  /** `node` (default: this process, worker threads) or `clickhouse` (chDB, or a server with `clickhouse.url`). */
  engine?: 'node' | 'clickhouse';
  /** Where the clickhouse engine runs and what it reads (see docs/detection.md). */
  clickhouse?: Omit<ClickHouseEngineOptions, 'backend'>;
}

/**
 * Calls `fn` for every line of a (possibly gzipped) file, streaming. Hand-written rather than
 * node:readline because bench/detect measures readline's async iterator at under half the speed of
 * this loop (it is then the biggest cost after JSON.parse); lines are split by indexOf on decoded
 * chunks (the stream's StringDecoder keeps multi-byte characters whole across chunks), CRLF accepted.
 *
 * @example
 * ```ts
 * await forEachLine('logs.ndjson.gz', (line, n) => detector.line(line, n));
 * ```
 */
export async function forEachLine(file: string, fn: (line: string, n: number) => void): Promise<void> {
  const input = openInputStream(file);
  input.setEncoding('utf8');
  let rest = '';
  let n = 0;
  try {
    for await (const chunk of input as AsyncIterable<string>) {
      const s = rest.length > 0 ? rest + chunk : chunk;
      let start = 0;
      for (let i = s.indexOf('\n'); i >= 0; i = s.indexOf('\n', start)) {
        const end = i > start && s.charCodeAt(i - 1) === 13 ? i - 1 : i;
        fn(s.slice(start, end), ++n);
        start = i + 1;
      }
      rest = s.slice(start);
    }
  } catch (e) {
    throw inputError(file, e);
  }
  if (rest.length > 0) fn(rest.endsWith('\r') ? rest.slice(0, -1) : rest, ++n);
}

/** Calls `fn` for each line of `text` (which ends with a newline), numbering from `first`. */
function splitLines(text: string, first: number, fn: (line: string, n: number) => void): number {
  let start = 0;
  let n = first - 1;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', start)) {
    fn(text.slice(start, i > start && text.charCodeAt(i - 1) === 13 ? i - 1 : i), ++n);
    start = i + 1;
  }
  return n - first + 1;
}

/** A worker thread failed (could not start, or crashed): runDetect falls back to one thread. */
class WorkerFailure extends Error {
  constructor(cause: unknown) {
    super(`worker thread failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'WorkerFailure';
  }
}

interface ChunkMessage {
  type: 'chunk';
  fileIndex: number;
  file: string;
  known: { format: LogFormat; cols: { botScore: boolean; asn: boolean } };
  text: string;
  firstLine: number;
}

/**
 * Reads the logs with worker threads: the main thread decompresses and cuts the input into chunks of
 * whole lines (counting them, so line numbers stay exact) and deals them round-robin to the workers,
 * each with its own Detector; their states are merged at the end. The main thread itself reads a
 * file's first lines, to recognise the format (and a CSV header) before handing out the rest.
 */
async function readParallel(
  logs: string[],
  detector: Detector,
  threads: number,
  options: object,
  onProgress?: (file: string, lines: number) => void,
): Promise<void> {
  const workers = Array.from({ length: threads }, () => startShardWorker(options));
  const inFlight = new Array<number>(threads).fill(0);
  const waiting: (() => void)[] = new Array(threads);
  let failure: unknown;
  const shards = workers.map(
    (w, i) =>
      new Promise<{ shard: DetectorShard; fileIndex: number[] }>((resolve, reject) => {
        let done = false;
        w.on('message', (m: { type: 'ack' } | { type: 'shard'; shard: DetectorShard; fileIndex: number[] }) => {
          if (m.type === 'ack') {
            inFlight[i]!--;
            waiting[i]?.();
          } else {
            done = true;
            resolve(m);
          }
        });
        w.on('exit', (code) => {
          if (done) return;
          failure ??= new WorkerFailure(`exited with code ${code} before handing back its state`);
          waiting[i]?.();
          reject(failure);
        });
        w.on('error', (e) => {
          failure ??= new WorkerFailure(e);
          waiting[i]?.();
          reject(failure);
        });
      }),
  );
  shards.forEach((p) => p.catch(() => undefined));
  const send = async (w: number, m: ChunkMessage) => {
    while (inFlight[w]! >= 2 && failure === undefined) await new Promise<void>((r) => (waiting[w] = r));
    if (failure !== undefined) throw failure;
    inFlight[w]!++;
    workers[w]!.postMessage(m);
  };
  try {
    let next = 0;
    for (const [fileIndex, file] of logs.entries()) {
      detector.beginFile(file);
      const input = openInputStream(file);
      input.setEncoding('utf8');
      let rest = '';
      let lineNo = 0;
      const chunks = async function* () {
        try {
          yield* input as AsyncIterable<string>;
        } catch (e) {
          throw inputError(file, e);
        }
      };
      for await (const chunk of chunks()) {
        const s = rest.length > 0 ? rest + chunk : chunk;
        const cut = s.lastIndexOf('\n');
        if (cut < 0) {
          rest = s;
          continue;
        }
        const text = s.slice(0, cut + 1);
        rest = s.slice(cut + 1);
        const known = detector.currentFormat;
        if (known === undefined) lineNo += splitLines(text, lineNo + 1, (l, n) => detector.line(l, n));
        else {
          let count = 0;
          for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) count++;
          await send(next++ % threads, { type: 'chunk', fileIndex, file, known, text, firstLine: lineNo + 1 });
          lineNo += count;
          onProgress?.(file, lineNo);
        }
      }
      if (rest.length > 0) detector.line(rest.endsWith('\r') ? rest.slice(0, -1) : rest, lineNo + 1);
      detector.endFile(false);
    }
    for (const w of workers) w.postMessage({ type: 'finish' });
    for (const { shard, fileIndex } of await Promise.all(shards)) detector.absorb(shard, fileIndex);
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  detector.checkFiles();
}

/**
 * Starts a worker thread running this module. Compiled (the installed package), it is plain
 * JavaScript; as TypeScript source (repo scripts, tests) a small bootstrap first registers tsx's
 * loader in the worker (module.register is per thread; works on Node 20.6+ without --import).
 */
function startShardWorker(options: object): Worker {
  const workerData = { detectShard: true, options };
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL(import.meta.url), { workerData });
  const tsxApi =
    typeof import.meta.resolve === 'function'
      ? import.meta.resolve('tsx/esm/api')
      : pathToFileURL(join(dirname(createRequire(import.meta.url).resolve('tsx/package.json')), 'dist/esm/api/index.mjs')).href;
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then((m) => m.register()).then(() => import(${JSON.stringify(import.meta.url)}))`;
  return new Worker(bootstrap, { eval: true, workerData });
}

// A worker thread of readParallel: one Detector over the chunks it is dealt.
if (!isMainThread && (workerData as { detectShard?: boolean } | null)?.detectShard === true) {
  const detector = new Detector((workerData as { options: object }).options);
  const fileIndex: number[] = [];
  let current = -1;
  parentPort!.on('message', (m: ChunkMessage | { type: 'finish' }) => {
    if (m.type === 'chunk') {
      if (m.fileIndex !== current) {
        if (current >= 0) detector.endFile(false);
        detector.beginFile(m.file, m.known);
        fileIndex.push(m.fileIndex);
        current = m.fileIndex;
      }
      splitLines(m.text, m.firstLine, (l, n) => detector.line(l, n));
      parentPort!.postMessage({ type: 'ack' });
    } else {
      parentPort!.postMessage({ type: 'shard', shard: detector.exportShard(), fileIndex });
    }
  });
}

/**
 * Runs detection end to end: reads every input, writes `out` (and `report`), prints the summary.
 * Rejects with an error naming the file for unreadable inputs and mostly-garbage logs.
 *
 * @example
 * ```ts
 * const result = await runDetect({ logs: ['access.log.gz'], out: 'detected.csv', report: 'report.html' });
 * result.prefixes.length;
 * ```
 */
export async function runDetect(options: RunDetectOptions): Promise<DetectResult> {
  const {
    logs,
    out,
    asn,
    peeringDb,
    lists,
    report,
    log = process.stderr,
    quiet = false,
    onLogsRead,
    threads,
    engine = 'node',
    clickhouse,
    ...thresholds
  } = options;
  if (engine !== 'node' && engine !== 'clickhouse')
    throw new TypeError(`runDetect: engine must be node or clickhouse, got ${String(engine)}`);
  if (threads !== undefined && !(Number.isInteger(threads) && threads >= 1 && threads <= 64)) {
    throw new TypeError(`runDetect: threads must be an integer in 1..64, got ${String(threads)}`);
  }
  if (!Array.isArray(logs) || (logs.length === 0 && clickhouse?.table === undefined))
    throw new TypeError('runDetect: logs must name at least one file');
  if (typeof out !== 'string' || out.length === 0) throw new TypeError('runDetect: out must be a file name');
  const say = (s: string) => {
    if (!quiet) log.write(`${s}\n`);
  };
  let detector = new Detector(thresholds);

  let asnRanges: AsnRanges | undefined;
  for (const file of asn === undefined ? [] : Array.isArray(asn) ? asn : [asn]) {
    asnRanges ??= new AsnRanges();
    const ranges = asnRanges;
    const before = ranges.size;
    let bad = 0;
    let first = '';
    await forEachLine(file, (line, n) => {
      const err = ranges.addLine(line);
      if (err !== undefined && bad++ === 0) first = `${file}:${n}: ${err}`;
    });
    if (ranges.size === before)
      throw new Error(`${file}: no ASN ranges read; expected start,end,asn[,name] rows${first ? ` (${first})` : ''}`);
    if (bad > 0) say(`warning: ${bad} bad rows in ${file}, first: ${first}`);
  }
  asnRanges?.finish();

  let peering: Map<number, NetworkType> | undefined;
  for (const file of peeringDb ?? []) {
    peering ??= new Map();
    for (const [k, v] of parsePeeringDb(readMaybeGzip(file), file)) peering.set(k, v);
  }

  let matcher: PrefixMatcher<ListHit> | undefined;
  for (const { kind, file } of lists ?? []) {
    matcher ??= new PrefixMatcher();
    const parsed = parsePrefixList(readMaybeGzip(file), { file, kind });
    if (parsed.errors.length > 0) {
      say(`warning: ${parsed.errors.length} bad lines in ${file}; first: ${parsed.errors[0]!.message}`);
      if (parsed.entries.length === 0) throw new Error(`${file}: no usable prefixes (${parsed.errors[0]!.message})`);
    }
    for (const e of parsed.entries) matcher.add(e.prefix, { kind: e.kind, file, line: e.line });
  }

  const progress = !quiet && log.isTTY === true;
  const started = Date.now();
  const sizeOf = (f: string) => {
    try {
      return statSync(f).size;
    } catch (e) {
      throw inputError(f, e);
    }
  };
  const context = {
    ...(asnRanges !== undefined ? { asnRanges } : {}),
    ...(peering !== undefined ? { peeringDb: peering } : {}),
    ...(matcher !== undefined ? { lists: matcher } : {}),
  };
  let result: DetectResult;
  if (engine === 'clickhouse') {
    const { detectWithClickHouse } = await import('../src/detect/clickhouse/engine.ts');
    result = await detectWithClickHouse(logs, thresholds, clickhouse ?? {}, context);
    onLogsRead?.();
  } else {
    const totalBytes = logs.reduce((a, f) => a + sizeOf(f), 0);
    const workers = threads ?? (totalBytes >= 16 * 2 ** 20 ? Math.min(4, availableParallelism()) : 1);
    if (workers > 1) {
      let last = Date.now();
      const onProgress = (file: string, n: number) => {
        if (Date.now() - last < 1000) return;
        last = Date.now();
        const rate = Math.round(n / ((last - started) / 1000));
        log.write(
          `\r${file}: ${n.toLocaleString('en-US')} lines (${rate.toLocaleString('en-US')}/s, ${workers} threads, ${(totalBytes / 2 ** 20).toFixed(0)} MiB in all)  `,
        );
      };
      try {
        await readParallel(logs, detector, workers, thresholds, progress ? onProgress : undefined);
        if (progress) log.write('\n');
      } catch (e) {
        if (!(e instanceof WorkerFailure)) throw e;
        say(`warning: ${e.message}; reading in the main thread instead`);
        detector = new Detector(thresholds);
        await readSequential();
      }
    } else await readSequential();

    async function readSequential(): Promise<void> {
      for (const file of logs) {
        const size = sizeOf(file);
        detector.beginFile(file);
        let last = Date.now();
        let count = 0;
        await forEachLine(file, (line, n) => {
          detector.line(line, n);
          if (progress && (++count & 0xffff) === 0 && Date.now() - last > 1000) {
            last = Date.now();
            const rate = Math.round(n / ((last - started) / 1000));
            log.write(
              `\r${file}: ${n.toLocaleString('en-US')} lines (${rate.toLocaleString('en-US')}/s, file ${(size / 2 ** 20).toFixed(0)} MiB)  `,
            );
          }
        });
        if (progress) log.write('\n');
        detector.endFile();
      }
    }

    onLogsRead?.();
    result = detector.finish(context);
  }
  writeAtomic(out, formatPrefixCsv(result.prefixes));
  const summary = summarize(result);
  if (report !== undefined) {
    writeAtomic(report, renderReport(summary, chartJsSource()));
  }
  say(formatSummary(summary));
  say(
    `wrote ${result.prefixes.length} prefixes to ${out}${report !== undefined ? ` and the report to ${report}` : ''} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  return result;
}

const THRESHOLD_FLAGS: Record<string, keyof DetectOptions> = {
  'min-days': 'minDays',
  'min-browsers-per-day': 'minBrowsersPerDay',
  'min-plausibility': 'minPlausibility',
  'min-requests-per-ua-day': 'minRequestsPerUaDay',
  'min-pool-addresses': 'minPoolAddresses',
  'group-share': 'groupShare',
  'group-min-addresses': 'groupMinAddresses',
  'max-bot-score': 'maxBotScore',
  'max-malformed-share': 'maxMalformedShare',
  'min-access-addresses': 'minAccessAddresses',
  'max-access-median-browsers': 'maxAccessMedianBrowsers',
  'max-enterprise-weekend-share': 'maxEnterpriseWeekendShare',
  'max-hosting-browser-share': 'maxHostingBrowserShare',
};

const USAGE = `usage: multi-user-ip detect --logs FILE... [--asn FILE]... [--peeringdb FILE]... [--list KIND:FILE]... --out FILE
                           [--report FILE.html] [--threads N] [--quiet]
                           [--engine node|clickhouse] [--clickhouse-url URL] [--clickhouse-table NAME] [--clickhouse-cluster NAME]
                           (clickhouse: logs may be globs, s3:// or https:// objects; see docs/detection.md)
thresholds (defaults in brackets; see docs/detection.md):
${Object.entries(THRESHOLD_FLAGS)
  .map(([flag, key]) => `  --${flag} N [${DEFAULT_DETECT_OPTIONS[key]}]`)
  .join('\n')}
list kinds: ${MULTI_USER_KINDS.join(', ')}
every input may be gzip-compressed`;

/** The flags of detect (add new ones here; thresholds go in THRESHOLD_FLAGS). */
const OPTIONS = {
  logs: { type: 'string', multiple: true },
  asn: { type: 'string', multiple: true },
  peeringdb: { type: 'string', multiple: true },
  list: { type: 'string', multiple: true },
  out: { type: 'string' },
  report: { type: 'string' },
  quiet: { type: 'boolean', default: false },
  threads: { type: 'string' },
  engine: { type: 'string' },
  'clickhouse-url': { type: 'string' },
  'clickhouse-table': { type: 'string' },
  'clickhouse-cluster': { type: 'string' },
  ...Object.fromEntries(Object.keys(THRESHOLD_FLAGS).map((f) => [f, { type: 'string' as const }])),
} as const;

/**
 * Parses the command line into {@link RunDetectOptions}; throws a {@link UsageError} naming the bad flag.
 *
 * @example
 * ```ts
 * parseDetectArgs(['--logs', 'a.ndjson', '--list', 'vpn:v.txt', '--out', 'o.csv', '--min-days', '3']);
 * // { logs: ['a.ndjson'], lists: [{ kind: 'vpn', file: 'v.txt' }], out: 'o.csv', minDays: 3, help: false, … }
 * ```
 */
export function parseDetectArgs(argv: string[]): RunDetectOptions {
  const { values, positionals } = parseCommandLine(argv, OPTIONS, { allowPositionals: true });
  // `--logs a b c` puts b and c in positionals: accept them as more logs.
  const logs = [...((values.logs as string[] | undefined) ?? []), ...positionals];
  const o: RunDetectOptions = { logs, out: (values.out as string | undefined) ?? '', quiet: values.quiet as boolean };
  if (values.asn !== undefined) o.asn = values.asn as string[];
  if (values.peeringdb !== undefined) o.peeringDb = values.peeringdb as string[];
  if (values.report !== undefined) o.report = values.report as string;
  if (values.threads !== undefined) {
    o.threads = numberFlag('--threads', values.threads as string, (t) => Number.isInteger(t) && t >= 1 && t <= 64, 'an integer 1–64');
  }
  if (values.engine !== undefined) {
    if (values.engine !== 'node' && values.engine !== 'clickhouse')
      throw new UsageError(`--engine: expected node or clickhouse, got "${String(values.engine)}"`);
    o.engine = values.engine;
  }
  const ch = { url: values['clickhouse-url'], table: values['clickhouse-table'], cluster: values['clickhouse-cluster'] } as Record<
    string,
    string | undefined
  >;
  for (const [k, v] of Object.entries(ch)) if (v === undefined) delete ch[k];
  if (Object.keys(ch).length > 0) {
    if (o.engine !== 'clickhouse')
      throw new UsageError('--clickhouse-url, --clickhouse-table and --clickhouse-cluster need --engine clickhouse');
    o.clickhouse = ch;
  }
  o.lists = ((values.list as string[] | undefined) ?? []).map((spec) => {
    const i = spec.indexOf(':');
    const kind = spec.slice(0, i) as MultiUserKind;
    if (i < 1 || !MULTI_USER_KINDS.includes(kind))
      throw new UsageError(`--list ${spec}: expected KIND:FILE with KIND one of ${MULTI_USER_KINDS.join(', ')}`);
    return { kind, file: spec.slice(i + 1) };
  });
  for (const [flag, key] of Object.entries(THRESHOLD_FLAGS)) {
    const v = (values as Record<string, unknown>)[flag];
    if (v === undefined) continue;
    o[key] = numberFlag(`--${flag}`, String(v), () => true, 'a number');
  }
  if (o.logs.length === 0 && o.clickhouse?.table === undefined)
    throw new UsageError('--logs FILE is required (or --engine clickhouse --clickhouse-table NAME)');
  if (o.out.length === 0) throw new UsageError('--out FILE is required');
  return o;
}

/**
 * The `detect` subcommand: returns the exit code (0 done, 1 failed, 2 bad arguments).
 *
 * @example
 * ```ts
 * process.exitCode = await main(['--logs', 'access.log.gz', '--out', 'detected.csv']);
 * ```
 */
export function main(argv: string[]): Promise<number> {
  return runCommand({ name: 'detect', usage: USAGE, run: async (args) => void (await runDetect(parseDetectArgs(args))) }, argv);
}

if (isMainThread && isMainModule(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2));
}

import { Aggregator, type AggregatorState, type Exclusions } from './aggregate.ts';
import { classifyUnits, type ClassifyContext, type Classification } from './classify.ts';
import { resolveDetectOptions, type DetectOptions, type ResolvedDetectOptions } from './options.ts';
import { csvColumns, detectLogFormat, newLogRecord, parseCombinedLine, parseCsvLine, parseLogpushLine, type LogFormat } from './parse.ts';
import { createUserAgentClassifier } from './user-agent.ts';

/**
 * Line accounting for one input file.
 *
 * @example
 * ```ts
 * const s: FileStats = { file: 'a.ndjson', format: 'logpush', lines: 10, parsed: 9, malformed: 1, examples: [{ line: 4, reason: 'not JSON', text: '{oops' }] };
 * ```
 */
export interface FileStats {
  file: string;
  format: LogFormat | undefined;
  /** Non-empty lines read (a CSV header excluded). */
  lines: number;
  parsed: number;
  malformed: number;
  /** The first few malformed lines (1-based line numbers, text cut to 200 characters). */
  examples: { line: number; reason: string; text: string }[];
}

/**
 * A file whose lines are mostly not in any supported format.
 *
 * @example
 * ```ts
 * new MalformedFileError(stats, 0.5).message; // 'logs/x.log: 812 of 1000 lines malformed …'
 * ```
 */
export class MalformedFileError extends Error {
  constructor(
    readonly stats: FileStats,
    limit: number,
  ) {
    const first = stats.examples[0];
    super(
      `${stats.file}: ${stats.malformed} of ${stats.lines} lines malformed (limit ${Math.round(limit * 100)}%); ` +
        `expected Cloudflare Logpush NDJSON, Apache/nginx combined log lines, or CSV timestamp,ip,port,user_agent[,bot_score][,asn]` +
        (first === undefined ? '' : `; first at line ${first.line}: ${first.reason}`),
    );
    this.name = 'MalformedFileError';
  }
}

/**
 * The detector's full answer: the list, the per-unit verdicts and what the report shows.
 *
 * @example
 * ```ts
 * const result = detector.finish({});
 * result.prefixes.length;
 * ```
 */
export interface DetectResult extends Classification {
  files: FileStats[];
  requests: number;
  browserRequests: number;
  units: number;
  excluded: Exclusions;
  /** Share of requests that carried a source port (0 for combined logs: the port signal is absent). */
  portCoverage: number;
  timeRange: [number, number] | undefined;
  options: ResolvedDetectOptions;
}

/**
 * Streaming detector: feed it files line by line (any number, any mix of formats), then `finish`.
 * Pure: no I/O, so scripts/detect.ts does the reading and tests can feed strings.
 *
 * @example
 * ```ts
 * const d = new Detector({ minDays: 2 });
 * d.beginFile('a.ndjson');
 * for (const [i, line] of lines.entries()) d.line(line, i + 1);
 * d.endFile(); // throws MalformedFileError when the file is mostly garbage
 * const { prefixes } = d.finish({ peeringDb });
 * ```
 */
export class Detector {
  readonly options: ResolvedDetectOptions;
  private readonly agg: Aggregator;
  private readonly record = newLogRecord();
  private readonly files: FileStats[] = [];
  private current: FileStats | undefined;
  private cols = { botScore: false, asn: false };

  constructor(options: DetectOptions = {}) {
    this.options = resolveDetectOptions(options);
    this.agg = new Aggregator(this.options.maxBotScore, createUserAgentClassifier());
  }

  /**
   * Starts a new input file. Its format is detected from its first non-empty line, unless `known` gives
   * it (a worker thread reading the middle of a file that the main thread already recognised).
   */
  beginFile(file: string, known?: { format: LogFormat; cols: { botScore: boolean; asn: boolean } }): void {
    if (this.current !== undefined) this.endFile();
    this.current = { file, format: known?.format, lines: 0, parsed: 0, malformed: 0, examples: [] };
    this.cols = known === undefined ? { botScore: false, asn: false } : { ...known.cols };
  }

  /** The format of the current file, once recognised (to hand to worker threads). */
  get currentFormat(): { format: LogFormat; cols: { botScore: boolean; asn: boolean } } | undefined {
    const f = this.current?.format;
    return f === undefined ? undefined : { format: f, cols: { ...this.cols } };
  }

  /** Everything read so far as plain data, for a worker thread to send back; see {@link absorb}. */
  exportShard(): DetectorShard {
    if (this.current !== undefined) this.endFile(false);
    return { files: this.files, state: this.agg.exportState() };
  }

  /**
   * Folds in what a worker thread read: its state, and its line counts for the files this detector
   * has opened (`fileIndex` maps the shard's files to this detector's, in order).
   */
  absorb(shard: DetectorShard, fileIndex: readonly number[]): void {
    this.agg.merge(shard.state);
    shard.files.forEach((f, i) => {
      const mine = this.files[fileIndex[i]!];
      if (mine === undefined) throw new Error(`Detector.absorb: no file #${fileIndex[i]} to merge ${f.file} into`);
      mine.format ??= f.format;
      mine.lines += f.lines;
      mine.parsed += f.parsed;
      mine.malformed += f.malformed;
      mine.examples = [...mine.examples, ...f.examples].sort((a, b) => a.line - b.line).slice(0, this.options.malformedExamples);
    });
  }

  /** Throws {@link MalformedFileError} for the first finished file with too many malformed lines. */
  checkFiles(): void {
    for (const f of this.files) {
      if (f.lines > 0 && f.malformed / f.lines > this.options.maxMalformedShare)
        throw new MalformedFileError(f, this.options.maxMalformedShare);
    }
  }

  /** Feeds one line (without its newline) with its 1-based number. */
  line(text: string, lineNo: number): void {
    const f = this.current;
    if (f === undefined) throw new Error('Detector.line called before beginFile');
    if (text.length === 0 || (text.length < 3 && text.trim().length === 0)) return;
    let format = f.format;
    if (format === undefined) {
      format = detectLogFormat(text);
      if (format === undefined) return this.bad(f, lineNo, 'unrecognised format', text);
      f.format = format;
      if (format === 'csv') {
        const c = csvColumns(text);
        this.cols = { botScore: c.botScore, asn: c.asn };
        if (c.header) return;
      }
    }
    f.lines++;
    const r = this.record;
    const reason =
      format === 'logpush'
        ? parseLogpushLine(text, r)
        : format === 'combined'
          ? parseCombinedLine(text, r)
          : parseCsvLine(text, r, this.cols);
    if (reason !== undefined) return this.bad(f, lineNo, reason, text, true);
    if (!this.agg.add(r)) return this.bad(f, lineNo, `bad client address "${r.ip.slice(0, 60)}"`, text, true);
    f.parsed++;
  }

  /**
   * Ends the current file; throws {@link MalformedFileError} when too many of its lines were bad
   * (unless `check` is false: a worker's part of a file is judged only once merged).
   */
  endFile(check = true): FileStats {
    const f = this.current;
    if (f === undefined) throw new Error('Detector.endFile called before beginFile');
    this.current = undefined;
    this.files.push(f);
    if (check && f.lines > 0 && f.malformed / f.lines > this.options.maxMalformedShare) {
      throw new MalformedFileError(f, this.options.maxMalformedShare);
    }
    return f;
  }

  /** Classifies everything fed so far. */
  finish(context: ClassifyContext = {}): DetectResult {
    if (this.current !== undefined) this.endFile();
    return classifyAggregate(this.agg, this.files, this.options, context);
  }

  private bad(f: FileStats, lineNo: number, reason: string, text: string, counted = false): void {
    if (!counted) f.lines++;
    f.malformed++;
    if (f.examples.length < this.options.malformedExamples) {
      f.examples.push({ line: lineNo, reason, text: text.length > 200 ? `${text.slice(0, 200)}…` : text });
    }
  }
}

/**
 * Classifies an aggregator's state into the full answer: shared by the Node engine
 * ({@link Detector.finish}) and the clickhouse engine, which fills the aggregator from SQL.
 *
 * @example
 * ```ts
 * const result = classifyAggregate(aggregator, files, resolveDetectOptions(), { peeringDb });
 * ```
 */
export function classifyAggregate(
  a: Aggregator,
  files: FileStats[],
  options: ResolvedDetectOptions,
  context: ClassifyContext = {},
): DetectResult {
  return {
    ...classifyUnits(a, options, context),
    files,
    requests: a.requests,
    browserRequests: a.browserRequests,
    units: a.units,
    excluded: { ...a.excluded },
    portCoverage: a.requests > 0 ? a.withPort / a.requests : 0,
    timeRange: a.withTime > 0 ? [a.minTime, a.maxTime] : undefined,
    options,
  };
}

/**
 * What a worker thread's detector hands back: its per-file line counts and its aggregated state.
 *
 * @example
 * ```ts
 * parentPort.postMessage(detector.exportShard());
 * ```
 */
export interface DetectorShard {
  files: FileStats[];
  state: AggregatorState;
}

/**
 * The output list as CSV (`prefix,kind,users,confidence,evidence`), which build-table reads as is.
 *
 * @example
 * ```ts
 * formatPrefixCsv([{ prefix: '81.2.69.0/24', kind: 'cgnat', users: 300, confidence: 0.9, evidence: 'days=4' }]);
 * // 'prefix,kind,users,confidence,evidence\n81.2.69.0/24,cgnat,300,0.9,days=4\n'
 * ```
 */
export function formatPrefixCsv(
  prefixes: readonly { prefix: string; kind: string; users: number; confidence: number; evidence: string }[],
): string {
  let s = 'prefix,kind,users,confidence,evidence\n';
  for (const p of prefixes) s += `${p.prefix},${p.kind},${p.users},${p.confidence},${p.evidence}\n`;
  return s;
}

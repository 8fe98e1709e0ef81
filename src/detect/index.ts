/**
 * Detection of multi-user prefixes from request logs (pure: lines in, prefix list out; no I/O).
 * `scripts/detect.ts` does the reading; method and thresholds in docs/detection.md.
 *
 * @example
 * ```ts
 * import { Detector, formatPrefixCsv } from './src/detect/index.ts';
 * const d = new Detector();
 * d.beginFile('access.ndjson');
 * lines.forEach((line, i) => d.line(line, i + 1));
 * d.endFile();
 * const csv = formatPrefixCsv(d.finish({ peeringDb }).prefixes);
 * ```
 */
export { Detector, MalformedFileError, classifyAggregate, formatPrefixCsv, type DetectResult, type FileStats } from './detector.ts';
export { DEFAULT_DETECT_OPTIONS, resolveDetectOptions, type DetectOptions, type ResolvedDetectOptions } from './options.ts';
export {
  classifyUnits,
  type Classification,
  type ClassifyContext,
  type DetectedPrefix,
  type ListHit,
  type UnitVerdict,
} from './classify.ts';
export {
  AsnRanges,
  inferNetworkType,
  parsePeeringDb,
  peeringDbType,
  type InferenceThresholds,
  type NetworkProfile,
  type NetworkType,
} from './network-type.ts';
export {
  csvColumns,
  detectLogFormat,
  newLogRecord,
  parseCombinedLine,
  parseCsvLine,
  parseLogpushLine,
  toUnixSeconds,
  type LogFormat,
  type LogRecord,
} from './parse.ts';
export { Aggregator, UnitState, type Exclusions } from './aggregate.ts';
export { PopularityModel } from './popularity.ts';
export { BottomK, DistinctSketch } from './sketch.ts';
export { createUserAgentClassifier, type UserAgentInfo } from './user-agent.ts';
export { PrefixMatcher, formatIPv4, ipv6Unit, isPublicPrefix, parseIPv4, prefixText } from './address.ts';
export { formatSummary, summarize, type DetectSummary } from './report/summary.ts';
export { renderReport } from './report/html.ts';
export {
  simulate,
  type SimRole,
  type SimulateOptions,
  type SimulationOutput,
  type SimulatorUserAgents,
  type TruthUnit,
} from './simulate/simulate.ts';
export { evaluate, type Scores } from './simulate/evaluate.ts';

export {
  formatLocation,
  normaliseTraceroute,
  parseTracerouteText,
  splitJsonRecords,
  type HopReply,
  type RecordError,
  type RecordLocation,
  type TracerouteHop,
  type TracerouteResult,
} from './atlas-result.ts';
export { buildGroundTruth, type GroundTruth, type GroundTruthOptions, type TextInput } from './ground-truth.ts';
export {
  classifyTraceroute,
  readingOf,
  REASON_LABEL,
  type GroundTruthLabel,
  type HopRuleOptions,
  type LabelReading,
  type MetadataCheck,
  type TracerouteReason,
  type TracerouteVerdict,
} from './hop-rules.ts';
export { blockOf, classifyAddress, type AddressScope, type ClassifiedAddress } from './ip-class.ts';
export { corroborate } from './corroborate.ts';
export { describeHop, hopSequence, type ClassifiedHop, type HopClass } from './hop-sequence.ts';
export { combineVerdicts, compareAddresses, EVIDENCE_TIER, labelsToCsv, type AddressLabel } from './labels.ts';
export { evaluateList, score, type Disagreement, type EvaluateOptions, type Scores, type ValidationMetrics } from './metrics.ts';
export { parseProbeRecords, parseProbeText, type ProbeInfo } from './probe-metadata.ts';
export { renderHtmlReport, type HtmlReportOptions } from './report-html.ts';
export { pct, readingLine, renderTextReport, type ValidationSummary } from './report-text.ts';

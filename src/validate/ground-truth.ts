import { parseTracerouteText, type RecordError, type TracerouteResult } from './atlas-result.ts';
import { classifyTraceroute, readingOf, type HopRuleOptions, type LabelReading, type TracerouteVerdict } from './hop-rules.ts';
import { combineVerdicts, type AddressLabel } from './labels.ts';
import { parseProbeRecords, parseProbeText, type ProbeInfo } from './probe-metadata.ts';

/**
 * A named text input (the caller reads and decompresses files; this module does no I/O).
 *
 * @example
 * ```ts
 * const input: TextInput = { file: 'results.jsonl', text: '{"af":4,…}\n' };
 * ```
 */
export interface TextInput {
  file: string;
  text: string;
}

/**
 * Options of {@link buildGroundTruth}.
 *
 * @example
 * ```ts
 * buildGroundTruth({ traceroutes: [input], probes: probeInput, privateCarrierHops: 'unknown' });
 * ```
 */
export interface GroundTruthOptions {
  traceroutes: readonly TextInput[];
  /** Probe metadata file; probes embedded in a measurement dump are used too (the file wins on conflicts). */
  probes?: TextInput | undefined;
  /** See {@link HopRuleOptions.privateCarrierHops}. Default `'unknown'` (the strict reading); `'cgnat'` is the broad reading. */
  privateCarrierHops?: HopRuleOptions['privateCarrierHops'];
}

/**
 * Labels, per-traceroute verdicts and everything that went wrong on the way.
 *
 * @example
 * ```ts
 * const gt = buildGroundTruth({ traceroutes });
 * gt.errors.length; // malformed records, each with file and line or index
 * ```
 */
export interface GroundTruth {
  labels: AddressLabel[];
  verdicts: TracerouteVerdict[];
  /** Verdicts whose record had no usable public address (`from`). */
  unusable: TracerouteVerdict[];
  results: TracerouteResult[];
  probes: Map<number, ProbeInfo>;
  /** Malformed records (traceroutes and probes), never fatal. */
  errors: RecordError[];
  /** Number of traceroutes per rule code. */
  reasonCounts: Record<string, number>;
  /** Probes whose metadata `address_v4` differs from the `from` of their IPv4 results (metadata of another time). */
  addressMismatches: number[];
  /** The reading of rule 5 the labels were made with; reports name it. */
  reading: LabelReading;
  /** Definite traceroute labels the probe metadata agrees with, contradicts, or says nothing about. */
  metadataChecks: { agrees: number; contradicts: number; none: number };
  /** Labels whose traceroutes disagree (decided by precedence, or unknown when the deciding tier conflicts). */
  disagreements: AddressLabel[];
}

/**
 * Parses RIPE Atlas traceroutes (and probe metadata), applies the hop rules to each traceroute and
 * combines them into one label per probe public address.
 *
 * @example
 * ```ts
 * const gt = buildGroundTruth({ traceroutes: [{ file: 'r.jsonl', text }] });
 * for (const l of gt.labels) console.log(l.address, l.label);
 * ```
 */
export function buildGroundTruth(options: GroundTruthOptions): GroundTruth {
  if (options.privateCarrierHops !== undefined && !['cgnat', 'unknown'].includes(options.privateCarrierHops)) {
    throw new TypeError(`privateCarrierHops: expected 'cgnat' or 'unknown', got ${JSON.stringify(options.privateCarrierHops)}`);
  }
  const errors: RecordError[] = [];
  const results: TracerouteResult[] = [];
  const probes = new Map<number, ProbeInfo>();
  for (const input of options.traceroutes) {
    const parsed = parseTracerouteText(input.text, input.file);
    // Loops, not push(...spread): a bulk download holds far more records than a call may take arguments.
    for (const r of parsed.results) results.push(r);
    for (const e of parsed.errors) errors.push(e);
    if (parsed.embeddedProbes.length > 0) {
      const embedded = parseProbeRecords(parsed.embeddedProbes, `${input.file} (probes)`);
      for (const [id, p] of embedded.probes) probes.set(id, p);
      for (const e of embedded.errors) errors.push(e);
    }
  }
  if (options.probes) {
    const parsed = parseProbeText(options.probes.text, options.probes.file);
    for (const [id, p] of parsed.probes) probes.set(id, p);
    for (const e of parsed.errors) errors.push(e);
  }
  const verdicts = results.map((r) =>
    classifyTraceroute(r, { privateCarrierHops: options.privateCarrierHops, probe: probes.get(r.prbId) }),
  );
  const reasonCounts: Record<string, number> = {};
  for (const v of verdicts) reasonCounts[v.reason] = (reasonCounts[v.reason] ?? 0) + 1;
  const { labels, unusable } = combineVerdicts(verdicts);
  for (const l of labels) {
    l.asns = [...new Set(l.probes.map((id) => probes.get(id)?.asnV4).filter((a): a is number => a !== undefined))].sort((a, b) => a - b);
  }
  const mismatched = new Set<number>();
  for (const r of results) {
    const p = probes.get(r.prbId);
    if (r.af === 4 && r.from && p?.addressV4 && p.addressV4 !== r.from) mismatched.add(r.prbId);
  }
  const addressMismatches = [...mismatched].sort((a, b) => a - b);
  const metadataChecks = { agrees: 0, contradicts: 0, none: 0 };
  for (const v of verdicts) if (v.label !== 'unknown') metadataChecks[v.metadata.verdict]++;
  const disagreements = labels.filter((l) => l.disagreement !== undefined);
  const reading = readingOf(options.privateCarrierHops);
  return { labels, verdicts, unusable, results, probes, errors, reasonCounts, addressMismatches, reading, metadataChecks, disagreements };
}

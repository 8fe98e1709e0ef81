import { formatLocation, type RecordError } from './atlas-result.ts';
import type { GroundTruth } from './ground-truth.ts';
import { REASON_LABEL, type LabelReading } from './hop-rules.ts';
import type { Scores, ValidationMetrics } from './metrics.ts';

/**
 * What the reports show: the ground truth, and (when a list was given) its scores.
 *
 * @example
 * ```ts
 * const summary: ValidationSummary = { groundTruth: gt, metrics, list: { file: 'list.csv', entries: 120, errors: [] }, inputs: ['r.jsonl'] };
 * ```
 */
export interface ValidationSummary {
  groundTruth: GroundTruth;
  metrics?: ValidationMetrics | undefined;
  /** The list that was scored: its file, number of entries and its parse errors (already formatted). */
  list?: { file: string; entries: number; errors: string[] } | undefined;
  /** Traceroute input file names. */
  inputs: string[];
  probesFile?: string | undefined;
}

/**
 * One line naming the reading the labels were made with (the broad one is never silent).
 *
 * @example
 * ```ts
 * readingLine('strict'); // 'strict (default): RFC 1918 hops after the home router, then public space elsewhere → unknown'
 * ```
 */
export function readingLine(reading: LabelReading): string {
  return reading === 'broad'
    ? 'BROAD READING (--private-hops cgnat): RFC 1918 hops after the home router, then public space elsewhere → cgnat'
    : 'strict (default): RFC 1918 hops after the home router, then public space elsewhere → unknown';
}

/**
 * Formats a ratio as a percentage with one decimal, or `n/a` when undefined.
 *
 * @example
 * ```ts
 * pct(0.8123); // '81.2%'
 * pct(undefined); // 'n/a'
 * ```
 */
export function pct(x: number | undefined): string {
  return x === undefined ? 'n/a' : `${(x * 100).toFixed(1)}%`;
}

function pad(s: string | number, n: number): string {
  return String(s).padEnd(n);
}

function lpad(s: string | number, n: number): string {
  return String(s).padStart(n);
}

function scoreLine(name: string, s: Scores): string {
  return `  ${pad(name, 12)}${lpad(s.tp, 6)}${lpad(s.fp, 6)}${lpad(s.fn, 6)}${lpad(s.tn, 6)}${lpad(pct(s.precision), 11)}${lpad(pct(s.recall), 9)}${lpad(pct(s.f1), 9)}`;
}

function errorLines(errors: readonly RecordError[], limit: number): string[] {
  const out = errors.slice(0, limit).map((e) => `  ${formatLocation(e.at)}: ${e.message}`);
  if (errors.length > limit) out.push(`  … and ${errors.length - limit} more`);
  return out;
}

/**
 * The terminal report (plain text, no colours).
 *
 * @example
 * ```ts
 * process.stdout.write(renderTextReport({ groundTruth: gt, metrics, inputs: ['r.jsonl'] }));
 * ```
 */
export function renderTextReport(summary: ValidationSummary, options: { maxRows?: number } = {}): string {
  const maxRows = options.maxRows ?? 50;
  const { groundTruth: gt, metrics } = summary;
  const out: string[] = [];
  const counts = { cgnat: 0, 'not-cgnat': 0, unknown: 0 };
  for (const l of gt.labels) counts[l.label]++;
  out.push('Ground truth (RIPE Atlas traceroutes)');
  out.push(`  inputs: ${summary.inputs.join(', ')}${summary.probesFile ? `; probes: ${summary.probesFile}` : ''}`);
  out.push(
    `  ${gt.results.length} traceroutes read, ${gt.errors.length} malformed records, ${gt.unusable.length} without a usable public address; ${gt.probes.size} probe records`,
  );
  out.push(`  ${gt.labels.length} addresses labelled: cgnat ${counts.cgnat}, not-cgnat ${counts['not-cgnat']}, unknown ${counts.unknown}`);
  if (gt.addressMismatches.length > 0) {
    const n = gt.addressMismatches.length;
    out.push(
      `  ${n} probe${n === 1 ? '' : 's'}: metadata address_v4 differs from their results' from (metadata of another time; labels use from)`,
    );
  }
  out.push(`  reading: ${readingLine(gt.reading)}`);
  const mc = gt.metadataChecks;
  if (mc.agrees + mc.contradicts > 0) {
    out.push(
      `  probe metadata on definite labels: agrees ${mc.agrees}, contradicts ${mc.contradicts}, silent ${mc.none} (corroboration only; labels unchanged)`,
    );
    for (const v of gt.verdicts.filter((x) => x.metadata.verdict === 'contradicts').slice(0, maxRows)) {
      out.push(`    prb ${v.result.prbId} ${v.address} ${v.label} (${v.reason}): ${v.metadata.notes.join(', ')}`);
    }
  }
  out.push('  traceroutes per rule:');
  for (const [reason, n] of Object.entries(gt.reasonCounts).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))) {
    out.push(`    ${pad(reason, 36)}${lpad(n, 5)}  → ${REASON_LABEL[reason as keyof typeof REASON_LABEL]}`);
  }
  if (gt.disagreements.length > 0) {
    const unknown = gt.disagreements.filter((l) => l.reason === 'conflicting-traceroutes').length;
    out.push(
      `  addresses whose traceroutes disagree: ${gt.disagreements.length} (${unknown} left unknown, the rest decided by precedence)`,
    );
    for (const c of gt.disagreements.slice(0, maxRows)) out.push(`    ${c.address} → ${c.label}: ${c.disagreement}`);
  }
  if (gt.errors.length > 0) {
    out.push('  malformed records:');
    out.push(...errorLines(gt.errors, maxRows).map((l) => `  ${l}`));
  }
  if (summary.list) {
    out.push('');
    out.push(`List: ${summary.list.file} — ${summary.list.entries} entries, ${summary.list.errors.length} errors`);
    for (const e of summary.list.errors.slice(0, maxRows)) out.push(`  ${e}`);
  }
  if (metrics) {
    out.push(`  positive = listed with kind ${metrics.positiveKinds.join(' or ')}; scored on cgnat/not-cgnat labels only`);
    out.push(
      `  ${pad('', 12)}${lpad('TP', 6)}${lpad('FP', 6)}${lpad('FN', 6)}${lpad('TN', 6)}${lpad('precision', 11)}${lpad('recall', 9)}${lpad('F1', 9)}`,
    );
    out.push(scoreLine('by address', metrics.byAddress));
    out.push(scoreLine('by /24,/48', metrics.byBlock));
    if (metrics.byBlock.conflicting.length > 0) {
      out.push(`  blocks with both labels (not scored): ${metrics.byBlock.conflicting.join(', ')}`);
    }
    out.push('');
    out.push('Confusion matrix (addresses)');
    out.push(`  ${pad('truth \\ list', 14)}${lpad('positive', 10)}${lpad('negative', 10)}`);
    out.push(`  ${pad('cgnat', 14)}${lpad(metrics.byAddress.tp, 10)}${lpad(metrics.byAddress.fn, 10)}`);
    out.push(`  ${pad('not-cgnat', 14)}${lpad(metrics.byAddress.fp, 10)}${lpad(metrics.byAddress.tn, 10)}`);
    const columns = [...new Set(Object.values(metrics.kindMatrix).flatMap((r) => Object.keys(r)))].sort();
    out.push('');
    out.push('Ground truth × list kind (addresses)');
    out.push(`  ${pad('truth \\ list', 14)}${columns.map((c) => lpad(c, 12)).join('')}`);
    for (const [truth, row] of Object.entries(metrics.kindMatrix)) {
      out.push(`  ${pad(truth, 14)}${columns.map((c) => lpad(row[c] ?? 0, 12)).join('')}`);
    }
    out.push('');
    out.push(`Disagreements (${metrics.disagreements.length})`);
    for (const d of metrics.disagreements.slice(0, maxRows)) {
      const asn = d.label.asns.length > 0 ? ` (AS${d.label.asns.join(', AS')})` : '';
      out.push(`  ${pad(d.address, 16)} truth ${pad(d.truth, 10)} ${d.why}${asn}`);
    }
    if (metrics.disagreements.length > maxRows)
      out.push(`  … and ${metrics.disagreements.length - maxRows} more (see --report / --labels-out)`);
  }
  return `${out.join('\n')}\n`;
}

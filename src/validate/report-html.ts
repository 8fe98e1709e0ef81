import { chartFigure, escapeHtml, htmlTable, renderPage, type ChartSpec } from '../report/page.ts';
import { formatLocation } from './atlas-result.ts';
import { REASON_LABEL } from './hop-rules.ts';
import type { Scores } from './metrics.ts';
import { pct, readingLine, type ValidationSummary } from './report-text.ts';

/**
 * Options of {@link renderHtmlReport}.
 *
 * @example
 * ```ts
 * renderHtmlReport(summary, { chartJs: readFileSync(chartUmdPath, 'utf8'), title: 'Validation 2026-11-22' });
 * ```
 */
export interface HtmlReportOptions {
  /** The source of chart.js's UMD build, inlined so the page works offline. Without it, no charts. */
  chartJs?: string | undefined;
  title?: string;
}

function scoreRow(name: string, s: Scores): (string | number)[] {
  return [name, s.tp, s.fp, s.fn, s.tn, pct(s.precision), pct(s.recall), pct(s.f1)];
}

const LABELS = ['cgnat', 'not-cgnat', 'unknown'] as const;
const LABEL_COLOURS: Record<(typeof LABELS)[number], string> = { cgnat: '#d62728', 'not-cgnat': '#2ca02c', unknown: '#999999' };

/** Traceroutes per rule, one bar per rule, coloured (with a legend) by the label the rule gives. */
function rulesChart(rules: [string, number][]): ChartSpec {
  const labelOf = (r: string) => REASON_LABEL[r as keyof typeof REASON_LABEL] ?? 'unknown';
  return {
    id: 'rules',
    title: 'Traceroutes per rule',
    type: 'bar',
    horizontal: true,
    stacked: true,
    labels: rules.map(([r]) => r),
    x: { title: 'traceroutes', scale: 'linear', integer: true },
    y: { title: 'rule', scale: 'category' },
    datasets: LABELS.filter((l) => rules.some(([r]) => labelOf(r) === l)).map((l) => ({
      label: `labels the address ${l}`,
      color: LABEL_COLOURS[l],
      data: rules.map(([r, n]) => (labelOf(r) === l ? n : null)),
    })),
    legend: true,
    empty: 'no traceroute in the inputs could be read.',
  };
}

function overview(summary: ValidationSummary, rules: [string, number][], chart: ChartSpec | undefined): string {
  const { groundTruth: gt } = summary;
  const counts = { cgnat: 0, 'not-cgnat': 0, unknown: 0 };
  for (const l of gt.labels) counts[l.label]++;
  return [
    '<h2>Ground truth</h2>',
    `<p>Inputs: ${escapeHtml(summary.inputs.join(', '))}${summary.probesFile ? `; probes: ${escapeHtml(summary.probesFile)}` : ''}. ` +
      `${gt.results.length} traceroutes, ${gt.errors.length} malformed records, ${gt.unusable.length} without a usable public address, ${gt.probes.size} probe records.</p>`,
    `<p>${gt.labels.length} addresses labelled: <b>cgnat ${counts.cgnat}</b>, <b>not-cgnat ${counts['not-cgnat']}</b>, <b>unknown ${counts.unknown}</b>.</p>`,
    `<p>Reading: ${escapeHtml(readingLine(gt.reading))}. Addresses whose traceroutes disagree: ${gt.disagreements.length}.</p>`,
    gt.disagreements.length > 0
      ? `<pre class="errors">${escapeHtml(gt.disagreements.map((l) => `${l.address} → ${l.label}: ${l.disagreement}`).join('\n'))}</pre>`
      : '',
    chart ? chartFigure(chart) : '<h3>Traceroutes per rule</h3>',
    htmlTable(
      ['rule', 'traceroutes', 'label'],
      rules.map(([r, n]) => [r, n, REASON_LABEL[r as keyof typeof REASON_LABEL] ?? '']),
    ),
  ].join('\n');
}

function listSection(list: NonNullable<ValidationSummary['list']>): string {
  const errors = list.errors.length;
  return (
    `<h2>List: ${escapeHtml(list.file)}</h2><p>${list.entries} entries, ${errors} ${errors === 1 ? 'error' : 'errors'}.</p>` +
    // pre-wrap: a long error line wraps instead of widening the page.
    (errors > 0 ? `<pre class="errors">${escapeHtml(list.errors.join('\n'))}</pre>` : '')
  );
}

function scoreSections(metrics: NonNullable<ValidationSummary['metrics']>): string[] {
  const columns = [...new Set(Object.values(metrics.kindMatrix).flatMap((r) => Object.keys(r)))].sort();
  const scores = [
    '<h2>Scores</h2>',
    `<p>Positive: listed with kind ${escapeHtml(metrics.positiveKinds.join(' or '))}. Scored on <code>cgnat</code>/<code>not-cgnat</code> labels; <code>unknown</code> is never scored. ` +
      'By block: /24 for IPv4, /48 for IPv6; a block counts when its labelled addresses agree, and is positive when the list matches any of them.</p>',
    htmlTable(
      ['', 'TP', 'FP', 'FN', 'TN', 'precision', 'recall', 'F1'],
      [scoreRow('by address', metrics.byAddress), scoreRow('by /24 (/48)', metrics.byBlock)],
    ),
    metrics.byBlock.conflicting.length > 0
      ? `<p>Blocks with both labels (not scored): ${escapeHtml(metrics.byBlock.conflicting.join(', '))}</p>`
      : '',
    '<h2>Confusion matrix (addresses)</h2>',
    htmlTable(
      ['truth \\ list', 'positive', 'negative'],
      [
        ['cgnat', metrics.byAddress.tp, metrics.byAddress.fn],
        ['not-cgnat', metrics.byAddress.fp, metrics.byAddress.tn],
      ],
      'matrix',
    ),
    '<h2>Ground truth × list kind (addresses)</h2>',
    htmlTable(
      ['truth \\ list', ...columns],
      Object.entries(metrics.kindMatrix).map(([t, row]) => [t, ...columns.map((c) => row[c] ?? 0)]),
    ),
  ];
  const disagreements = [
    `<h2>Disagreements (${metrics.disagreements.length})</h2>`,
    metrics.disagreements.length === 0
      ? '<p class="empty">No disagreements: the list and the ground truth agree on every scored address.</p>'
      : htmlTable(
          ['address', 'truth', 'list', 'ASN', 'why'],
          metrics.disagreements.map((d) => [d.address, d.truth, d.listed ? 'positive' : 'negative', d.label.asns.join(' '), d.why]),
        ),
  ];
  return [scores.join('\n'), disagreements.join('\n')];
}

/**
 * A self-contained HTML page: ground-truth summary, per-rule counts (charted with the inlined chart.js when
 * given, coloured by label with a legend), the list's errors (wrapped), scores by address and by /24,
 * confusion matrix, truth × list kind, disagreements, every label, and the malformed records.
 *
 * @example
 * ```ts
 * writeFileSync('report.html', renderHtmlReport(summary, { chartJs }));
 * ```
 */
export function renderHtmlReport(summary: ValidationSummary, options: HtmlReportOptions = {}): string {
  const { groundTruth: gt, metrics } = summary;
  const rules = Object.entries(gt.reasonCounts).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const chart = options.chartJs ? rulesChart(rules) : undefined;
  const sections = [overview(summary, rules, chart)];
  if (summary.list) sections.push(listSection(summary.list));
  if (metrics) sections.push(...scoreSections(metrics));
  sections.push(
    `<h2>Labels (${gt.labels.length})</h2>\n` +
      htmlTable(
        ['address', 'label', 'reason', 'probes', 'ASN', 'detail'],
        gt.labels.map((l) => [l.address, l.label, l.reason, l.probes.join(' '), l.asns.join(' '), l.detail]),
      ),
  );
  if (gt.errors.length > 0) {
    sections.push(
      `<h2>Malformed records (${gt.errors.length})</h2>\n${htmlTable(
        ['where', 'problem'],
        gt.errors.map((e) => [formatLocation(e.at), e.message]),
      )}`,
    );
  }
  return renderPage({
    title: options.title ?? 'multi-user-ip: validation against RIPE Atlas ground truth',
    sections,
    charts: chart ? [chart] : [],
    chartJs: options.chartJs,
    footer: 'Method: docs/validation.md. Generated offline; Chart.js (MIT) is embedded in this page.',
  });
}

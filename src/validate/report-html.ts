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

function esc(s: string | number): string {
  return String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** JSON that is safe inside a `<script>` element. */
function scriptJson(v: unknown): string {
  return JSON.stringify(v).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

function table(head: (string | number)[], rows: (string | number)[][], cls = ''): string {
  const h = head.map((c) => `<th>${esc(c)}</th>`).join('');
  const b = rows.map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('\n');
  return `<table class="${cls}"><thead><tr>${h}</tr></thead><tbody>\n${b}\n</tbody></table>`;
}

function scoreRow(name: string, s: Scores): (string | number)[] {
  return [name, s.tp, s.fp, s.fn, s.tn, pct(s.precision), pct(s.recall), pct(s.f1)];
}

const COLOURS = { cgnat: '#d9534f', 'not-cgnat': '#5cb85c', unknown: '#999999' };

/**
 * A self-contained HTML page: ground-truth summary, per-rule counts (charted with the inlined chart.js when
 * given), scores by address and by /24, confusion matrix, truth × list kind, disagreements, every label,
 * and the malformed records.
 *
 * @example
 * ```ts
 * writeFileSync('report.html', renderHtmlReport(summary, { chartJs }));
 * ```
 */
export function renderHtmlReport(summary: ValidationSummary, options: HtmlReportOptions = {}): string {
  const { groundTruth: gt, metrics } = summary;
  const title = options.title ?? 'multi-user-ip: validation against RIPE Atlas ground truth';
  const counts = { cgnat: 0, 'not-cgnat': 0, unknown: 0 };
  for (const l of gt.labels) counts[l.label]++;
  const rules = Object.entries(gt.reasonCounts).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const parts: string[] = [];
  parts.push(`<h1>${esc(title)}</h1>`);
  parts.push(
    `<p>Inputs: ${esc(summary.inputs.join(', '))}${summary.probesFile ? `; probes: ${esc(summary.probesFile)}` : ''}. ` +
      `${gt.results.length} traceroutes, ${gt.errors.length} malformed records, ${gt.unusable.length} without a usable public address, ${gt.probes.size} probe records.</p>`,
  );
  parts.push(
    `<p>${gt.labels.length} addresses labelled: <b>cgnat ${counts.cgnat}</b>, <b>not-cgnat ${counts['not-cgnat']}</b>, <b>unknown ${counts.unknown}</b>.</p>`,
  );
  // Minimal lines (issue 15): the reading used and the disagreements; the layout is #14's.
  parts.push(`<p>Reading: ${esc(readingLine(gt.reading))}. Addresses whose traceroutes disagree: ${gt.disagreements.length}.</p>`);
  if (gt.disagreements.length > 0) parts.push(`<pre>${esc(gt.disagreements.map((l) => `${l.address} → ${l.label}: ${l.disagreement}`).join('\n'))}</pre>`);
  parts.push('<h2>Traceroutes per rule</h2>');
  if (options.chartJs) parts.push('<div class="chart"><canvas id="rules"></canvas></div>');
  parts.push(
    table(
      ['rule', 'traceroutes', 'label'],
      rules.map(([r, n]) => [r, n, REASON_LABEL[r as keyof typeof REASON_LABEL] ?? '']),
    ),
  );
  if (summary.list) {
    parts.push(`<h2>List: ${esc(summary.list.file)}</h2><p>${summary.list.entries} entries, ${summary.list.errors.length} errors.</p>`);
    if (summary.list.errors.length > 0) parts.push(`<pre>${esc(summary.list.errors.join('\n'))}</pre>`);
  }
  if (metrics) {
    parts.push('<h2>Scores</h2>');
    parts.push(
      `<p>Positive: listed with kind ${esc(metrics.positiveKinds.join(' or '))}. Scored on <code>cgnat</code>/<code>not-cgnat</code> labels; <code>unknown</code> is never scored. ` +
        'By block: /24 for IPv4, /48 for IPv6; a block counts when its labelled addresses agree, and is positive when the list matches any of them.</p>',
    );
    parts.push(
      table(['', 'TP', 'FP', 'FN', 'TN', 'precision', 'recall', 'F1'], [scoreRow('by address', metrics.byAddress), scoreRow('by /24 (/48)', metrics.byBlock)]),
    );
    if (metrics.byBlock.conflicting.length > 0) {
      parts.push(`<p>Blocks with both labels (not scored): ${esc(metrics.byBlock.conflicting.join(', '))}</p>`);
    }
    parts.push('<h2>Confusion matrix (addresses)</h2>');
    parts.push(
      table(
        ['truth \\ list', 'positive', 'negative'],
        [
          ['cgnat', metrics.byAddress.tp, metrics.byAddress.fn],
          ['not-cgnat', metrics.byAddress.fp, metrics.byAddress.tn],
        ],
        'matrix',
      ),
    );
    const columns = [...new Set(Object.values(metrics.kindMatrix).flatMap((r) => Object.keys(r)))].sort();
    parts.push('<h2>Ground truth × list kind (addresses)</h2>');
    parts.push(table(['truth \\ list', ...columns], Object.entries(metrics.kindMatrix).map(([t, row]) => [t, ...columns.map((c) => row[c] ?? 0)])));
    parts.push(`<h2>Disagreements (${metrics.disagreements.length})</h2>`);
    parts.push(
      table(
        ['address', 'truth', 'list', 'ASN', 'why'],
        metrics.disagreements.map((d) => [d.address, d.truth, d.listed ? 'positive' : 'negative', d.label.asns.join(' '), d.why]),
      ),
    );
  }
  parts.push(`<h2>Labels (${gt.labels.length})</h2>`);
  parts.push(
    table(['address', 'label', 'reason', 'probes', 'ASN', 'detail'], gt.labels.map((l) => [l.address, l.label, l.reason, l.probes.join(' '), l.asns.join(' '), l.detail])),
  );
  if (gt.errors.length > 0) {
    parts.push(`<h2>Malformed records (${gt.errors.length})</h2>`);
    parts.push(table(['where', 'problem'], gt.errors.map((e) => [formatLocation(e.at), e.message])));
  }
  let scripts = '';
  if (options.chartJs) {
    const data = {
      labels: rules.map(([r]) => r),
      counts: rules.map(([, n]) => n),
      colours: rules.map(([r]) => COLOURS[REASON_LABEL[r as keyof typeof REASON_LABEL] ?? 'unknown']),
    };
    // Inlined verbatim; a literal "</script" inside would end the element early, so it is split.
    scripts =
      `<script>${options.chartJs.replace(/<\/script/gi, '<\\/script')}</script>\n` +
      `<script>const d=${scriptJson(data)};Chart.defaults.animation=false;new Chart(document.getElementById('rules'),{type:'bar',data:{labels:d.labels,datasets:[{label:'traceroutes',data:d.counts,backgroundColor:d.colours}]},options:{indexAxis:'y',plugins:{legend:{display:false}},maintainAspectRatio:false}});</script>`;
  }
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:2em;max-width:1200px;color:#222}
table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left;vertical-align:top}
th{background:#f3f3f3}.matrix td{text-align:right}.chart{height:${Math.max(160, rules.length * 26)}px;max-width:800px}
code{background:#f3f3f3;padding:0 .2em}
</style></head><body>
${parts.join('\n')}
${scripts}
</body></html>
`;
}

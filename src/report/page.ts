import { CHART_RUNTIME } from './chart-runtime.ts';

/**
 * One axis of a {@link ChartSpec}. `category` axes show every label (none is skipped); `log` axes are
 * for counts and tick at 1, 2, 5 × 10ⁿ written as integers; `linear` axes start at zero.
 *
 * @example
 * ```ts
 * const users: AxisSpec = { title: 'users (estimate)', scale: 'log' };
 * ```
 */
export interface AxisSpec {
  /** Every axis says what it counts. */
  title: string;
  scale: 'category' | 'linear' | 'log';
  /** Linear axes: ticks are whole numbers (counts). */
  integer?: boolean;
  /** Linear axes: values are shares 0–1, shown as percentages. */
  percent?: boolean;
  min?: number;
  max?: number;
}

/**
 * One series of a {@link ChartSpec}: one colour. When colour carries meaning (a kind, a label), give
 * one dataset per meaning and set `legend`.
 *
 * @example
 * ```ts
 * const d: DatasetSpec = { label: 'cgnat', color: '#1f77b4', data: [3, null, 5] };
 * ```
 */
export interface DatasetSpec {
  label: string;
  /** A CSS colour, or one per bar when the category axis already names what the colours mean. */
  color: string | string[];
  data: Array<number | null> | Array<{ x: number; y: number }>;
  stepped?: boolean;
}

/**
 * A chart of a report: drawn by chart.js in the page, or replaced by an explicit "no data" note.
 *
 * @example
 * ```ts
 * const spec: ChartSpec = {
 *   id: 'kinds', title: 'Listed prefixes per kind', type: 'bar', labels: ['cgnat', 'vpn'],
 *   x: { title: 'kind', scale: 'category' }, y: { title: 'prefixes', scale: 'linear', integer: true },
 *   datasets: [{ label: 'prefixes', color: ['#1f77b4', '#9467bd'], data: [4, 2] }], legend: false,
 *   empty: 'No prefixes listed.',
 * };
 * ```
 */
export interface ChartSpec {
  /** The canvas id (unique in the page). */
  id: string;
  title: string;
  type: 'bar' | 'line';
  /** Bars grow along x from a category y axis (long labels stay readable). */
  horizontal?: boolean;
  stacked?: boolean;
  labels?: string[];
  /** The horizontal and the vertical axis, as drawn. */
  x: AxisSpec;
  y: AxisSpec;
  datasets: DatasetSpec[];
  /** Show the legend: true exactly when colour carries a meaning no axis names. */
  legend: boolean;
  /** What the page says instead of the chart when no dataset has a value above zero. */
  empty: string;
  /** Height of the drawing area in CSS pixels; horizontal bar charts grow with their labels by default. */
  height?: number;
  /** A sentence under the chart. */
  note?: string;
}

/**
 * Escapes text for HTML element content and attribute values.
 *
 * @example
 * ```ts
 * `<td>${escapeHtml(line)}</td>`;
 * ```
 */
export function escapeHtml(s: string | number): string {
  return String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * JSON that is safe inside a `<script>` element.
 *
 * @example
 * ```ts
 * `<script>const DATA = ${scriptJson(data)};</script>`;
 * ```
 */
export function scriptJson(v: unknown): string {
  return JSON.stringify(v)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/**
 * A whole number with thousands separators (the reports' number format).
 *
 * @example
 * ```ts
 * formatCount(1234567); // '1,234,567'
 * ```
 */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: 2 });
}

/** A spec has data when any of its values is above zero (an all-zero bar chart is only empty axes). */
function hasData(spec: ChartSpec): boolean {
  return spec.datasets.some((d) =>
    (d.data as Array<number | null | { y: number }>).some((v) => (typeof v === 'number' ? v > 0 : v !== null && v.y > 0)),
  );
}

function chartHeight(spec: ChartSpec): number {
  if (spec.height !== undefined) return spec.height;
  if (spec.horizontal) return Math.max(180, 22 * (spec.labels?.length ?? 0) + 90);
  return 320;
}

/**
 * The figure of one chart: a heading, then the canvas, or the empty-state note when there is nothing
 * to draw. Charts go into the page with {@link renderPage}'s `charts`.
 *
 * @example
 * ```ts
 * const html = `<div class="grid">${chartFigure(kindsSpec)}${chartFigure(usersSpec)}</div>`;
 * ```
 */
export function chartFigure(spec: ChartSpec): string {
  const body = hasData(spec)
    ? `<div class="chart" style="height:${chartHeight(spec)}px"><canvas id="${escapeHtml(spec.id)}" role="img" aria-label="${escapeHtml(spec.title)}"></canvas></div>`
    : `<p class="empty" data-empty-for="${escapeHtml(spec.id)}">No data: ${escapeHtml(spec.empty)}</p>`;
  return `<figure class="figure" data-chart="${escapeHtml(spec.id)}"><h3>${escapeHtml(spec.title)}</h3>${body}${spec.note ? `<p class="note">${escapeHtml(spec.note)}</p>` : ''}</figure>`;
}

/**
 * One cell of {@link htmlTable}: text, a number (right-aligned, with separators), or markup the caller
 * escaped (`num` right-aligns it).
 *
 * @example
 * ```ts
 * const cells: TableCell[] = ['cgnat', 12, { html: '<b>all</b>' }, { html: '&lt; 1', num: true }];
 * ```
 */
export type TableCell = string | number | { html: string; num?: boolean };

/** Text with a word this long may break anywhere (paths, URLs, raw log lines); shorter words never do. */
const LONG_WORD = /\S{32}/;

/**
 * A table with a header row. Numbers are right-aligned; cells with long unbroken words wrap anywhere,
 * so a path or a raw line never widens the page, while short words are never split.
 *
 * @example
 * ```ts
 * htmlTable(['kind', 'prefixes'], [['cgnat', 12]]);
 * ```
 */
export function htmlTable(head: Array<string | number>, rows: TableCell[][], cls = ''): string {
  const cell = (c: TableCell) => {
    if (typeof c === 'number') return `<td class="num">${formatCount(c)}</td>`;
    if (typeof c === 'string') return `<td${LONG_WORD.test(c) ? ' class="wrap"' : ''}>${escapeHtml(c)}</td>`;
    return `<td${c.num ? ' class="num"' : ''}>${c.html}</td>`;
  };
  const h = head.map((c) => `<th>${escapeHtml(c)}</th>`).join('');
  const b = rows.map((r) => `<tr>${r.map(cell).join('')}</tr>`).join('\n');
  return `<table${cls ? ` class="${cls}"` : ''}><thead><tr>${h}</tr></thead><tbody>\n${b}\n</tbody></table>`;
}

/**
 * A two-column table of named values (a summary).
 *
 * @example
 * ```ts
 * keyValueTable([['requests', '1,024'], ['listed prefixes', 'none']]);
 * ```
 */
export function keyValueTable(rows: Array<[string, string]>): string {
  return `<table class="kv"><tbody>${rows.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('')}</tbody></table>`;
}

/**
 * Options of {@link renderPage}.
 *
 * @example
 * ```ts
 * renderPage({ title: 'Table report', sections: ['<h2>…</h2>…'], charts: [spec], chartJs });
 * ```
 */
export interface PageOptions {
  title: string;
  /** HTML under the `<h1>`, before the first section (a short summary). */
  lead?: string;
  /** One HTML fragment per section; each starts on a new page when printed. */
  sections: string[];
  /** Every chart whose figure is in the sections (those with no data are skipped). */
  charts?: ChartSpec[];
  /** chart.js's UMD build, inlined so the page opens offline. Without it the page has no charts. */
  chartJs?: string | undefined;
  /** A closing note in small print. */
  footer?: string;
}

const STYLE = `*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;max-width:1200px;padding:1.5em;color:#222;background:#fff}
h1{font-size:1.5em;margin:.2em 0 .6em}h2{font-size:1.2em;margin:1.6em 0 .6em;padding-bottom:.2em;border-bottom:1px solid #ddd}
h3{font-size:1em;margin:0 0 .4em}
table{border-collapse:collapse;margin:.5em 0 1.2em;max-width:100%}
td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left;vertical-align:top;overflow-wrap:break-word}td.wrap{overflow-wrap:anywhere}
th{background:#f3f3f3}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
pre,code{font:12px/1.4 ui-monospace,Menlo,Consolas,monospace;white-space:pre-wrap;overflow-wrap:anywhere}
pre{background:#f7f7f7;border:1px solid #ddd;padding:.6em;max-height:30em;overflow-y:auto}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(460px,1fr));gap:1.5em 2em}
figure{margin:0 0 1em;min-width:0;break-inside:avoid}
.chart{position:relative;width:100%}
.empty{border:1px dashed #bbb;background:#fafafa;color:#555;padding:1.2em;margin:0}
.note{color:#666;font-size:.92em}
.gauge{display:inline-block;width:16em;max-width:100%;height:.9em;border:1px solid #999;vertical-align:middle;background:#fff}
.gauge>span{display:block;height:100%;background:#2ca02c}.gauge.warn>span{background:#ff7f0e}.gauge.bad>span{background:#d62728}
.swatch{display:inline-block;width:.8em;height:.8em;margin-right:.35em;vertical-align:baseline}
@media print{body{max-width:none;padding:0;font-size:12px}section+section{break-before:page}.grid{grid-template-columns:1fr}pre{max-height:none;overflow:visible}}`;

/**
 * A self-contained report page: the reports' shared style (fits a 1280 px window, wraps long lines,
 * breaks pages between sections when printed) and, with `chartJs`, the charts drawn without animation.
 *
 * @example
 * ```ts
 * writeAtomic('report.html', renderPage({ title, sections, charts, chartJs: chartJsSource() }));
 * ```
 */
export function renderPage(o: PageOptions): string {
  const charts = (o.charts ?? []).filter(hasData);
  const scripts =
    o.chartJs && charts.length > 0
      ? // Inlined verbatim; a literal "</script" inside would end the element early, so it is split.
        `<script>${o.chartJs.replace(/<\/script/gi, '<\\/script')}</script>\n<script>const CHARTS = ${scriptJson(charts)};\n${CHART_RUNTIME}</script>`
      : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(o.title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
${STYLE}
</style></head><body>
<h1>${escapeHtml(o.title)}</h1>
${o.lead ?? ''}
${o.sections.map((s) => `<section>\n${s}\n</section>`).join('\n')}
${o.footer ? `<p class="note">${o.footer}</p>` : ''}
${scripts}
</body></html>
`;
}

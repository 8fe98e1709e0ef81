import { chartFigure, escapeHtml, formatCount, htmlTable, keyValueTable, renderPage, type ChartSpec } from '../../report/page.ts';
import { KIND_COLOURS } from '../../report/colours.ts';
import { MULTI_USER_KINDS } from '../../table/types.ts';
import type { DetectSummary } from './summary.ts';

/** Prefixes in the "users per listed prefix" chart: one labelled bar each, so the chart stays readable. */
const TOP_USERS = 40;

/** Distinct browser UAs per /24 (/48) as a step CDF; at most ~400 points, so big logs keep the page light. */
function cdfPoints(agg: readonly number[]): { x: number; y: number }[] {
  const step = Math.max(1, Math.ceil(agg.length / 400));
  const cdf: { x: number; y: number }[] = [];
  for (let i = 0; i < agg.length; i += step) cdf.push({ x: agg[i]!, y: (i + 1) / agg.length });
  if (agg.length > 0) cdf.push({ x: agg[agg.length - 1]!, y: 1 });
  return cdf;
}

function charts(s: DetectSummary): ChartSpec[] {
  const users = s.users
    .slice()
    .sort((a, b) => b.users - a.users || a.prefix.localeCompare(b.prefix))
    .slice(0, TOP_USERS);
  const kindsListed = MULTI_USER_KINDS.filter((k) => users.some((u) => u.kind === k));
  const excluded: [string, number][] = [
    ['isbot', s.excluded.isbot],
    ['low BotScore', s.excluded.botScore],
    ['verified bot', s.excluded.verifiedBot],
    ['not a browser', s.excluded.notBrowser],
    ['malformed line', s.malformed],
  ];
  return [
    {
      id: 'cdf',
      title: 'Distinct browser user agents per /24 (IPv6 /48), CDF',
      type: 'line',
      x: { title: 'distinct browser user agents (log scale)', scale: 'log' },
      y: { title: 'share of /24s (/48s) with at most x', scale: 'linear', percent: true, min: 0, max: 1 },
      datasets: [{ label: 'share of /24s (/48s)', color: '#1f77b4', data: cdfPoints(s.browsersPerAggregate), stepped: true }],
      legend: false,
      empty: 'no browser requests in these logs, so no /24 (/48) to count user agents in.',
    },
    {
      id: 'kinds',
      title: 'Listed prefixes per kind',
      type: 'bar',
      labels: [...MULTI_USER_KINDS],
      x: { title: 'kind', scale: 'category' },
      y: { title: 'listed prefixes', scale: 'linear', integer: true },
      datasets: [
        { label: 'listed prefixes', color: MULTI_USER_KINDS.map((k) => KIND_COLOURS[k]), data: MULTI_USER_KINDS.map((k) => s.perKind[k]) },
      ],
      legend: false,
      empty: 'no prefix met the thresholds, so nothing is listed (see "Thresholds used").',
    },
    {
      id: 'users',
      title: `Users per listed prefix${s.users.length > users.length ? ` (the ${users.length} largest of ${formatCount(s.users.length)})` : ''}`,
      type: 'bar',
      horizontal: true,
      stacked: true,
      labels: users.map((u) => u.prefix),
      x: { title: 'estimated users (log scale)', scale: 'log' },
      y: { title: 'listed prefix', scale: 'category' },
      // One dataset per kind (null elsewhere): the legend then says what each colour means.
      datasets: kindsListed.map((k) => ({ label: k, color: KIND_COLOURS[k], data: users.map((u) => (u.kind === k ? u.users : null)) })),
      legend: true,
      empty: 'no prefix is listed, so there are no user estimates.',
    },
    {
      id: 'excluded',
      title: 'Excluded requests and lines',
      type: 'bar',
      horizontal: true,
      labels: excluded.map(([k]) => k),
      x: { title: 'requests (lines for "malformed line")', scale: 'linear', integer: true },
      y: { title: 'reason', scale: 'category' },
      datasets: [{ label: 'excluded', color: '#d62728', data: excluded.map(([, v]) => v) }],
      legend: false,
      empty: 'nothing was excluded: no bots, no non-browser clients, no malformed lines.',
    },
  ];
}

/**
 * Renders the self-contained HTML report: Chart.js is inlined (`chartJsSource`, the library's UMD
 * build, which the caller reads from node_modules), so the page opens offline. Charts: CDF of distinct
 * browser user agents per /24 (/48), prefixes per kind, users per listed prefix (coloured by kind, with a
 * legend), exclusions — each with an explicit note instead when it has no data; tables: files and
 * malformed lines, thresholds.
 *
 * @example
 * ```ts
 * const html = renderReport(summarize(result), readFileSync(chartUmdPath, 'utf8'));
 * ```
 */
export function renderReport(s: DetectSummary, chartJsSource: string, title = 'Multi-user prefix detection'): string {
  const n = formatCount;
  const specs = charts(s);
  const overview = keyValueTable([
    ['requests', `${n(s.requests)} (${n(s.browserRequests)} from browsers)`],
    ['addresses (IPv4) and /64s (IPv6)', n(s.units)],
    ['time range', s.timeRange === undefined ? 'no timestamps' : `${s.timeRange[0]} … ${s.timeRange[1]}`],
    ['source ports', s.portSignal === 'absent' ? 'absent in these logs: the port signal is not used' : s.portSignal],
    ['listed prefixes', s.prefixes === 0 ? 'none' : n(s.prefixes)],
    [
      'networks',
      Object.entries(s.networks)
        .map(([k, v]) => `${k}: ${v}`)
        .join(', ') || 'none',
    ],
    [
      'decisions per unit',
      Object.entries(s.decisions)
        .map(([k, v]) => `${k}: ${v}`)
        .join(', ') || 'none',
    ],
  ]);
  const fileRows = s.files.map((f) => [
    f.file,
    f.format ?? 'unknown',
    f.lines,
    f.malformed,
    {
      html:
        f.examples.map((e) => `line ${e.line}: ${escapeHtml(e.reason)} — <code>${escapeHtml(e.text.slice(0, 120))}</code>`).join('<br>') ||
        '<span class="note">none</span>',
    },
  ]);
  const thresholds = Object.entries(s.thresholds).map(([k, v]) => [k, String(v)]);
  return renderPage({
    title,
    lead: overview,
    sections: [
      `<h2>Charts</h2>\n<div class="grid">${specs.map(chartFigure).join('\n')}</div>`,
      `<h2>Input files</h2>\n${htmlTable(['file', 'format', 'lines', 'malformed', 'first malformed lines'], fileRows)}\n<h2>Thresholds used</h2>\n${htmlTable(['threshold', 'value'], thresholds)}`,
    ],
    charts: specs,
    chartJs: chartJsSource,
    footer: 'Method: docs/detection.md. Generated offline; Chart.js (MIT) is embedded in this page.',
  });
}

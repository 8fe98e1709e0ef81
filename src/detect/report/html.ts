import { MULTI_USER_KINDS } from '../../table/types.ts';
import type { DetectSummary } from './summary.ts';

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** JSON safe inside a `<script>` element. */
const scriptJson = (v: unknown) => JSON.stringify(v).replace(/</g, '\\u003c');

/**
 * Renders the self-contained HTML report: Chart.js is inlined (`chartJsSource`, the library's UMD
 * build, which the caller reads from node_modules), so the page opens offline. Charts: CDF of distinct
 * browser user agents per /24 (/48), users per listed prefix, prefixes per kind, exclusions; tables:
 * files and malformed lines, thresholds.
 *
 * @example
 * ```ts
 * const html = renderReport(summarize(result), readFileSync(chartUmdPath, 'utf8'));
 * ```
 */
export function renderReport(s: DetectSummary, chartJsSource: string, title = 'Multi-user prefix detection'): string {
  const agg = s.browsersPerAggregate;
  // CDF points: at most ~400, so big logs keep the page light.
  const step = Math.max(1, Math.ceil(agg.length / 400));
  const cdf: { x: number; y: number }[] = [];
  for (let i = 0; i < agg.length; i += step) cdf.push({ x: agg[i]!, y: (i + 1) / agg.length });
  if (agg.length > 0) cdf.push({ x: agg[agg.length - 1]!, y: 1 });
  const users = s.users.slice().sort((a, b) => b.users - a.users).slice(0, 300);
  const data = {
    cdf,
    users: { labels: users.map((u) => u.prefix), values: users.map((u) => u.users), kinds: users.map((u) => u.kind) },
    kinds: { labels: [...MULTI_USER_KINDS], values: MULTI_USER_KINDS.map((k) => s.perKind[k]) },
    excluded: {
      labels: ['isbot', 'low BotScore', 'verified bot', 'not a browser', 'malformed line'],
      values: [s.excluded.isbot, s.excluded.botScore, s.excluded.verifiedBot, s.excluded.notBrowser, s.malformed],
    },
  };
  const n = (x: number) => x.toLocaleString('en-US');
  const rows = (pairs: [string, string][]) => pairs.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('');
  const fileRows = s.files
    .map(
      (f) =>
        `<tr><td>${escapeHtml(f.file)}</td><td>${escapeHtml(f.format ?? 'unknown')}</td><td>${n(f.lines)}</td><td>${n(f.malformed)}</td><td>${f.examples
          .map((e) => `line ${e.line}: ${escapeHtml(e.reason)} — <code>${escapeHtml(e.text.slice(0, 120))}</code>`)
          .join('<br>')}</td></tr>`,
    )
    .join('');
  const thresholds = Object.entries(s.thresholds).map(([k, v]) => [k, String(v)] as [string, string]);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:2em auto;max-width:1100px;padding:0 1em;color:#222}
h1{font-size:1.5em}h2{font-size:1.15em;margin-top:2em}
table{border-collapse:collapse;margin:.5em 0}th,td{border:1px solid #ccc;padding:.25em .6em;text-align:left;vertical-align:top}
.grid{display:grid;grid-template-columns:1fr 1fr;gap:1.5em}.chart{position:relative;height:320px}
code{font-size:12px}.note{color:#666}
</style></head><body>
<h1>${escapeHtml(title)}</h1>
<table>${rows([
    ['requests', `${n(s.requests)} (${n(s.browserRequests)} from browsers)`],
    ['addresses (IPv4) and /64s (IPv6)', n(s.units)],
    ['time range', s.timeRange === undefined ? 'no timestamps' : `${s.timeRange[0]} … ${s.timeRange[1]}`],
    ['source ports', s.portSignal === 'absent' ? 'absent in these logs: the port signal is not used' : s.portSignal],
    ['listed prefixes', n(s.prefixes)],
    ['networks', Object.entries(s.networks).map(([k, v]) => `${k}: ${v}`).join(', ')],
    ['decisions per unit', Object.entries(s.decisions).map(([k, v]) => `${k}: ${v}`).join(', ')],
  ])}</table>
<div class="grid">
<div><h2>Distinct browser user agents per /24 (IPv6 /48), CDF</h2><div class="chart"><canvas id="cdf"></canvas></div></div>
<div><h2>Listed prefixes per kind</h2><div class="chart"><canvas id="kinds"></canvas></div></div>
<div><h2>Users per listed prefix${s.users.length > users.length ? ` (top ${users.length} of ${s.users.length})` : ''}</h2><div class="chart"><canvas id="users"></canvas></div></div>
<div><h2>Excluded requests and lines</h2><div class="chart"><canvas id="excluded"></canvas></div></div>
</div>
<h2>Input files</h2>
<table><tr><th>file</th><th>format</th><th>lines</th><th>malformed</th><th>first malformed lines</th></tr>${fileRows}</table>
<h2>Thresholds used</h2>
<table>${rows(thresholds)}</table>
<p class="note">Method: docs/detection.md. Generated offline; Chart.js (MIT) is embedded in this page.</p>
<script>${chartJsSource.replace(/<\/script/gi, '<\\/script')}</script>
<script>
const DATA = ${scriptJson(data)};
// A report is read, printed and screenshotted: draw the final state at once.
Chart.defaults.animation = false;
const colors = {cgnat:'#1f77b4',enterprise:'#2ca02c',vpn:'#9467bd',relay:'#17becf',proxy:'#8c564b',tor:'#7f7f7f',unknown:'#bcbd22'};
new Chart(document.getElementById('cdf'), {type:'line', data:{datasets:[{label:'share of /24s (/48s)', data:DATA.cdf, stepped:true, pointRadius:0, borderColor:'#1f77b4'}]},
  options:{maintainAspectRatio:false, parsing:false, scales:{x:{type:'logarithmic', title:{display:true,text:'distinct browser user agents'}}, y:{min:0,max:1,title:{display:true,text:'cumulative share'}}}}});
new Chart(document.getElementById('kinds'), {type:'bar', data:{labels:DATA.kinds.labels, datasets:[{label:'prefixes', data:DATA.kinds.values, backgroundColor:DATA.kinds.labels.map(k=>colors[k])}]}, options:{maintainAspectRatio:false}});
new Chart(document.getElementById('users'), {type:'bar', data:{labels:DATA.users.labels, datasets:[{label:'estimated users per address', data:DATA.users.values, backgroundColor:DATA.users.kinds.map(k=>colors[k])}]},
  options:{maintainAspectRatio:false, scales:{x:{ticks:{display:DATA.users.labels.length<=40}}, y:{type:'logarithmic', title:{display:true,text:'users'}}}}});
new Chart(document.getElementById('excluded'), {type:'bar', data:{labels:DATA.excluded.labels, datasets:[{label:'count', data:DATA.excluded.values, backgroundColor:'#d62728'}]}, options:{maintainAspectRatio:false, indexAxis:'y'}});
</script>
</body></html>
`;
}

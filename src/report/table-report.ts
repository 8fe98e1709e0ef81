import { MULTI_USER_KINDS, type MultiUserKind, type MultiUserMatch } from '../table/types.ts';
import { KIND_COLOURS } from './colours.ts';
import { chartFigure, escapeHtml, formatCount, htmlTable, keyValueTable, renderPage, type ChartSpec } from './page.ts';
import { prefixWeight, type PrefixChange } from './table-diff.ts';
import { USER_BINS, type Family, type TableSummary } from './table-summary.ts';

/**
 * Options of {@link renderTableReport}.
 *
 * @example
 * ```ts
 * renderTableReport(summary, { chartJs: chartJsSource(), file: 'table.bin', previous: 'old.bin' });
 * ```
 */
export interface TableReportOptions {
  /** chart.js's UMD build, inlined so the page opens offline. */
  chartJs: string;
  /** Default `'Multi-user table'`. */
  title?: string;
  /** The table's file name, for the heading. */
  file?: string;
  /** The previous table's file name (the summary carries its changes). */
  previous?: string;
  /** A sentence at the top, e.g. why the table was refused. */
  status?: string;
  /** Largest changes listed. Default 30. */
  maxChanges?: number;
}

/**
 * The Workers upload limits (the gzip-compressed bundle): Free 3 MB, Paid 10 MB, as published on the
 * Workers limits page and used by bench/bundle (MB = 2^20 bytes).
 */
export const WORKERS_LIMITS = [
  { plan: 'Free', bytes: 3 * 2 ** 20 },
  { plan: 'Paid', bytes: 10 * 2 ** 20 },
] as const;

const FAMILIES: [Family, string, string][] = [
  ['ipv4', 'IPv4', 'addresses'],
  ['ipv6', 'IPv6', '/64s'],
];
const CHANGE_COLOURS = { added: '#2ca02c', removed: '#d62728', changed: '#ff7f0e' } as const;
const kindsIn = (byKind: Record<MultiUserKind, number[]>) => MULTI_USER_KINDS.filter((k) => byKind[k].some((v) => v > 0));
const total = (s: TableSummary, f: Family) => MULTI_USER_KINDS.reduce((a, k) => a + s.coverage[f][k].prefixes, 0);
const show = (v: Pick<MultiUserMatch, 'kind' | 'users'> | undefined) =>
  v ? `${v.kind}${v.users === undefined ? '' : `, ${formatCount(v.users)} users`}` : '';
function size(prefix: string): string {
  const n = prefixWeight(prefix);
  if (!prefix.includes(':')) return n === 1 ? '1 address' : `${formatCount(n)} addresses`;
  return Number(prefix.split('/')[1]) > 64 ? 'part of a /64' : n === 1 ? 'one /64' : `${formatCount(n)} /64s`;
}
/** IPv6 coverage in /64s: prefixes longer than /64 cover a fraction of one, which is not shown as 0. */
const covered64 = (n: number) => ({ html: n > 0 && n < 1 ? '&lt; 1' : formatCount(Math.round(n)), num: true });

function coverageSection(s: TableSummary): [string, ChartSpec[]] {
  const chart: ChartSpec = {
    id: 'prefixes-per-kind',
    title: 'Prefixes per kind and family',
    type: 'bar',
    labels: [...MULTI_USER_KINDS],
    x: { title: 'kind', scale: 'category' },
    y: { title: 'prefixes', scale: 'linear', integer: true },
    datasets: [
      { label: 'IPv4', color: '#1f77b4', data: MULTI_USER_KINDS.map((k) => s.coverage.ipv4[k].prefixes) },
      { label: 'IPv6', color: '#ff7f0e', data: MULTI_USER_KINDS.map((k) => s.coverage.ipv6[k].prefixes) },
    ],
    legend: true,
    empty: 'the table holds no prefixes: every lookup answers "not multi-user".',
  };
  const rows = MULTI_USER_KINDS.filter((k) => s.coverage.ipv4[k].prefixes + s.coverage.ipv6[k].prefixes > 0).map((k) => [
    { html: `<span class="swatch" style="background:${KIND_COLOURS[k]}"></span>${k}` },
    s.coverage.ipv4[k].prefixes,
    s.coverage.ipv4[k].covered,
    s.coverage.ipv6[k].prefixes,
    covered64(s.coverage.ipv6[k].covered),
  ]);
  const sum = (f: Family, field: 'prefixes' | 'covered') => MULTI_USER_KINDS.reduce((a, k) => a + s.coverage[f][k][field], 0);
  rows.push([
    { html: '<b>all kinds</b>' },
    sum('ipv4', 'prefixes'),
    sum('ipv4', 'covered'),
    sum('ipv6', 'prefixes'),
    covered64(sum('ipv6', 'covered')),
  ]);
  const html = [
    '<h2>Coverage per kind and family</h2>',
    '<p class="note">Addresses covered: IPv4 addresses and IPv6 /64 subnets a lookup answers with this kind (under nested prefixes, the longest decides, so nothing is counted twice).</p>',
    htmlTable(['kind', 'IPv4 prefixes', 'IPv4 addresses', 'IPv6 prefixes', 'IPv6 /64s'], rows),
    chartFigure(chart),
  ].join('\n');
  return [html, [chart]];
}

function lengthChart(s: TableSummary, family: Family, name: string): ChartSpec {
  const byKind = s.lengths[family];
  const kinds = kindsIn(byKind);
  const used = byKind[MULTI_USER_KINDS[0]].map((_, len) => MULTI_USER_KINDS.some((k) => byKind[k][len]! > 0));
  const lo = Math.max(0, used.indexOf(true));
  const hi = Math.max(lo, used.lastIndexOf(true));
  // Every length from the shortest to the longest while that stays readable (IPv4); else (IPv6 from /28
  // to /128) only the lengths in use, said in a note.
  const sparse = hi - lo + 1 > 40;
  const lengths = Array.from({ length: hi - lo + 1 }, (_, i) => lo + i).filter((l) => !sparse || used[l]);
  return {
    id: `lengths-${family}`,
    title: `${name} prefix lengths`,
    type: 'bar',
    stacked: true,
    labels: lengths.map((l) => `/${l}`),
    x: { title: 'prefix length', scale: 'category' },
    y: { title: 'prefixes', scale: 'linear', integer: true },
    datasets: kinds.map((k) => ({ label: k, color: KIND_COLOURS[k], data: lengths.map((l) => byKind[k][l]!) })),
    legend: true,
    empty: `the table holds no ${name} prefixes.`,
    ...(sparse ? { note: 'Only the lengths that occur are shown.' } : {}),
  };
}

function largestSection(s: TableSummary): string {
  const parts = ['<h2>Largest prefixes</h2>', '<div class="grid">'];
  for (const [f, name] of FAMILIES) {
    const rows = s.largest[f].map((m) => [m.prefix, m.kind, m.users ?? 'no estimate', size(m.prefix)]);
    parts.push(
      `<div><h3>${name}</h3>${rows.length === 0 ? `<p class="empty">No data: the table holds no ${name} prefixes.</p>` : htmlTable(['prefix', 'kind', 'users', 'size'], rows)}</div>`,
    );
  }
  parts.push('</div>');
  return parts.join('\n');
}

function attributeSection(s: TableSummary): [string, ChartSpec[]] {
  const kinds = kindsIn(s.users);
  const chart: ChartSpec = {
    id: 'users-mix',
    title: 'Users estimate per prefix, by kind',
    type: 'bar',
    stacked: true,
    labels: [...USER_BINS],
    x: { title: 'estimated users behind the prefix', scale: 'category' },
    y: { title: 'prefixes', scale: 'linear', integer: true },
    datasets: kinds.map((k) => ({ label: k, color: KIND_COLOURS[k], data: s.users[k] })),
    legend: true,
    empty: 'the table holds no prefixes.',
  };
  const rows = kinds.map((k) => [k, ...s.users[k]]);
  return [['<h2>Attribute mix</h2>', chartFigure(chart), htmlTable(['kind', ...USER_BINS], rows)].join('\n'), [chart]];
}

function gauge(used: number, limit: number): string {
  const share = used / limit;
  const cls = share > 0.8 ? ' bad' : share > 0.5 ? ' warn' : '';
  return `<span class="gauge${cls}"><span style="width:${Math.min(100, share * 100).toFixed(1)}%"></span></span> ${(share * 100).toFixed(share < 0.01 ? 2 : 1)} %`;
}

function sizeSection(s: TableSummary): [string, ChartSpec[]] {
  const parts = s.sections.filter((p) => p.bytes > 0);
  const chart: ChartSpec = {
    id: 'sections',
    title: 'Bytes per section (uncompressed)',
    type: 'bar',
    horizontal: true,
    labels: parts.map((p) => p.name),
    x: { title: 'bytes (log scale)', scale: 'log' },
    y: { title: 'section', scale: 'category' },
    datasets: [{ label: 'bytes', color: '#1f77b4', data: parts.map((p) => p.bytes) }],
    legend: false,
    empty: 'the table has no bytes.',
  };
  const limitRows = WORKERS_LIMITS.map((l) => [
    `${l.plan} (${formatCount(l.bytes / 2 ** 20)} MB gzip)`,
    { html: s.gzipBytes === undefined ? 'gzip size not measured' : gauge(s.gzipBytes, l.bytes) },
  ]);
  const html = [
    '<h2>Size against the Workers bundle limits</h2>',
    `<p>${formatCount(s.byteLength)} bytes${s.gzipBytes === undefined ? '' : `, ${formatCount(s.gzipBytes)} gzip-compressed (level 9)`}. ` +
      'The Workers limits apply to the compressed upload (worker code and the table together); the share below is the table alone — the code adds a little (docs/benchmarks.md, bundle size).</p>',
    htmlTable(['plan limit', 'table’s share (gzip)'], limitRows),
    `<div class="grid">${chartFigure(chart)}<div>${htmlTable(
      ['section', 'bytes'],
      s.sections.map((p) => [p.name, p.bytes]),
    )}</div></div>`,
  ].join('\n');
  return [html, [chart]];
}

function changesSection(changes: readonly PrefixChange[], previous: string, maxRows: number): [string, ChartSpec[]] {
  const counts = new Map(MULTI_USER_KINDS.map((k) => [k, { added: 0, removed: 0, changed: 0 }]));
  for (const c of changes) counts.get(c.change === 'removed' ? c.before!.kind : c.after!.kind)![c.change]++;
  const types = ['added', 'removed', 'changed'] as const;
  const kinds = MULTI_USER_KINDS.filter((k) => types.some((t) => counts.get(k)![t] > 0));
  const chart: ChartSpec = {
    id: 'changes',
    title: `Changes per kind against ${previous}`,
    type: 'bar',
    labels: kinds,
    x: { title: 'kind (the new one for changed prefixes)', scale: 'category' },
    y: { title: 'prefixes', scale: 'linear', integer: true },
    datasets: types.map((t) => ({ label: t, color: CHANGE_COLOURS[t], data: kinds.map((k) => counts.get(k)![t]) })),
    legend: true,
    empty: `the table is unchanged from ${previous}.`,
  };
  const n = (t: (typeof types)[number]) => changes.filter((c) => c.change === t).length;
  const rows = changes
    .slice(0, maxRows)
    .map((c) => [
      { html: `<span style="color:${CHANGE_COLOURS[c.change]}">${c.change}</span>` },
      c.prefix,
      size(c.prefix),
      show(c.before),
      show(c.after),
    ]);
  const html = [
    `<h2>Changes against ${escapeHtml(previous)}</h2>`,
    `<p><b>+${n('added')} added</b>, <b>−${n('removed')} removed</b>, <b>~${n('changed')} changed</b> (kind or users estimate).</p>`,
    chartFigure(chart),
    kinds.length > 0
      ? htmlTable(
          ['kind', ...types],
          kinds.map((k) => [k, ...types.map((t) => counts.get(k)![t])]),
        )
      : '',
    changes.length > 0
      ? `<h3>Largest changes first${changes.length > maxRows ? ` (${maxRows} of ${formatCount(changes.length)})` : ''}</h3>`
      : '',
    changes.length > 0 ? htmlTable(['change', 'prefix', 'size', 'before', 'after'], rows) : '',
  ].join('\n');
  return [html, [chart]];
}

/**
 * The table report: a self-contained page (chart.js inlined, opens offline) saying at a glance whether
 * a compiled table is sane — prefixes and addresses covered per kind and family, the prefix-length
 * histograms, the largest prefixes, the users-estimate mix, bytes per section against the Workers bundle
 * limits and, when the summary has a previous table, what changed per kind, largest first.
 *
 * @example
 * ```ts
 * const html = renderTableReport(summarizeTable(bytes, { gzipBytes, previous: oldBytes }), { chartJs: chartJsSource(), previous: 'old.bin' });
 * ```
 */
export function renderTableReport(s: TableSummary, options: TableReportOptions): string {
  const [coverage, coverageCharts] = coverageSection(s);
  const lengthCharts = FAMILIES.map(([f, name]) => lengthChart(s, f, name));
  const [attributes, attributeCharts] = attributeSection(s);
  const [sizes, sizeCharts] = sizeSection(s);
  const sections = [coverage, `<h2>Prefix lengths</h2>\n${lengthCharts.map(chartFigure).join('\n')}`, largestSection(s), attributes, sizes];
  const charts = [...coverageCharts, ...lengthCharts, ...attributeCharts, ...sizeCharts];
  if (s.changes) {
    const [changes, changeCharts] = changesSection(s.changes, options.previous ?? 'the previous table', options.maxChanges ?? 30);
    sections.splice(1, 0, changes);
    charts.push(...changeCharts);
  }
  const lead = [
    options.status ? `<p class="status"><b>${escapeHtml(options.status)}</b></p>` : '',
    keyValueTable([
      ['table', `${options.file ?? 'compiled table'} (format version ${s.formatVersion}, CRC-32 ${s.checksum})`],
      ['prefixes', `${formatCount(total(s, 'ipv4'))} IPv4, ${formatCount(total(s, 'ipv6'))} IPv6`],
      ['size', `${formatCount(s.byteLength)} bytes${s.gzipBytes === undefined ? '' : `, ${formatCount(s.gzipBytes)} gzip`}`],
      ['compared with', options.previous ?? (s.changes ? 'the previous table' : 'nothing (give --previous to see what changed)')],
    ]),
  ].join('\n');
  return renderPage({
    title: options.title ?? 'Multi-user table',
    lead,
    sections,
    charts,
    chartJs: options.chartJs,
    footer: 'Format: docs/table-format.md. Generated offline; Chart.js (MIT) is embedded in this page.',
  });
}

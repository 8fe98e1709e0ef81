/**
 * The HTML reports' shared parts and the table report: self-contained pages (chart.js inlined) that fit a
 * 1280 px window, print with a page break between sections, and say "No data" instead of drawing empty
 * axes. Offline code: never imported by the worker.
 *
 * @example
 * ```ts
 * import { renderTableReport, summarizeTable } from './src/report/index.ts';
 * writeAtomic('table.html', renderTableReport(summarizeTable(bytes, { gzipBytes }), { chartJs: chartJsSource() }));
 * ```
 */
export {
  chartFigure,
  escapeHtml,
  formatCount,
  htmlTable,
  keyValueTable,
  renderPage,
  scriptJson,
  type AxisSpec,
  type ChartSpec,
  type DatasetSpec,
  type PageOptions,
} from './page.ts';
export { KIND_COLOURS } from './colours.ts';
export { diffEntries, prefixWeight, type PrefixChange } from './table-diff.ts';
export { tableSectionBytes } from './table-sections.ts';
export { summarizeTable, userBin, USER_BINS, type Family, type KindCoverage, type TableSummary } from './table-summary.ts';
export { renderTableReport, WORKERS_LIMITS, type TableReportOptions } from './table-report.ts';

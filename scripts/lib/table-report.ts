/**
 * Writes the table report (`build-table --report FILE`, and `table.html` in rebuild's report directory).
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { gzipSync } from 'node:zlib';
import { renderTableReport, summarizeTable } from '../../src/report/index.ts';
import { chartJsSource, InputError, writeAtomic } from './files.ts';

/**
 * Options of {@link writeTableReport}.
 *
 * @example
 * ```ts
 * writeTableReport('table.html', { table: bytes, file: 'table.bin', previous: 'old.bin' });
 * ```
 */
export interface WriteTableReportOptions {
  /** The compiled table. */
  table: Uint8Array;
  /** Its file name, for the heading. */
  file?: string;
  /** A previous table's path: the report then shows what changed per kind. */
  previous?: string | undefined;
  /** A sentence at the top (e.g. "Refused by the churn guard: …"). */
  status?: string;
}

/**
 * Summarizes the table (gzip size at level 9, as the upload is compressed) and writes the
 * self-contained HTML report atomically.
 *
 * @example
 * ```ts
 * writeTableReport('reports/table.html', { table: result.bytes, file: 'multi-user-table.bin' });
 * ```
 * @throws InputError when `previous` cannot be read.
 */
export function writeTableReport(out: string, o: WriteTableReportOptions): void {
  let previous: Uint8Array | undefined;
  if (o.previous !== undefined) {
    try {
      previous = readFileSync(o.previous);
    } catch (e) {
      throw new InputError(`${o.previous}: cannot read the previous table (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
  }
  const summary = summarizeTable(o.table, { gzipBytes: gzipSync(o.table, { level: 9 }).length, ...(previous ? { previous } : {}) });
  const html = renderTableReport(summary, {
    chartJs: chartJsSource(),
    ...(o.file !== undefined ? { file: o.file } : {}),
    ...(o.previous !== undefined ? { previous: basename(o.previous) } : {}),
    ...(o.status !== undefined ? { status: o.status } : {}),
  });
  writeAtomic(out, html);
}

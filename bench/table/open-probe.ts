/**
 * Time to the first answer, run by main.ts in a fresh process per sample:
 *   node bench/table/open-probe.ts READER_BUNDLE TABLE_BIN QUERY
 * READER_BUNDLE is src/table bundled by esbuild (as a Worker ships it). The table bytes are read and
 * the module loaded before the clock starts; timed: `MultiUserTable.from(bytes)` on a zero-copy view
 * and the first `lookup(QUERY)`, so V8's lazy compilation and first, interpreted run of both are in
 * the figure (what a cold isolate pays), reading the file and compiling the module's top level are not.
 * Prints one JSON line.
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const [bundle, file, query] = process.argv.slice(2) as [string, string, string];
const t0 = performance.now();
const { MultiUserTable } = (await import(pathToFileURL(bundle).href)) as typeof import('../../src/table/index.ts');
const bytes = readFileSync(file);
const view = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
const t1 = performance.now();
const table = MultiUserTable.from(view);
const t2 = performance.now();
const answer = table.lookup(query);
const t3 = performance.now();
if (answer === undefined) throw new Error(`open probe: ${query} has no answer in ${file}`);
process.stdout.write(
  `${JSON.stringify({ loadMs: t1 - t0, fromMs: t2 - t1, firstMs: t3 - t2, openMs: t3 - t1, zeroCopy: bytes.byteOffset % 4 === 0 })}\n`,
);

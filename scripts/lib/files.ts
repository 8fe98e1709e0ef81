/**
 * File helpers shared by the command-line scripts (detect, validate, rebuild): reading inputs that
 * may be gzipped, writing outputs atomically, and the chart.js source the HTML reports inline.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';

/**
 * An input file could not be read; the message names the file and what was expected.
 *
 * @example
 * ```ts
 * try { readMaybeGzip('missing.csv'); } catch (e) { if (e instanceof InputError) console.error(e.message); }
 * ```
 */
export class InputError extends Error {
  override readonly name = 'InputError';
}

/**
 * Reads a file as UTF-8 text, gunzipping it when it starts with the gzip magic bytes (1f 8b).
 *
 * @example
 * ```ts
 * const text = readMaybeGzip('results.jsonl.gz');
 * ```
 * @throws InputError when the file cannot be read, its gzip data is corrupt, or it is bzip2.
 */
export function readMaybeGzip(file: string): string {
  const b = readMaybeGzipBytes(file);
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8');
}

/**
 * {@link readMaybeGzip} without the text decoding: the file's bytes, gunzipped when they start with
 * the gzip magic (for callers that check the encoding or hash the raw file themselves).
 *
 * @example
 * ```ts
 * const bytes = readMaybeGzipBytes('lists/google-vpn-geofeed.csv.gz');
 * ```
 * @throws InputError as {@link readMaybeGzip} does.
 */
export function readMaybeGzipBytes(file: string): Uint8Array {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new InputError(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return gunzipIfGzip(bytes, file);
}

/**
 * Gunzips bytes that start with the gzip magic (1f 8b); returns other bytes as they are. `file` names
 * the source in errors.
 *
 * @example
 * ```ts
 * const data = gunzipIfGzip(readFileSync('list.csv.gz'), 'list.csv.gz');
 * ```
 * @throws InputError when the gzip data is corrupt, or the bytes are bzip2.
 */
export function gunzipIfGzip(bytes: Uint8Array, file: string): Uint8Array {
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      return gunzipSync(bytes);
    } catch (e) {
      throw new InputError(`${file}: gzip data is corrupt (${(e as Error).message})`);
    }
  }
  if (bytes[0] === 0x42 && bytes[1] === 0x5a && bytes[2] === 0x68) {
    throw new InputError(`${file}: bzip2 is not supported; decompress it first (bunzip2 -k ${file})`);
  }
  return bytes;
}

/**
 * Writes through a temporary file and a rename, so a reader never sees half a file and a failed
 * write leaves the previous file as it was.
 *
 * @example
 * ```ts
 * writeAtomic('data/multi-user-prefixes.csv', csv);
 * ```
 */
export function writeAtomic(file: string, text: string): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

/**
 * The minified chart.js bundle, inlined into the HTML reports so they open offline.
 *
 * @example
 * ```ts
 * const html = `<script>${chartJsSource()}</script>`;
 * ```
 * @throws InputError when chart.js is not installed (run `npm install`).
 */
export function chartJsSource(): string {
  try {
    const main = createRequire(import.meta.url).resolve('chart.js');
    return readFileSync(join(dirname(main), 'chart.umd.min.js'), 'utf8');
  } catch (e) {
    throw new InputError(`chart.js (for the HTML report) is not installed: run npm install (${(e as Error).message})`);
  }
}

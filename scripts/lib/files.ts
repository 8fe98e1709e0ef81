/**
 * File helpers shared by the command-line scripts: reading inputs that may be gzipped (whole or
 * streamed), writing outputs atomically, and the chart.js source the HTML reports inline. Every
 * failure names the file.
 */
import { closeSync, createReadStream, openSync, readFileSync, readSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { createGunzip, gunzipSync } from 'node:zlib';

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
 * An output file could not be written; the message names the file (e.g. a directory given as `--out`).
 *
 * @example
 * ```ts
 * try { writeAtomic('out/', 'x'); } catch (e) { if (e instanceof OutputError) console.error(e.message); }
 * ```
 */
export class OutputError extends Error {
  override readonly name = 'OutputError';
}

const code = (e: unknown) => (e as NodeJS.ErrnoException).code ?? (e as Error).message;

/**
 * What a file system error code means, in words: the one wording for every subcommand's file errors.
 *
 * @example
 * ```ts
 * FILE_ERRORS.ENOENT; // 'no such file or directory'
 * ```
 */
export const FILE_ERRORS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or directory',
  EISDIR: 'is a directory, expected a file',
  ENOTDIR: 'a part of the path is not a directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOSPC: 'no space left on the device',
  EROFS: 'read-only file system',
  EMFILE: 'too many open files',
};

/**
 * Turns a read failure of `file` (fs or zlib) into an {@link InputError} naming it; other errors
 * (e.g. a parser's own) pass through unchanged.
 *
 * @example
 * ```ts
 * try { await forEachLine(file, fn); } catch (e) { throw inputError(file, e); }
 * ```
 */
export function inputError(file: string, e: unknown): unknown {
  if (e instanceof InputError) return e;
  const c = (e as NodeJS.ErrnoException).code;
  if (c === undefined) return e;
  if (c.startsWith('Z_') || c.startsWith('ERR_ZLIB') || (e as Error).message === 'unexpected end of file') {
    return new InputError(`${file}: gzip data is truncated or corrupt (${(e as Error).message})`);
  }
  if (/^E[A-Z]+$/.test(c)) return new InputError(`${file}: ${FILE_ERRORS[c] ?? 'cannot read'} (${c})`);
  return e;
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
  return readInputBytes(file).toString('utf8');
}

/**
 * Reads a file's bytes, gunzipped when it starts with the gzip magic bytes (1f 8b). Messages name
 * the file as `name` (default: the path as given).
 *
 * @example
 * ```ts
 * const table = MultiUserTable.from(readInputBytes('previous.bin.gz'));
 * ```
 * @throws InputError when the file cannot be read, its gzip data is corrupt, or it is bzip2.
 */
export function readInputBytes(file: string, name = file): Buffer {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw inputError(name, e);
  }
  return gunzipIfGzip(bytes, name);
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
export function gunzipIfGzip<T extends Uint8Array>(bytes: T, file: string): T | Buffer {
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
 * Opens a file as a byte stream, gunzipping when it starts with the gzip magic bytes 1f 8b. Stream
 * errors are raw fs/zlib errors: pass them through {@link inputError} to name the file.
 *
 * @example
 * ```ts
 * for await (const chunk of openInputStream('logs.ndjson.gz')) count += chunk.length;
 * ```
 * @throws InputError when the file cannot be opened.
 */
export function openInputStream(file: string): Readable {
  const magic = Buffer.alloc(2);
  let n: number;
  try {
    const fd = openSync(file, 'r');
    try {
      n = readSync(fd, magic, 0, 2, 0);
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    throw inputError(file, e);
  }
  const raw = createReadStream(file, { highWaterMark: 1 << 16 });
  if (n === 2 && magic[0] === 0x1f && magic[1] === 0x8b) {
    const gunzip = createGunzip();
    raw.on('error', (e) => gunzip.destroy(e));
    return raw.pipe(gunzip);
  }
  return raw;
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
export function writeAtomic(file: string, data: string | Uint8Array): void {
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    const c = code(e);
    const why =
      c === 'EISDIR'
        ? 'is a directory, expected a file name'
        : c === 'ENOENT'
          ? 'its directory does not exist'
          : c && FILE_ERRORS[c]
            ? `${FILE_ERRORS[c]}, ${c}`
            : c;
    throw new OutputError(`${file}: cannot write (${why})`);
  }
}

/**
 * A file shipped with the package (e.g. `test/fixtures/detect-user-agents/`), found from the package
 * root whether this module runs as source (scripts/lib) or compiled (dist/scripts/lib).
 *
 * @example
 * ```ts
 * const dir = packageFile('test/fixtures/detect-user-agents/');
 * ```
 */
export function packageFile(path: string): string {
  const depth = import.meta.url.includes('/dist/scripts/lib/') ? '../../../' : '../../';
  return new URL(depth + path, import.meta.url).pathname;
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

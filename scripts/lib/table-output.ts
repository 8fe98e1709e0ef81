/** Writing build-table's outputs. */
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Writes the table and its manifest, each through a temporary file and a rename (a reader never sees
 * half a table). An unwritable path (a directory, no permission) becomes one error from `fail`,
 * naming the path and what was expected, instead of a stack trace.
 *
 * @example
 * ```ts
 * await writeTableFiles('dist/table.bin', 'dist/table.manifest.json', bytes, json, (m) => new Error(m));
 * ```
 */
export async function writeTableFiles(
  outPath: string,
  manifestPath: string,
  bytes: Uint8Array,
  manifestJson: string,
  fail: (message: string) => Error,
): Promise<void> {
  try {
    await mkdir(dirname(outPath), { recursive: true });
    await mkdir(dirname(manifestPath), { recursive: true });
    const tmpTable = `${outPath}.tmp-${process.pid}`;
    const tmpManifest = `${manifestPath}.tmp-${process.pid}`;
    try {
      await writeFile(tmpTable, bytes);
      await writeFile(tmpManifest, manifestJson);
      await rename(tmpTable, outPath);
      await rename(tmpManifest, manifestPath);
    } finally {
      await rm(tmpTable, { force: true });
      await rm(tmpManifest, { force: true });
    }
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const where = err.path ? String(err.path).replace(/\.tmp-\d+$/, '') : outPath;
    const why = err.code === 'EISDIR' ? 'is a directory' : err.code === 'EACCES' || err.code === 'EPERM' ? 'permission denied' : (err.code ?? err.message);
    throw fail(`${where}: cannot write the table output (${why}); expected a writable file path`);
  }
}

import { MultiUserTable } from '../table/index.ts';

/**
 * What the build wrote beside the table (`multi-user-table.manifest.json`), as far as the worker
 * reports it. Every field is optional: the manifest is informational, the table bytes are the truth.
 */
export interface TableManifest {
  formatVersion?: number;
  table?: { sha256?: string; bytes?: number; crc32?: string };
  builtAt?: string;
}

/**
 * The bundled table as one isolate sees it: open (and, once checked, verified), or faulty with the
 * reason. A faulty table never fails a request: every address is then treated as single-user.
 *
 * @example
 * ```ts
 * const state = openTable(bytes, manifest);
 * state.table?.lookup('198.51.100.7');
 * ```
 */
export interface TableState {
  table: MultiUserTable | undefined;
  fault: string | undefined;
  manifest: TableManifest | undefined;
  verified: 'pending' | 'running' | 'ok' | 'failed';
}

/**
 * Opens the bundled table bytes without copying; a missing or corrupt table becomes a fault
 * (logged once), never an exception.
 *
 * @example
 * ```ts
 * const state = openTable(new ArrayBuffer(0), undefined);
 * state.fault; // 'table: empty or missing (0 bytes)'
 * ```
 */
export function openTable(bytes: ArrayBuffer | Uint8Array | undefined, manifest: TableManifest | undefined): TableState {
  const state: TableState = { table: undefined, fault: undefined, manifest, verified: 'pending' };
  if (bytes === undefined || bytes.byteLength === 0) {
    state.verified = 'failed';
    return fail(state, `table: empty or missing (${bytes?.byteLength ?? 0} bytes)`);
  }
  try {
    state.table = MultiUserTable.from(bytes);
  } catch (e) {
    state.verified = 'failed';
    return fail(state, `table: ${(e as Error).message}`);
  }
  return state;
}

/**
 * Runs the whole-table checksum once per isolate (tens of milliseconds for a 600k-prefix table). The
 * worker hands it to `waitUntil` on the first request; it starts on a zero-delay timer, so it runs once
 * that request is waiting on I/O or done, not before the request is forwarded. A mismatch drops the
 * table for this isolate.
 *
 * @example
 * ```ts
 * ctx.waitUntil(verifyTableOnce(state));
 * ```
 */
export async function verifyTableOnce(state: TableState): Promise<void> {
  if (state.verified !== 'pending' || state.table === undefined) return;
  state.verified = 'running';
  await new Promise((resolve) => setTimeout(resolve, 0));
  try {
    state.table.verify();
    state.verified = 'ok';
  } catch (e) {
    state.table = undefined;
    state.verified = 'failed';
    fail(state, `table: ${(e as Error).message}`);
  }
}

function fail(state: TableState, reason: string): TableState {
  state.fault = reason;
  console.error(`multi-user-ip: ${reason}; serving with base limits (no multi-user factor)`);
  return state;
}

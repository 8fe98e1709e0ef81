import { peekVersion } from './format.ts';
import { readV1Prefixes } from './legacy-v1.ts';
import { readV2Prefixes } from './legacy-v2.ts';
import { MultiUserTable } from './reader.ts';

/**
 * The prefixes a table answers with (each prefix that decides at least one address), from table bytes
 * of the current format or of format versions 1 and 2, after checking the table is intact. For comparing
 * tables across a format change (build-table's churn guard); lookups need the current format.
 *
 * @example
 * ```ts
 * const before = new Set(readTablePrefixes(readFileSync('old.bin')));
 * ```
 */
export function readTablePrefixes(bytes: Uint8Array): string[] {
  const version = peekVersion(bytes);
  if (version === 1) return readV1Prefixes(bytes);
  if (version === 2) return readV2Prefixes(bytes);
  const table = MultiUserTable.from(bytes);
  table.verify();
  return Array.from(table.entries(), (m) => m.prefix);
}

import { readLayout } from '../table/format.ts';

/**
 * Section names of table format version 1, in directory order (docs/table-format.md).
 * The only place the report knows the format's internals: a new format version changes this file alone.
 */
const SECTION_NAMES = [
  'values',
  'v4 leaves',
  'v4 index',
  'v4 ranges',
  'v4 escapes',
  'v6 leaves',
  'v6 index',
  'v6 block keys',
  'v6 block offsets',
  'v6 keys',
  'v6 leaf ids',
  'v6 escapes',
  'v6 long keys',
  'v6 long leaf ids',
];

/**
 * Bytes per part of a compiled table: the header, each section, and the alignment padding, summing to
 * the table's length. The reader has no public method for this, so it reads the section directory
 * (`readLayout` checks every bound); it follows the format's own section list.
 *
 * @example
 * ```ts
 * tableSectionBytes(bytes); // [{ name: 'header', bytes: 144 }, { name: 'values', bytes: 16 }, …]
 * ```
 */
export function tableSectionBytes(bytes: Uint8Array): { name: string; bytes: number }[] {
  const layout = readLayout(bytes);
  const header = layout.sections.length > 0 ? Math.min(...layout.sections.map(([offset]) => offset)) : bytes.length;
  const parts = [{ name: 'header', bytes: header }, ...layout.sections.map(([, length], i) => ({ name: SECTION_NAMES[i] ?? `section ${i}`, bytes: length }))];
  const padding = bytes.length - parts.reduce((a, p) => a + p.bytes, 0);
  if (padding > 0) parts.push({ name: 'alignment padding', bytes: padding });
  return parts;
}

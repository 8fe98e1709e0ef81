import { MultiUserTable } from '../table/index.ts';

/**
 * Bytes per part of a compiled table: the header, each section (named by the table's own
 * `info.sections`), and the alignment padding, summing to the table's length.
 *
 * @example
 * ```ts
 * tableSectionBytes(bytes); // [{ name: 'header', bytes: 160 }, { name: 'values', bytes: 16 }, …]
 * ```
 */
export function tableSectionBytes(bytes: Uint8Array): { name: string; bytes: number }[] {
  const { sections } = MultiUserTable.from(bytes).info;
  const header = sections.length > 0 ? Math.min(...sections.map((s) => s.offset)) : bytes.length;
  const parts = [{ name: 'header', bytes: header }, ...sections.map((s) => ({ name: s.name, bytes: s.bytes }))];
  const padding = bytes.length - parts.reduce((a, p) => a + p.bytes, 0);
  if (padding > 0) parts.push({ name: 'alignment padding', bytes: padding });
  return parts;
}

import { formatIPv4Prefix, formatIPv6Prefix } from '../ip/index.ts';
import { tableChecksum, TableFormatError } from './format.ts';

/**
 * Format version 1 (the 144-byte header, 14 sections, one-byte leaf ids with escapes), read only as
 * far as the churn guard needs: the prefixes a version-1 table can answer, so that comparing a new
 * table with a deployed older one measures prefixes, not the format change. Checks the checksum and
 * bounds every loop by the section sizes.
 */
const V1 = { header: 144, sections: 14, escaped: 255 };

/**
 * The prefixes a version-1 table answers with (as `entries()` listed them), in canonical text.
 * Throws {@link TableFormatError} when the bytes are not an intact version-1 table.
 *
 * @example
 * ```ts
 * const before = new Set(readV1Prefixes(oldBytes));
 * ```
 */
export function readV1Prefixes(bytes: Uint8Array): string[] {
  const { dv, section: sec } = openLegacy(bytes, 1, V1.header);
  const u8 = (s: number, i: number) => dv.getUint8(sec(s)[0] + i);
  const u16 = (s: number, i: number) => dv.getUint16(sec(s)[0] + 2 * i, true);
  const u32 = (s: number, i: number) => dv.getUint32(sec(s)[0] + 4 * i, true);
  const count = (s: number, size: number) => Math.floor(sec(s)[1] / size);
  const escapes = new Map<number, Map<number, number>>();
  /** Leaf id of range i from one-byte ids (with (range, leaf) escape pairs in section `esc`). */
  const leafId = (id: number, i: number, esc: number) => {
    if (id !== V1.escaped) return id;
    let pairs = escapes.get(esc);
    if (!pairs) {
      pairs = new Map();
      for (let k = 0; k < count(esc, 8); k++) pairs.set(u32(esc, 2 * k), u32(esc, 2 * k + 1));
      escapes.set(esc, pairs);
    }
    return pairs.get(i) ?? -1;
  };
  const leaf = (s: number, id: number) => (id >= 0 && id < count(s, 4) ? { bits: u8(s, 4 * id), type: u8(s, 4 * id + 1) } : undefined);
  const out = new Set<string>();
  // IPv4: sections 1 leaves, 2 index (65,537 u32), 3 ranges (u16 key, u8 id), 4 escapes.
  const index4 = count(2, 4);
  const r4 = count(3, 3);
  for (let c = 0; c + 1 < index4; c++) {
    for (let i = Math.min(u32(2, c), r4); i < Math.min(u32(2, c + 1), r4); i++) {
      const o = sec(3)[0] + 3 * i;
      const l = leaf(1, leafId(dv.getUint8(o + 2), i, 4));
      if (l && l.bits <= 32) out.add(formatIPv4Prefix(((c << 16) | dv.getUint16(o, true)) >>> 0, l.bits));
    }
  }
  // IPv6: 5 leaves, 7 block keys, 8 block offsets, 9 keys, 10 ids, 11 escapes, 12 long keys, 13 long ids.
  const w = new Uint32Array(4);
  const blocks = count(7, 4);
  const r6 = Math.min(count(9, 4), count(10, 1));
  for (let b = 0; b < blocks && b + 1 < count(8, 4); b++) {
    for (let i = Math.min(u32(8, b), r6); i < Math.min(u32(8, b + 1), r6); i++) {
      const l = leaf(5, leafId(u8(10, i), i, 11));
      if (!l || l.type !== 0 || l.bits > 64) continue;
      w.set([u32(7, b), u32(9, i), 0, 0]);
      out.add(formatIPv6Prefix(w, l.bits));
    }
  }
  for (let i = 0; i < Math.min(count(12, 16), count(13, 2)); i++) {
    const l = leaf(5, u16(13, i));
    if (!l || l.type !== 0 || l.bits > 128) continue;
    w.set([u32(12, 4 * i), u32(12, 4 * i + 1), u32(12, 4 * i + 2), u32(12, 4 * i + 3)]);
    out.add(formatIPv6Prefix(w, l.bits));
  }
  return [...out];
}

/**
 * Checks an older table's version, length and checksum (formats 1 and 2 share the first 16 header
 * bytes and a section directory at byte 32). Returns a view and each section's [offset, length],
 * checked against the table's end. Throws {@link TableFormatError}.
 */
export function openLegacy(
  bytes: Uint8Array,
  version: number,
  headerLength: number,
): { dv: DataView; section: (s: number) => readonly [number, number] } {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < headerLength || dv.getUint16(4, true) !== version || dv.getUint32(8, true) !== bytes.length) {
    throw new TableFormatError('bad-length', `expected an intact format version ${version} table`);
  }
  if (tableChecksum(bytes) !== dv.getUint32(12, true)) {
    throw new TableFormatError('checksum-mismatch', `format version ${version} table: checksum mismatch`);
  }
  const section = (s: number) => {
    const o = dv.getUint32(32 + 8 * s, true);
    const l = dv.getUint32(36 + 8 * s, true);
    if (o + l > bytes.length) throw new TableFormatError('bad-offset', `format version ${version} table: section ${s} outside the table`);
    return [o, l] as const;
  };
  return { dv, section };
}

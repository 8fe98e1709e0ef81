import { formatIPv4Prefix, formatIPv6Prefix } from '../ip/index.ts';
import { readBits } from './bits.ts';
import { LEAF_MATCH, TableFormatError } from './format.ts';
import { openLegacy } from './legacy-v1.ts';

/**
 * Format version 2 (128-byte header, 8-byte values, a leaf dictionary per family, IPv4 keys at their
 * chunk's width with no sub-chunks), read only as far as the churn guard needs: the prefixes a
 * version-2 table answers with, so that comparing a new table with a deployed older one measures
 * prefixes, not the format change. Checks the checksum and bounds every loop by the section sizes.
 */
const V2 = { header: 128 };

/**
 * The prefixes a version-2 table answers with (as its `entries()` listed them), in canonical text.
 * Throws {@link TableFormatError} when the bytes are not an intact version-2 table.
 *
 * @example
 * ```ts
 * const before = new Set(readV2Prefixes(oldBytes));
 * ```
 */
export function readV2Prefixes(bytes: Uint8Array): string[] {
  const bounds = openLegacy(bytes, 2, V2.header).section;
  const section = (s: number) => {
    const [o, l] = bounds(s);
    return bytes.subarray(o, o + l);
  };
  const u32 = (b: Uint8Array, i: number) =>
    4 * i + 4 <= b.length ? (b[4 * i]! | (b[4 * i + 1]! << 8) | (b[4 * i + 2]! << 16) | (b[4 * i + 3]! << 24)) >>> 0 : 0;
  const [k4, w4, w6] = [bytes[28]!, bytes[29]!, bytes[31]!];
  if (k4 > 20 || w4 > 24 || w6 > 24) throw new TableFormatError('bad-section', 'format version 2 table: widths out of range');
  const out = new Set<string>();
  // IPv4: 1 leaves, 2 index (bit offset × 32 + key width per /K4 chunk), 3 records (key, leaf id).
  const [leaves4, index4, records4] = [section(1), section(2), section(3)];
  const recordBits = Math.max(0, records4.length - 4) * 8;
  const low = 32 - k4;
  let end = 0;
  for (let c = 0; c + 1 < index4.length / 4; c++) {
    const kw = u32(index4, c) & 31;
    const p1 = Math.min(recordBits, u32(index4, c + 1) >>> 5);
    for (let p = Math.max(end, u32(index4, c) >>> 5); kw <= low && p + kw + w4 <= p1; p += kw + w4) {
      const id = readBits(records4, p + kw, w4);
      if (4 * id + 4 > leaves4.length) continue;
      const bits = u32(leaves4, id) & 255;
      if (bits <= 32) out.add(formatIPv4Prefix(((c << low) | (readBits(records4, p, kw) << (low - kw))) >>> 0, bits));
    }
    end = Math.max(end, p1);
  }
  // IPv6: 4 leaves, 6 block keys, 7 block offsets, 8 keys, 9 leaf ids, 10 long keys, 11 long ids.
  const [leaves6, blockKeys, offsets, keys, ids, longKeys, longIds] = [4, 6, 7, 8, 9, 10, 11].map(section) as Uint8Array[];
  const leaf6 = (id: number) => (4 * id + 4 <= leaves6!.length ? u32(leaves6!, id) : -1);
  const w = new Uint32Array(4);
  const ranges = Math.min(keys!.length / 4, Math.floor((ids!.length * 8) / Math.max(1, w6)));
  let from = 0;
  for (let b = 0; b < blockKeys!.length / 4; b++) {
    const to = Math.min(u32(offsets!, b + 1), ranges);
    for (let i = Math.max(from, u32(offsets!, b)); i < to; i++) {
      const leaf = leaf6(readBits(ids!, i * w6, w6));
      if (leaf < 0 || ((leaf >>> 8) & 3) !== LEAF_MATCH || (leaf & 255) > 64) continue;
      w.set([u32(blockKeys!, b), u32(keys!, i), 0, 0]);
      out.add(formatIPv6Prefix(w, leaf & 255));
    }
    from = Math.max(from, to);
  }
  for (let i = 0; i < Math.min(longKeys!.length / 16, longIds!.length / 4); i++) {
    const leaf = leaf6(u32(longIds!, i));
    if (leaf < 0 || ((leaf >>> 8) & 3) !== LEAF_MATCH || (leaf & 255) > 128) continue;
    w.set([u32(longKeys!, 4 * i), u32(longKeys!, 4 * i + 1), u32(longKeys!, 4 * i + 2), u32(longKeys!, 4 * i + 3)]);
    out.add(formatIPv6Prefix(w, leaf & 255));
  }
  return [...out];
}

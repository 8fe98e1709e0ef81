/**
 * The multi-user table binary format, version 1. Everything is little-endian; every section starts at
 * an 8-byte-aligned offset (so typed-array views need no copy); padding bytes are zero.
 *
 * Header (144 bytes):
 *
 * | offset | size | field |
 * |-------:|-----:|-------|
 * | 0      | 4    | magic: ASCII `MUIT` (`4d 55 49 54`) |
 * | 4      | 2    | format version (`1`) |
 * | 6      | 2    | header length in bytes (`144`) |
 * | 8      | 4    | total table length in bytes |
 * | 12     | 4    | CRC-32 (IEEE) of the whole table with these 4 bytes read as zero |
 * | 16     | 4    | flags, zero (reserved) |
 * | 20     | 4    | IPv4 prefix count (distinct prefixes compiled in) |
 * | 24     | 4    | IPv6 prefix count |
 * | 28     | 4    | reserved, zero |
 * | 32     | 112  | section directory: 14 × (offset u32, length u32), in the order below |
 *
 * Sections (R4 = IPv4 ranges, B6 = IPv6 /32 blocks, R6 = IPv6 ranges, L6 = IPv6 long ranges):
 *
 * | # | name | size | content |
 * |--:|------|------|---------|
 * | 0 | values | 8 × V | kind u8 (index in `MULTI_USER_KINDS`), 3 zero bytes, users u32 (0 = unknown) |
 * | 1 | v4 leaves | 4 × leaves | prefix length u8, type u8 (0 = match), value index u16 |
 * | 2 | v4 index | 4 × 65,537 or 0 | u32: first range whose start's top 16 bits are ≥ c; last entry = R4 |
 * | 3 | v4 ranges | 3 × R4 | low 16 bits of the range start (u16), then its u8 leaf id (255 = escaped, see next) |
 * | 4 | v4 escapes | 8 × E4 | (range index u32, leaf id u32), sorted by range index |
 * | 5 | v6 leaves | 4 × leaves | prefix length u8, type u8 (0 = match, 1 = none, 2 = descend), value index u16 |
 * | 6 | v6 index | 4 × 4,097 or 0 | u32: first /32 block whose top 12 bits are ≥ c; last entry = B6 |
 * | 7 | v6 block keys | 4 × B6 | u32: bits 0–31 of the ranges in the block (sorted) |
 * | 8 | v6 block offsets | 4 × (B6 + 1) or 0 | u32: first range of each block; last entry = R6 |
 * | 9 | v6 keys | 4 × R6 | u32: bits 32–63 of each range start |
 * | 10 | v6 leaf ids | 1 × R6 | u8 leaf id; 255 = escaped |
 * | 11 | v6 escapes | 8 × E6 | (range index u32, leaf id u32), sorted |
 * | 12 | v6 long keys | 16 × L6 | 4 × u32: the full 128-bit start of ranges inside /64s holding prefixes longer than /64 |
 * | 13 | v6 long leaf ids | 2 × L6 | u16 leaf id |
 *
 * Ranges: nested prefixes are flattened at compile time into sorted, disjoint ranges; a range is stored
 * only where the longest match changes to a prefix (not where it changes to "no match"). A range holds
 * its prefix's *length* (via the leaf), not the prefix: the answer's prefix is the looked-up address
 * masked to that length, and the address lies in the range's prefix exactly when it agrees with the
 * range start on those bits — so the gap after a prefix needs no entry. Every index chunk (IPv4 /16,
 * IPv6 /12) that starts inside a prefix gets an explicit range at its start, so a lookup never looks
 * before its chunk. An IPv4 range's key and leaf id sit side by side (one cache line per lookup
 * instead of two). Leaf ids are one byte: the 255 most used (length, value) pairs get ids 0–254 and
 * the rare rest are escaped. An IPv6 `descend` range covers exactly one /64 whose ranges are in the
 * long section.
 */
import { crc32 } from './crc32.ts';

/** `MUIT` read as a little-endian u32. */
export const MAGIC = 0x5449554d;
/** The format version this code reads and writes. */
export const FORMAT_VERSION = 1;
export const HEADER_LENGTH = 144;
export const SECTION_COUNT = 14;
export const V4_INDEX_BITS = 16;
export const V6_INDEX_BITS = 12;
export const V4_INDEX_LENGTH = 2 ** V4_INDEX_BITS + 1;
export const V6_INDEX_LENGTH = 2 ** V6_INDEX_BITS + 1;
/** Leaf id meaning "look in the escape section". */
export const ESCAPED = 255;
export const LEAF_MATCH = 0;
export const LEAF_NONE = 1;
export const LEAF_DESCEND = 2;

/** Section numbers, in directory order. */
export const Section = {
  Values: 0,
  V4Leaves: 1,
  V4Index: 2,
  V4Ranges: 3,
  V4Escapes: 4,
  V6Leaves: 5,
  V6Index: 6,
  V6BlockKeys: 7,
  V6BlockOffsets: 8,
  V6Keys: 9,
  V6Ids: 10,
  V6Escapes: 11,
  V6LongKeys: 12,
  V6LongIds: 13,
} as const;
/** A section number. */
export type Section = (typeof Section)[keyof typeof Section];

/** Why a table was rejected. */
export type TableFormatErrorCode =
  | 'truncated'
  | 'bad-magic'
  | 'unsupported-version'
  | 'bad-length'
  | 'bad-offset'
  | 'bad-section'
  | 'bad-index'
  | 'bad-leaf'
  | 'bad-value'
  | 'checksum-mismatch';

/**
 * A corrupt or incompatible table. `code` says which check failed.
 *
 * @example
 * ```ts
 * try { MultiUserTable.from(bytes); } catch (e) { if (e instanceof TableFormatError) console.log(e.code); }
 * ```
 */
export class TableFormatError extends Error {
  readonly code: TableFormatErrorCode;
  constructor(code: TableFormatErrorCode, message: string) {
    super(`multi-user table: ${message}`);
    this.name = 'TableFormatError';
    this.code = code;
  }
}

/** The element size of each section. */
export const ELEMENT_SIZE: readonly number[] = [8, 4, 4, 3, 8, 4, 4, 4, 4, 4, 1, 8, 16, 2];

/** The checksum stored at offset 12: CRC-32 over the table with bytes 12–15 taken as zero. */
export function tableChecksum(bytes: Uint8Array): number {
  let c = crc32(bytes, 0, 0, 12);
  c = crc32(new Uint8Array(4), c);
  return crc32(bytes, c, 16, bytes.length);
}

/** Header fields and section bounds, as read and checked by {@link readLayout}. */
export interface Layout {
  version: number;
  byteLength: number;
  checksum: number;
  flags: number;
  v4Prefixes: number;
  v6Prefixes: number;
  /** [offset, length] per section. */
  sections: Array<[number, number]>;
}

/**
 * Reads the header and checks magic, version, length and every section's offset and length against
 * the byte length (no per-prefix work). Throws {@link TableFormatError}.
 */
export function readLayout(bytes: Uint8Array): Layout {
  if (bytes.length < HEADER_LENGTH) {
    throw new TableFormatError('truncated', `expected at least ${HEADER_LENGTH} header bytes, got ${bytes.length}`);
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = dv.getUint32(0, true);
  if (magic !== MAGIC) {
    throw new TableFormatError('bad-magic', `expected magic "MUIT" at offset 0, got 0x${magic.toString(16).padStart(8, '0')}`);
  }
  const version = dv.getUint16(4, true);
  if (version !== FORMAT_VERSION) {
    throw new TableFormatError('unsupported-version', `expected format version ${FORMAT_VERSION}, got ${version}`);
  }
  const headerLength = dv.getUint16(6, true);
  if (headerLength !== HEADER_LENGTH) {
    throw new TableFormatError('bad-length', `expected header length ${HEADER_LENGTH}, got ${headerLength}`);
  }
  const byteLength = dv.getUint32(8, true);
  if (byteLength !== bytes.length) {
    throw new TableFormatError(
      byteLength > bytes.length ? 'truncated' : 'bad-length',
      `header says ${byteLength} bytes, got ${bytes.length}`,
    );
  }
  const flags = dv.getUint32(16, true);
  if (flags !== 0) {
    throw new TableFormatError('bad-section', `unknown flags 0x${flags.toString(16)}`);
  }
  const sections: Array<[number, number]> = [];
  for (let s = 0; s < SECTION_COUNT; s++) {
    const offset = dv.getUint32(32 + 8 * s, true);
    const length = dv.getUint32(36 + 8 * s, true);
    if (offset < HEADER_LENGTH || offset % 8 !== 0 || offset > byteLength || length > byteLength - offset) {
      throw new TableFormatError(
        'bad-offset',
        `section ${s}: offset ${offset} length ${length} is outside the table (${byteLength} bytes) or not 8-byte aligned`,
      );
    }
    if (length % ELEMENT_SIZE[s]! !== 0) {
      throw new TableFormatError('bad-section', `section ${s}: length ${length} is not a multiple of its element size`);
    }
    sections.push([offset, length]);
  }
  return {
    version,
    byteLength,
    checksum: dv.getUint32(12, true),
    flags,
    v4Prefixes: dv.getUint32(20, true),
    v6Prefixes: dv.getUint32(24, true),
    sections,
  };
}

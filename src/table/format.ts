/**
 * The multi-user table binary format, version 1. Everything is little-endian; every section starts at
 * an 8-byte-aligned offset (so typed-array views need no copy); padding bytes are zero.
 *
 * Header (128 bytes):
 *
 * | offset | size | field |
 * |-------:|-----:|-------|
 * | 0      | 4    | magic: ASCII `MUIT` (`4d 55 49 54`) |
 * | 4      | 2    | format version (`1`) |
 * | 6      | 2    | header length in bytes (`128`) |
 * | 8      | 4    | total table length in bytes |
 * | 12     | 4    | CRC-32 (IEEE) of the whole table with these 4 bytes read as zero |
 * | 16     | 4    | flags: bit 0 = IPv4 leaf ids are u16 (else u8), bit 1 = IPv6 leaf ids are u16 (else u8) |
 * | 20     | 4    | IPv4 prefix count (distinct prefixes compiled in) |
 * | 24     | 4    | IPv6 prefix count |
 * | 28     | 4    | reserved, zero |
 * | 32     | 88   | section directory: 11 × (offset u32, length u32), in the order below |
 * | 120    | 8    | reserved, zero |
 *
 * Sections:
 *
 * | # | name | element | meaning |
 * |--:|------|---------|---------|
 * | 0 | values | 8 B: kind u8, 3 zero bytes, users u32 (0 = unknown) | distinct (kind, users); kind is the index in `MULTI_USER_KINDS` |
 * | 1 | v4 leaves | 4 B: bits u8, type u8 (0 match, 1 none), value u16 | distinct (prefix length, value) |
 * | 2 | v4 index | u32 × 65,537 (or empty) | `index[c]` = first range whose start has top 16 bits ≥ c; `index[65536]` = range count |
 * | 3 | v4 keys | u16 per range | low 16 bits of the range start |
 * | 4 | v4 leaf ids | u8 or u16 per range | leaf of the range |
 * | 5 | v6 leaves | 4 B: bits u8, type u8 (0 match, 1 none, 2 descend), value u16 | as v4; `descend` = look in the long section |
 * | 6 | v6 index | u32 × 4,097 (or empty) | as v4, over the top 12 bits of the address |
 * | 7 | v6 keys | 2 × u32 per range | top 64 bits of the range start (high word first) |
 * | 8 | v6 leaf ids | u8 or u16 per range | leaf of the range |
 * | 9 | v6 long keys | 4 × u32 per range | full 128-bit start of ranges inside /64s that hold prefixes longer than /64 |
 * | 10 | v6 long leaf ids | u8 or u16 per range | leaf of the long range |
 *
 * Ranges: nested prefixes are flattened at compile time into sorted, disjoint ranges; a range is stored
 * only where the longest match changes to a prefix (not where it changes to "no match"). A range holds
 * the *length* of its prefix, not the prefix: the answer's prefix is the looked-up address masked to
 * that length, and an address lies in the range's prefix exactly when its masked form equals the
 * masked range start — so gaps after a prefix need no entry. Every index chunk that starts inside a
 * prefix gets an explicit range at the chunk start, so a lookup never leaves its chunk.
 */
import { crc32 } from './crc32.ts';

/** `MUIT` read as a little-endian u32. */
export const MAGIC = 0x5449554d;
/** The format version this code reads and writes. */
export const FORMAT_VERSION = 1;
export const HEADER_LENGTH = 128;
export const SECTION_COUNT = 11;
export const V4_INDEX_BITS = 16;
export const V6_INDEX_BITS = 12;
export const V4_INDEX_LENGTH = 2 ** V4_INDEX_BITS + 1;
export const V6_INDEX_LENGTH = 2 ** V6_INDEX_BITS + 1;
export const FLAG_V4_WIDE = 1;
export const FLAG_V6_WIDE = 2;
export const LEAF_MATCH = 0;
export const LEAF_NONE = 1;
export const LEAF_DESCEND = 2;

/** Section numbers, in directory order. */
export const Section = {
  Values: 0,
  V4Leaves: 1,
  V4Index: 2,
  V4Keys: 3,
  V4Ids: 4,
  V6Leaves: 5,
  V6Index: 6,
  V6Keys: 7,
  V6Ids: 8,
  V6LongKeys: 9,
  V6LongIds: 10,
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

/** The element size of each section (leaf-id sections depend on the flags). */
export function elementSize(section: Section, flags: number): number {
  switch (section) {
    case Section.Values:
      return 8;
    case Section.V4Leaves:
    case Section.V6Leaves:
    case Section.V4Index:
    case Section.V6Index:
      return 4;
    case Section.V4Keys:
      return 2;
    case Section.V6Keys:
      return 8;
    case Section.V6LongKeys:
      return 16;
    case Section.V4Ids:
      return flags & FLAG_V4_WIDE ? 2 : 1;
    default:
      return flags & FLAG_V6_WIDE ? 2 : 1; // V6Ids, V6LongIds
  }
}

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
  if ((flags & ~(FLAG_V4_WIDE | FLAG_V6_WIDE)) !== 0) {
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
    if (length % elementSize(s as Section, flags) !== 0) {
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

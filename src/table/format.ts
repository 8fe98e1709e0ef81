/**
 * The multi-user table binary format, version 3. Everything is little-endian; every section starts at
 * an 8-byte-aligned offset (so typed-array views need no copy); padding bytes are zero. Bit streams
 * are read least significant bit first: bit p is bit (p mod 8) of byte ⌊p / 8⌋.
 *
 * Header (136 bytes):
 *
 * | offset | size | field |
 * |-------:|-----:|-------|
 * | 0      | 4    | magic: ASCII `MUIT` (`4d 55 49 54`) |
 * | 4      | 2    | format version (`3`) |
 * | 6      | 2    | header length in bytes (`136`) |
 * | 8      | 4    | total table length in bytes |
 * | 12     | 4    | CRC-32 (IEEE) of the whole table with these 4 bytes read as zero |
 * | 16     | 4    | flags, zero (reserved) |
 * | 20     | 4    | IPv4 prefix count (distinct prefixes compiled in) |
 * | 24     | 4    | IPv6 prefix count |
 * | 28     | 1    | K4: IPv4 index bits (8–20; 0 when there is no IPv4 range) |
 * | 29     | 1    | W4: IPv4 leaf id bits (1–24) |
 * | 30     | 1    | K6: IPv6 index bits (0–16) |
 * | 31     | 1    | W6: IPv6 leaf id bits (1–24) |
 * | 32     | 4    | V: value count |
 * | 36     | 1    | L4: IPv4 leaf id low bits (1–W4; W4 = dictionary mode) |
 * | 37     | 1    | L6: IPv6 leaf id low bits (1–W6) |
 * | 38     | 1    | E4: bits of a sub-chunk entry (0 when no chunk is split, else 6–25) |
 * | 39     | 1    | U: users bits of a value (0–32) |
 * | 40     | 96   | section directory: 12 × (offset u32, length u32), in the order below |
 *
 * Sections (R4 = IPv4 ranges, B6 = IPv6 /32 blocks, R6 = IPv6 ranges, L6 = IPv6 long ranges):
 *
 * | # | name | size | content |
 * |--:|------|------|---------|
 * | 0 | values | ⌈V × (4 + U) / 8⌉ + 4 or 0 | per value: kind (4 bits, index in `MULTI_USER_KINDS`), users (U bits, 0 = unknown) |
 * | 1 | v4 leaves | 4 × leaves | u32: prefix length (bits 0–7), type (bits 8–9, 0 = match), value index (bits 10–31) |
 * | 2 | v4 index | 4 × (2^K4 + 1) or 0 | u32 per /K4 chunk c: bit offset of its first record × 32 + KW; KW 0–24: key width, 25–31: split in 2^(KW − 24) sub-chunks; last entry: end × 32 |
 * | 3 | v4 records | ⌈bits / 8⌉ + 4 | per chunk, its ranges in order, each KW key bits then W4 leaf id bits; a split chunk first has 2^s + 1 entries of E4 bits (sub-chunk's first record, in bits from the chunk's start, × 32 + its key width; the last: the chunk's length × 32), then each sub-chunk's ranges (4 zero bytes pad the end) |
 * | 4 | v6 leaves | 4 × leaves | u32 as in section 1; type 0 = match, 1 = none, 2 = descend |
 * | 5 | v6 index | 4 × (2^K6 + 1) or 0 | u32: first /32 block whose top K6 bits are ≥ c; last entry = B6 |
 * | 6 | v6 block keys | 4 × B6 | u32: bits 0–31 of the ranges in the block (sorted) |
 * | 7 | v6 block offsets | 4 × (B6 + 1) or 0 | u32: first range of each block; last entry = R6 |
 * | 8 | v6 keys | 4 × R6 | u32: bits 32–63 of each range start |
 * | 9 | v6 leaf ids | ⌈R6 × W6 / 8⌉ + 4 | W6 bits per range (4 zero bytes pad the end) |
 * | 10 | v6 long keys | 16 × L6 | 4 × u32: the full 128-bit start of ranges inside /64s holding prefixes longer than /64 |
 * | 11 | v6 long leaf ids | 4 × L6 | u32 leaf id |
 *
 * A leaf id names the leaf `leaves[id & low(L)] + (id >>> L) × 2^10`: with L = W the id is a plain
 * index into a dictionary of every (length, type, value) leaf; with L < W the leaves hold one entry
 * per (length, type) with value 0 and the id's upper bits are the value index (direct mode, for
 * tables with many values, where the dictionary costs more than the bits it saves).
 *
 * Ranges: nested prefixes are flattened at compile time into sorted, disjoint ranges; a range is stored
 * only where the longest match changes to a prefix (not where it changes to "no match"). A range holds
 * its prefix's *length* (via the leaf), not the prefix: the answer's prefix is the looked-up address
 * masked to that length, and the address lies in the range's prefix exactly when it agrees with the
 * range start on those bits — so the gap after a prefix needs no entry. Every index chunk (IPv4 /K4
 * and its sub-chunks, IPv6 /K6) that starts inside a prefix gets an explicit range at its start, so a
 * lookup never looks before its (sub-)chunk. An IPv4 key is the range start's bits below the
 * (sub-)chunk shifted right by the (sub-)chunk's shared trailing zeros: routed prefixes are mostly /24
 * or shorter, so most keys take 8 bits, and splitting a chunk confines a /32 fragment's full-width
 * keys to its sub-chunk. K4 and each chunk's split are chosen by the compiler to make the table
 * smallest; K6 grows with the number of /32 blocks. An IPv6 `descend` range covers exactly one /64
 * whose ranges are in the long section.
 */
import { crc32 } from './crc32.ts';

/** `MUIT` read as a little-endian u32. */
export const MAGIC = 0x5449554d;
/** The format version this code reads and writes. */
export const FORMAT_VERSION = 3;
export const HEADER_LENGTH = 136;
/** Where the section directory starts in the header, in bytes and in words. */
export const DIRECTORY_OFFSET = 40;
export const DIRECTORY_WORD = DIRECTORY_OFFSET >>> 2;
export const SECTION_COUNT = 12;
export const V4_INDEX_MIN_BITS = 8;
export const V4_INDEX_MAX_BITS = 20;
export const V6_INDEX_MAX_BITS = 16;
/** Leaf ids and keys are read 25 bits at a time at most (one 32-bit load at any bit offset). */
export const MAX_FIELD_BITS = 24;
/** Zero bytes after a bit stream, so a 4-byte load at its last bit stays inside the section. */
export const BIT_PAD = 4;
/** Key-width field values above this mark a split IPv4 chunk: KW − 24 = its sub-chunk bits. */
export const V4_SPLIT_BASE = 24;
/** Bits of a value's kind. */
export const KIND_BITS = 4;
export const LEAF_MATCH = 0;
export const LEAF_NONE = 1;
export const LEAF_DESCEND = 2;

/** Header fields read as words (u32 index = byte offset / 4). */
export const HeaderWord = { ByteLength: 2, Checksum: 3, Flags: 4, V4Prefixes: 5, V6Prefixes: 6, Values: 8 } as const;
/** The one-byte header fields, by byte offset. */
export const HeaderByte = {
  V4IndexBits: 28,
  V4IdBits: 29,
  V6IndexBits: 30,
  V6IdBits: 31,
  V4LeafBits: 36,
  V6LeafBits: 37,
  V4SubEntryBits: 38,
  UsersBits: 39,
} as const;

/** Section numbers, in directory order. */
export const Section = {
  Values: 0,
  V4Leaves: 1,
  V4Index: 2,
  V4Records: 3,
  V6Leaves: 4,
  V6Index: 5,
  V6BlockKeys: 6,
  V6BlockOffsets: 7,
  V6Keys: 8,
  V6Ids: 9,
  V6LongKeys: 10,
  V6LongIds: 11,
} as const;
/** A section number. */
export type Section = (typeof Section)[keyof typeof Section];

/** Section names, in directory order (for reports and errors). */
export const SECTION_NAMES = [
  'values',
  'v4 leaves',
  'v4 index',
  'v4 records',
  'v6 leaves',
  'v6 index',
  'v6 block keys',
  'v6 block offsets',
  'v6 keys',
  'v6 leaf ids',
  'v6 long keys',
  'v6 long leaf ids',
] as const;

/** The element size of each section (1 for bit streams). */
export const ELEMENT_SIZE: readonly number[] = [1, 4, 4, 1, 4, 4, 4, 4, 4, 1, 16, 4];

/** A leaf as stored: prefix length, type and value index in one u32. */
export const packLeaf = (bits: number, type: number, value: number): number => (bits | (type << 8) | (value << 10)) >>> 0;
/** The most values a leaf can name (22 bits). */
export const MAX_VALUES = 2 ** 22;

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

/** The checksum stored at offset 12: CRC-32 over the table with bytes 12–15 taken as zero. */
export function tableChecksum(bytes: Uint8Array): number {
  let c = crc32(bytes, 0, 0, 12);
  c = crc32(new Uint8Array(4), c);
  return crc32(bytes, c, 16, bytes.length);
}

/** Header fields and section bounds, as checked by {@link checkHeader} and read by {@link layoutOf}. */
export interface Layout {
  version: number;
  byteLength: number;
  checksum: number;
  flags: number;
  v4Prefixes: number;
  v6Prefixes: number;
  v4IndexBits: number;
  v4IdBits: number;
  v6IndexBits: number;
  v6IdBits: number;
  /** V: the value count. */
  values: number;
  /** L4, L6: the leaf id bits that index the leaves (the rest is a value index). */
  v4LeafBits: number;
  v6LeafBits: number;
  /** E4: bits of a split IPv4 chunk's sub-chunk entry (0: no chunk is split). */
  v4SubEntryBits: number;
  /** U: bits of a value's users field. */
  usersBits: number;
  /** The section directory: section s's byte offset at `[2s]`, its byte length at `[2s + 1]`. */
  sections: Uint32Array;
}

/** The little-endian u32 at byte `o` (any alignment: for {@link peekVersion} and the error path). */
const u32 = (b: Uint8Array, o: number): number => (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
const u16 = (b: Uint8Array, o: number): number => b[o]! | (b[o + 1]! << 8);

/** The format version of table bytes (after checking the magic), or undefined when too short or not a table. */
export function peekVersion(bytes: Uint8Array): number | undefined {
  if (bytes.length < 6) return undefined;
  return u32(bytes, 0) === MAGIC ? u16(bytes, 4) : undefined;
}

/**
 * Checks the header: magic, version, length, the header's widths and every section's offset and
 * length against the byte length (no per-prefix work). Returns the header as words, one view, no
 * copy; throws {@link TableFormatError}. `bytes` must start at a multiple of 4 on a little-endian
 * platform (the reader's `from` makes sure). No helper calls, destructuring, object literals or
 * message text here (see {@link headerError}): this runs once per isolate, cold, on the way to the
 * first answer. A byte-loading helper called for each of the ~30 fields crossed V8's 8 calls for
 * allocating its feedback, which queued it for baseline compilation in the middle of the open; a
 * 16-member literal cost ~30 µs cold (its object shape is built on first use), so {@link layoutOf}
 * makes the `Layout` only for the callers off the request path.
 *
 * @example
 * ```ts
 * const h = checkHeader(bytes); // throws TableFormatError('bad-magic') for a file that is not a table
 * h[HeaderWord.Values]; // the value count
 * ```
 */
export function checkHeader(bytes: Uint8Array): Uint32Array {
  const n = bytes.length;
  if (n < 8) throw headerError(bytes, -1);
  const h = new Uint32Array(bytes.buffer, bytes.byteOffset, Math.min(n, HEADER_LENGTH) >>> 2);
  if (h[0] !== MAGIC) throw headerError(bytes, 0);
  if ((h[1]! & 0xffff) !== FORMAT_VERSION) throw headerError(bytes, 4);
  if (n < HEADER_LENGTH) throw headerError(bytes, -1);
  if (h[1]! >>> 16 !== HEADER_LENGTH) throw headerError(bytes, 6);
  const byteLength = h[HeaderWord.ByteLength]!;
  if (byteLength !== n) throw headerError(bytes, 4 * HeaderWord.ByteLength);
  if (h[HeaderWord.Flags] !== 0) throw headerError(bytes, 4 * HeaderWord.Flags);
  const k4 = bytes[HeaderByte.V4IndexBits]!;
  const w4 = bytes[HeaderByte.V4IdBits]!;
  const k6 = bytes[HeaderByte.V6IndexBits]!;
  const w6 = bytes[HeaderByte.V6IdBits]!;
  if ((k4 !== 0 && (k4 < V4_INDEX_MIN_BITS || k4 > V4_INDEX_MAX_BITS)) || k6 > V6_INDEX_MAX_BITS)
    throw headerError(bytes, HeaderByte.V4IndexBits);
  if (w4 < 1 || w4 > MAX_FIELD_BITS || w6 < 1 || w6 > MAX_FIELD_BITS) throw headerError(bytes, HeaderByte.V4IdBits);
  const l4 = bytes[HeaderByte.V4LeafBits]!;
  const l6 = bytes[HeaderByte.V6LeafBits]!;
  const e4 = bytes[HeaderByte.V4SubEntryBits]!;
  if (l4 < 1 || l4 > w4 || l6 < 1 || l6 > w6) throw headerError(bytes, HeaderByte.V4LeafBits);
  if ((e4 !== 0 && (e4 < 6 || e4 > MAX_FIELD_BITS + 1)) || bytes[HeaderByte.UsersBits]! > 32)
    throw headerError(bytes, HeaderByte.V4SubEntryBits);
  for (let s = 0; s < SECTION_COUNT; s++) {
    const offset = h[DIRECTORY_WORD + 2 * s]!;
    const length = h[DIRECTORY_WORD + 2 * s + 1]!;
    if (offset < HEADER_LENGTH || offset % 8 !== 0 || offset > byteLength || length > byteLength - offset) {
      throw headerError(bytes, DIRECTORY_OFFSET + 8 * s);
    }
    if (length % ELEMENT_SIZE[s]! !== 0) throw headerError(bytes, DIRECTORY_OFFSET + 4 + 8 * s);
  }
  return h;
}

/**
 * The header fields of words that {@link checkHeader} accepted, as a `Layout` (for `info`,
 * `verify` and `entries`; the request path reads the words).
 *
 * @example
 * ```ts
 * layoutOf(checkHeader(bytes)).v4IndexBits; // K4
 * ```
 */
export function layoutOf(h: Uint32Array): Layout {
  const widths4 = h[HeaderByte.V4IndexBits >>> 2]!;
  const widths = h[HeaderByte.V4LeafBits >>> 2]!;
  return {
    version: h[1]! & 0xffff,
    byteLength: h[HeaderWord.ByteLength]!,
    checksum: h[HeaderWord.Checksum]!,
    flags: h[HeaderWord.Flags]!,
    v4Prefixes: h[HeaderWord.V4Prefixes]!,
    v6Prefixes: h[HeaderWord.V6Prefixes]!,
    v4IndexBits: widths4 & 255,
    v4IdBits: (widths4 >>> 8) & 255,
    v6IndexBits: (widths4 >>> 16) & 255,
    v6IdBits: widths4 >>> 24,
    values: h[HeaderWord.Values]!,
    v4LeafBits: widths & 255,
    v6LeafBits: (widths >>> 8) & 255,
    v4SubEntryBits: (widths >>> 16) & 255,
    usersBits: widths >>> 24,
    sections: h.subarray(DIRECTORY_WORD),
  };
}

/**
 * The error for the {@link checkHeader} check of the header field at byte `at` (-1: the header is
 * cut short), worded from the bytes. Apart from checkHeader, so that the message text is compiled
 * only when a table is refused.
 */
function headerError(bytes: Uint8Array, at: number): TableFormatError {
  const n = bytes.length;
  const b = (o: number) => bytes[o]!;
  if (at === -1) return new TableFormatError('truncated', `expected at least ${HEADER_LENGTH} header bytes, got ${n}`);
  if (at === 0) {
    return new TableFormatError('bad-magic', `expected magic "MUIT" at offset 0, got 0x${u32(bytes, 0).toString(16).padStart(8, '0')}`);
  }
  if (at === 4) {
    const version = u16(bytes, 4);
    const hint =
      version < FORMAT_VERSION ? ' (an older table: rebuild it with npm run build:table)' : ' (a newer table: update multi-user-ip)';
    return new TableFormatError('unsupported-version', `expected format version ${FORMAT_VERSION}, got ${version}${hint}`);
  }
  if (at === 6) return new TableFormatError('bad-length', `expected header length ${HEADER_LENGTH}, got ${u16(bytes, 6)}`);
  if (at === 4 * HeaderWord.ByteLength) {
    const said = u32(bytes, at);
    return new TableFormatError(said > n ? 'truncated' : 'bad-length', `header says ${said} bytes, got ${n}`);
  }
  const { V4IndexBits, V6IndexBits, V4IdBits, V6IdBits, V4LeafBits, V6LeafBits, V4SubEntryBits, UsersBits } = HeaderByte;
  if (at === 4 * HeaderWord.Flags) return new TableFormatError('bad-section', `unknown flags 0x${u32(bytes, at).toString(16)}`);
  if (at === V4IndexBits) {
    return new TableFormatError('bad-section', `index bits out of range: IPv4 ${b(V4IndexBits)}, IPv6 ${b(V6IndexBits)}`);
  }
  if (at === V4IdBits) return new TableFormatError('bad-section', `leaf id bits out of range: IPv4 ${b(V4IdBits)}, IPv6 ${b(V6IdBits)}`);
  if (at === V4LeafBits) {
    return new TableFormatError(
      'bad-section',
      `leaf low bits out of range: IPv4 ${b(V4LeafBits)} of ${b(V4IdBits)}, IPv6 ${b(V6LeafBits)} of ${b(V6IdBits)}`,
    );
  }
  if (at === V4SubEntryBits) {
    return new TableFormatError('bad-section', `sub-chunk entry bits ${b(V4SubEntryBits)} or users bits ${b(UsersBits)} out of range`);
  }
  const s = (at - DIRECTORY_OFFSET) >> 3;
  const offset = u32(bytes, DIRECTORY_OFFSET + 8 * s);
  const length = u32(bytes, DIRECTORY_OFFSET + 4 + 8 * s);
  const name = `section ${s} (${SECTION_NAMES[s]})`;
  return at % 8 === 0
    ? new TableFormatError(
        'bad-offset',
        `${name}: offset ${offset} length ${length} is outside the table (${u32(bytes, 4 * HeaderWord.ByteLength)} bytes) or not 8-byte aligned`,
      )
    : new TableFormatError('bad-section', `${name}: length ${length} is not a multiple of its element size`);
}

import { checkEntries, FORMAT_LIMITS, type CompileLimits, type TableEntry } from './compile-entries.ts';
import { encodeV4 } from './compile-v4.ts';
import { encodeV6 } from './compile-v6.ts';
import { flattenSorted } from './flatten.ts';
import { BitWriter } from './bits.ts';
import {
  BIT_PAD,
  DIRECTORY_OFFSET,
  HeaderByte,
  HeaderWord,
  FORMAT_VERSION,
  HEADER_LENGTH,
  KIND_BITS,
  LEAF_MATCH,
  MAGIC,
  packLeaf,
  SECTION_COUNT,
  tableChecksum,
} from './format.ts';

export { TableCompileError, type TableCompileErrorCode, type TableEntry } from './compile-entries.ts';

/** Counts describing a compiled table. */
export interface CompileStats {
  v4Prefixes: number;
  v6Prefixes: number;
  v4Ranges: number;
  v6Ranges: number;
  v6Blocks: number;
  v6LongRanges: number;
  values: number;
  v4Leaves: number;
  v6Leaves: number;
  /** Index widths and leaf id widths the compiler chose (header fields K4, K6, W4, W6). */
  v4IndexBits: number;
  v6IndexBits: number;
  v4IdBits: number;
  v6IdBits: number;
  /** Leaf id bits that index the leaves (header L4, L6; equal to the id bits in dictionary mode). */
  v4LeafBits: number;
  v6LeafBits: number;
  /** Bits of a sub-chunk entry (header E4; 0 when no IPv4 chunk is split) and how many chunks are split. */
  v4SubEntryBits: number;
  v4SplitChunks: number;
  /** Bits of a value's users field (header U). */
  usersBits: number;
  byteLength: number;
}

/**
 * Compiles prefix entries into table bytes (pure, deterministic: the same entries in any order give
 * byte-identical output). Identical duplicates are merged; the same prefix with different attributes
 * is an error naming both places. Throws {@link TableCompileError} listing every problem.
 *
 * @example
 * ```ts
 * const { bytes } = compileTable([{ prefix: '198.51.100.0/24', kind: 'cgnat', users: 1200 }]);
 * MultiUserTable.from(bytes).lookup('198.51.100.7'); // { prefix: '198.51.100.0/24', kind: 'cgnat', users: 1200 }
 * ```
 */
export function compileTable(entries: readonly TableEntry[]): { bytes: Uint8Array; stats: CompileStats } {
  return compileWithLimits(entries, FORMAT_LIMITS);
}

/** {@link compileTable} under other size limits (internal: tests reach the limit errors with small ones). */
export function compileWithLimits(
  entries: readonly TableEntry[],
  limits: Readonly<CompileLimits>,
): { bytes: Uint8Array; stats: CompileStats } {
  const { addr4, bits4, vkey4, u4, v6, valueKeys } = checkEntries(entries, limits.values);
  const valueIds = new Map(valueKeys.map((k, i) => [k, i]));
  const valueId = (k: number) => valueIds.get(k)!;

  // IPv4: one interval per prefix over [0, 2^32), already in (start, length) order.
  const starts: number[] = [];
  const ends: number[] = [];
  const leafs: number[] = [];
  for (const j of u4) {
    starts.push(addr4[j]!);
    ends.push(addr4[j]! + 2 ** (32 - bits4[j]!));
    leafs.push(packLeaf(bits4[j]!, LEAF_MATCH, valueId(vkey4[j]!)));
  }
  const b4 = flattenSorted(starts, ends, leafs);
  const e4 = encodeV4(b4.pos, b4.leaf, limits);
  const e6 = encodeV6(v6, valueId, limits);

  const { values, usersBits } = encodeValues(valueKeys);
  const u8 = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const sections: Uint8Array[] = [
    values,
    u8(e4.leaves),
    u8(e4.index),
    e4.records,
    u8(e6.leaves),
    u8(e6.index),
    u8(e6.blockKeys),
    u8(e6.blockOffsets),
    u8(e6.keys),
    e6.ids,
    u8(e6.longKeys),
    u8(e6.longIds),
  ];
  const bytes = writeTable(sections, {
    prefixes: [u4.length, v6.length],
    widths: [e4.indexBits, e4.idBits, e6.indexBits, e6.idBits],
    values: valueKeys.length,
    more: [e4.lowBits, e6.lowBits, e4.subEntryBits, usersBits],
  });
  return {
    bytes,
    stats: {
      v4Prefixes: u4.length,
      v6Prefixes: v6.length,
      v4Ranges: e4.ranges,
      v6Ranges: e6.ranges,
      v6Blocks: e6.blockKeys.length,
      v6LongRanges: e6.longIds.length,
      values: valueKeys.length,
      v4Leaves: e4.leaves.length,
      v6Leaves: e6.leaves.length,
      v4IndexBits: e4.indexBits,
      v6IndexBits: e6.indexBits,
      v4IdBits: e4.idBits,
      v6IdBits: e6.idBits,
      v4LeafBits: e4.lowBits,
      v6LeafBits: e6.lowBits,
      v4SubEntryBits: e4.subEntryBits,
      v4SplitChunks: e4.splitChunks,
      usersBits,
      byteLength: bytes.length,
    },
  };
}

/**
 * The values as a bit stream: per value the kind (4 bits), then users at the width of the largest
 * (users stay exact up to 2^32 − 1; 8 bytes a value in format 2 was 228 KB at ~30k pairs).
 */
function encodeValues(valueKeys: number[]): { values: Uint8Array; usersBits: number } {
  if (valueKeys.length === 0) return { values: new Uint8Array(0), usersBits: 0 };
  let maxUsers = 0;
  for (const k of valueKeys) maxUsers = Math.max(maxUsers, k % 2 ** 32);
  const usersBits = maxUsers === 0 ? 0 : Math.floor(Math.log2(maxUsers)) + 1;
  const w = new BitWriter();
  for (const k of valueKeys) {
    w.write(Math.floor(k / 2 ** 32), KIND_BITS);
    w.write(k % 2 ** 32, usersBits);
  }
  return { values: w.finish(BIT_PAD), usersBits };
}

/** Header fields besides the magic, lengths and checksum. */
interface HeaderFields {
  prefixes: [number, number];
  /** K4, W4, K6, W6. */
  widths: [number, number, number, number];
  values: number;
  /** L4, L6, E4, U. */
  more: [number, number, number, number];
}

/** Lays out header, directory and 8-byte-aligned sections, then stores the checksum. */
function writeTable(sections: Uint8Array[], { prefixes, widths, values, more }: HeaderFields): Uint8Array {
  let offset = HEADER_LENGTH;
  const offsets = sections.map((s) => {
    const o = offset;
    offset = Math.ceil((offset + s.length) / 8) * 8;
    return o;
  });
  const bytes = new Uint8Array(offset);
  const dv = new DataView(bytes.buffer);
  dv.setUint32(0, MAGIC, true);
  dv.setUint16(4, FORMAT_VERSION, true);
  dv.setUint16(6, HEADER_LENGTH, true);
  dv.setUint32(4 * HeaderWord.ByteLength, bytes.length, true);
  dv.setUint32(4 * HeaderWord.V4Prefixes, prefixes[0], true);
  dv.setUint32(4 * HeaderWord.V6Prefixes, prefixes[1], true);
  widths.forEach((w, i) => dv.setUint8(HeaderByte.V4IndexBits + i, w));
  dv.setUint32(4 * HeaderWord.Values, values, true);
  more.forEach((w, i) => dv.setUint8(HeaderByte.V4LeafBits + i, w));
  for (let s = 0; s < SECTION_COUNT; s++) {
    dv.setUint32(DIRECTORY_OFFSET + 8 * s, offsets[s]!, true);
    dv.setUint32(DIRECTORY_OFFSET + 4 + 8 * s, sections[s]!.length, true);
    bytes.set(sections[s]!, offsets[s]!);
  }
  dv.setUint32(4 * HeaderWord.Checksum, tableChecksum(bytes), true);
  return bytes;
}

import { BitWriter, bitsFor, LOW } from './bits.ts';
import { FORMAT_LIMITS, TableCompileError, type CompileLimits } from './compile-entries.ts';
import { fillChunks } from './flatten.ts';
import { BIT_PAD, V4_INDEX_MAX_BITS, V4_INDEX_MIN_BITS } from './format.ts';

/** The IPv4 sections and header fields. */
export interface EncodedV4 {
  indexBits: number;
  idBits: number;
  leaves: Uint32Array;
  index: Uint32Array;
  records: Uint8Array;
  ranges: number;
}

/** Trailing zero bits of a nonzero u32. */
const ctz = (x: number) => 31 - Math.clz32(x & -x);

/** Per chunk of `k` bits: range count and key width (the keys' shared trailing zeros dropped). */
function chunkWidths(pos: number[], k: number): { width: Uint8Array; count: Uint32Array } {
  const chunks = 2 ** k;
  const low = 32 - k;
  const tz = new Uint8Array(chunks).fill(low);
  const count = new Uint32Array(chunks);
  for (const p of pos) {
    const c = p >>> low;
    count[c]!++;
    const key = (p & LOW[low]!) >>> 0;
    if (key !== 0) tz[c] = Math.min(tz[c]!, ctz(key));
  }
  const width = new Uint8Array(chunks);
  for (let c = 0; c < chunks; c++) width[c] = low - tz[c]!;
  return { width, count };
}

/**
 * Encodes flattened IPv4 boundaries (start, packed leaf): numbers the leaves, picks the index width
 * K4 that makes the table smallest (each extra index bit doubles the index and takes one bit off
 * every key), and writes the index and the bit-packed records.
 */
export function encodeV4(pos: number[], leaf: number[], limits: CompileLimits = FORMAT_LIMITS): EncodedV4 {
  if (pos.length === 0) {
    return { indexBits: 0, idBits: 1, leaves: new Uint32Array(0), index: new Uint32Array(0), records: new Uint8Array(0), ranges: 0 };
  }
  const dict = [...new Set(leaf)].sort((a, b) => a - b);
  const idOf = new Map(dict.map((k, i) => [k, i]));
  const idBits = bitsFor(dict.length);
  if (idBits > limits.leafIdBits)
    throw new TableCompileError('too-many-leaves', [
      `expected at most 2^${limits.leafIdBits} distinct IPv4 (prefix length, kind, users) leaves, got ${dict.length}`,
    ]);

  let best: { k: number; bits: number; filled: { pos: number[]; leaf: number[] } } | undefined;
  // Past log2(ranges) bits the index outgrows what it saves: only widths up to there are tried.
  const widest = Math.max(V4_INDEX_MIN_BITS, Math.min(V4_INDEX_MAX_BITS, bitsFor(pos.length)));
  for (let k = V4_INDEX_MIN_BITS; k <= widest; k++) {
    const filled = fillChunks(pos, leaf, k, 32);
    const { width, count } = chunkWidths(filled.pos, k);
    let bits = 32 * (2 ** k + 1);
    for (let c = 0; c < count.length; c++) bits += count[c]! * (width[c]! + idBits);
    if (!best || bits < best.bits) best = { k, bits, filled };
  }
  const { k, filled } = best!;
  const { width, count } = chunkWidths(filled.pos, k);
  const low = 32 - k;
  const index = new Uint32Array(2 ** k + 1);
  const w = new BitWriter();
  let i = 0;
  for (let c = 0; c < count.length; c++) {
    if (w.length >= limits.v4RecordBits) break;
    index[c] = w.length * 32 + width[c]!;
    const shift = low - width[c]!;
    for (let n = 0; n < count[c]!; n++, i++) {
      w.write(((filled.pos[i]! & LOW[low]!) >>> 0) / 2 ** shift, width[c]!);
      w.write(idOf.get(filled.leaf[i]!)!, idBits);
    }
  }
  if (w.length >= limits.v4RecordBits) {
    throw new TableCompileError('too-large', [
      `expected at most ${limits.v4RecordBits} bits of IPv4 records (2^27: about 5 million ranges), got more`,
    ]);
  }
  index[count.length] = w.length * 32;
  return { indexBits: k, idBits, leaves: Uint32Array.from(dict), index, records: w.finish(BIT_PAD), ranges: filled.pos.length };
}

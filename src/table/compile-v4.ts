import { BitWriter, bitsFor, LOW } from './bits.ts';
import { FORMAT_LIMITS, TableCompileError, type CompileLimits } from './compile-entries.ts';
import { codeLeaves } from './compile-leaves.ts';
import { fillChunks, leafBits } from './flatten.ts';
import { BIT_PAD, MAX_FIELD_BITS, V4_INDEX_MAX_BITS, V4_INDEX_MIN_BITS, V4_SPLIT_BASE } from './format.ts';

/** The IPv4 sections and header fields. */
export interface EncodedV4 {
  indexBits: number;
  idBits: number;
  /** L4: the id bits that index the leaves. */
  lowBits: number;
  /** E4: bits of a sub-chunk entry (0 when no chunk is split). */
  subEntryBits: number;
  leaves: Uint32Array;
  index: Uint32Array;
  records: Uint8Array;
  /** Records, fills included. */
  ranges: number;
  /** Chunks split in sub-chunks. */
  splitChunks: number;
}

/** Sub-chunk bits tried per chunk (the key-width field holds 24 + s, at most 31). */
const MAX_SPLIT = 7;
/** A split chunk's entries hold offsets below 2^20 bits, so an entry (offset × 32 + width) fits the 25 bits a read can take. */
const MAX_SPLIT_CHUNK_BITS = 2 ** (MAX_FIELD_BITS + 1 - 5);
/** Entry width assumed while choosing splits (the real one, E4, is known once they are chosen). */
const PLAN_ENTRY_BITS = 20;

/** The index is at most this many bits narrower than log2(ranges) (see encodeV4). */
const SEARCH_BITS = 4;

/** Trailing zero bits of a nonzero u32. */
const ctz = (x: number) => 31 - Math.clz32(x & -x);

/** Flattened boundaries with chunk fills, at one index width. */
interface Filled {
  pos: number[];
  leaf: number[];
}

/**
 * Calls `fn(rel, leafIndex)` for each record of the chunk [a, b) of `f` at sub-chunk bits `s`: the
 * chunk's own records and a fill at every sub-chunk start that lies inside a prefix (relative to the
 * chunk start `base`), in order.
 */
function forEachRecord(f: Filled, a: number, b: number, base: number, low: number, s: number, fn: (rel: number, i: number) => void) {
  const sl = low - s;
  const size = 2 ** low;
  for (let i = a; i < b; i++) {
    const rel = f.pos[i]! - base;
    fn(rel, i);
    const bits = leafBits(f.leaf[i]!);
    if (s === 0 || bits >= 32 - sl) continue; // a prefix this long cannot cross a sub-chunk border
    const span = 2 ** (32 - bits);
    const end = Math.min(size, Math.floor(f.pos[i]! / span) * span + span - base);
    const stop = Math.min(end, i + 1 < b ? f.pos[i + 1]! - base : size);
    for (let q = (Math.floor(rel / 2 ** sl) + 1) * 2 ** sl; q < stop; q += 2 ** sl) fn(q, i);
  }
}

const counts = new Int32Array(2 ** MAX_SPLIT + 1);
const zeros = new Uint8Array(2 ** MAX_SPLIT);

/**
 * Record bits of chunk [a, b) at sub-chunk bits s (entries included when split). Fills are counted,
 * not listed (a fill's key is zero: it adds a record, never a key bit): at K4 = 20 the routing data's
 * short prefixes cover a million chunks, and listing their sub-chunk fills took half a minute.
 */
function chunkBits(f: Filled, a: number, b: number, base: number, low: number, s: number, idBits: number, entryBits: number): number {
  const sl = low - s;
  const subs = 2 ** s;
  const size = 2 ** low;
  counts.fill(0, 0, subs + 1);
  zeros.fill(sl, 0, subs);
  for (let i = a; i < b; i++) {
    const rel = f.pos[i]! - base;
    const j = rel >>> sl;
    counts[j]!++;
    const key = rel & LOW[sl]!;
    if (key !== 0) zeros[j] = Math.min(zeros[j]!, ctz(key));
    const bits = leafBits(f.leaf[i]!);
    if (s === 0 || bits >= 32 - sl) continue;
    const span = 2 ** (32 - bits);
    const end = Math.min(size, Math.floor(f.pos[i]! / span) * span + span - base);
    const stop = Math.min(end, i + 1 < b ? f.pos[i + 1]! - base : size);
    // One fill at the start of each sub-chunk j + 1 … last.
    const last = (stop - 1) >>> sl;
    if (last > j) {
      fillsFrom[j + 1]!++;
      fillsFrom[last + 1]!--;
    }
  }
  let bits = s === 0 ? 0 : (subs + 1) * entryBits;
  let fills = 0;
  for (let j = 0; j < subs; j++) {
    fills += fillsFrom[j]!;
    fillsFrom[j] = 0;
    bits += (counts[j]! + fills) * (sl - zeros[j]! + idBits);
  }
  fillsFrom[subs] = 0;
  return bits;
}
/** Fill counts as differences: sub-chunk j has the sum of entries 0 … j. */
const fillsFrom = new Int32Array(2 ** MAX_SPLIT + 1);

/** Per chunk: its first position in `f`, and the sub-chunk bits chosen (0 = not split). */
interface Plan {
  k: number;
  bits: number;
  filled: Filled;
  first: Uint32Array;
  split: Uint8Array;
}

/** The chunk layout of index width k: where each chunk's records start, whether to split it, and the total bits. */
function planIndex(pos: number[], leaf: number[], k: number, idBits: number, mode: CompileLimits['v4Split']): Plan {
  const filled = fillChunks(pos, leaf, k, 32);
  const low = 32 - k;
  const chunks = 2 ** k;
  const first = new Uint32Array(chunks + 1);
  const split = new Uint8Array(chunks);
  let i = 0;
  let bits = 32 * (chunks + 1);
  for (let c = 0; c < chunks; c++) {
    first[c] = i;
    const a = i;
    while (i < filled.pos.length && Math.floor(filled.pos[i]! / 2 ** low) === c) i++;
    if (a === i) continue;
    const base = c * 2 ** low;
    const plain = chunkBits(filled, a, i, base, low, 0, idBits, 0);
    let best = mode === 'always' ? Infinity : plain;
    // A split saves at most every key's bits, and costs at least three entries.
    if (mode === 'always' || (mode === 'auto' && plain - (i - a) * idBits > 3 * PLAN_ENTRY_BITS)) {
      for (let s = 1; s <= Math.min(MAX_SPLIT, low); s++) {
        const b = chunkBits(filled, a, i, base, low, s, idBits, PLAN_ENTRY_BITS);
        if (b < best && b + (2 ** s + 1) * (MAX_FIELD_BITS + 1 - PLAN_ENTRY_BITS) < MAX_SPLIT_CHUNK_BITS) {
          best = b;
          split[c] = s;
        }
      }
    }
    if (best === Infinity) best = plain;
    bits += best;
  }
  first[chunks] = i;
  return { k, bits, filled, first, split };
}

/**
 * Encodes flattened IPv4 boundaries (start, packed leaf): codes the leaf ids, picks the index width
 * K4 (within 4 bits of log2(ranges)) and, per chunk, the sub-chunk split that make the table smallest
 * (each extra index bit doubles the index and takes one bit off most keys; a split confines a long
 * prefix's wide keys to its sub-chunk), and writes the index and the bit-packed records.
 */
export function encodeV4(pos: number[], leaf: number[], limits: CompileLimits = FORMAT_LIMITS): EncodedV4 {
  if (pos.length === 0) {
    return {
      indexBits: 0,
      idBits: 1,
      lowBits: 1,
      subEntryBits: 0,
      leaves: new Uint32Array(0),
      index: new Uint32Array(0),
      records: new Uint8Array(0),
      ranges: 0,
      splitChunks: 0,
    };
  }
  const code = codeLeaves(4, leaf, pos.length, limits);
  let best: Plan | undefined;
  // Past log2(ranges) bits the index outgrows what it saves: only widths up to there are tried. Below
  // log2(ranges) − 4 (more than ~16 ranges per chunk on average) each bit saved costs a lookup one more
  // binary-search step, a likely cache miss: at ~350 pairs the smallest table (K4 = 14) classified
  // IPv4 at 0.88–0.94× format 2 (same-process pairs), K4 = 16 at 1.0–1.09×, for 104 KB (0.2 B/prefix).
  const widest = Math.max(V4_INDEX_MIN_BITS, Math.min(V4_INDEX_MAX_BITS, bitsFor(pos.length)));
  const narrowest = Math.max(V4_INDEX_MIN_BITS, widest - SEARCH_BITS);
  for (let k = narrowest; k <= widest; k++) {
    const plan = planIndex(pos, leaf, k, code.idBits, limits.v4Split);
    if (!best || plan.bits < best.bits) best = plan;
  }
  const { index, records, ranges, subEntryBits, splitChunks } = writeRecords(best!, code.idBits, code.idOf, limits);
  return {
    indexBits: best!.k,
    idBits: code.idBits,
    lowBits: code.lowBits,
    subEntryBits,
    leaves: code.leaves,
    index,
    records,
    ranges,
    splitChunks,
  };
}

/** The sub-chunk entry width that holds every split chunk's length (entries included). */
function entryWidth(plan: Plan, idBits: number): number {
  const low = 32 - plan.k;
  let widest = 0;
  for (let c = 0; c < plan.split.length; c++) {
    if (plan.split[c] === 0) continue;
    const body = chunkBits(plan.filled, plan.first[c]!, plan.first[c + 1]!, c * 2 ** low, low, plan.split[c]!, idBits, 0);
    widest = Math.max(widest, (2 ** plan.split[c]! + 1) * (MAX_FIELD_BITS + 1) + body);
  }
  return widest === 0 ? 0 : Math.max(6, 5 + bitsFor(widest + 1));
}

function writeRecords(plan: Plan, idBits: number, idOf: (leaf: number) => number, limits: CompileLimits) {
  const { k, filled, first, split } = plan;
  const low = 32 - k;
  const subEntryBits = entryWidth(plan, idBits);
  const index = new Uint32Array(2 ** k + 1);
  const w = new BitWriter();
  let ranges = 0;
  let splitChunks = 0;
  for (let c = 0; c < split.length; c++) {
    if (w.length >= limits.v4RecordBits) break;
    const s = split[c]!;
    const sl = low - s;
    const base = c * 2 ** low;
    const subs = 2 ** s;
    const rel: number[][] = Array.from({ length: subs }, () => []);
    const ids: number[][] = Array.from({ length: subs }, () => []);
    forEachRecord(filled, first[c]!, first[c + 1]!, base, low, s, (r, i) => {
      const j = Math.floor(r / 2 ** sl);
      rel[j]!.push(r % 2 ** sl);
      ids[j]!.push(idOf(filled.leaf[i]!));
    });
    const widths = rel.map((keys) => sl - keys.reduce((z, key) => (key === 0 ? z : Math.min(z, ctz(key))), sl));
    const start = w.length;
    if (s > 0) {
      splitChunks++;
      index[c] = start * 32 + V4_SPLIT_BASE + s;
      let at = (subs + 1) * subEntryBits;
      for (let j = 0; j < subs; j++) {
        w.write(at * 32 + widths[j]!, subEntryBits);
        at += rel[j]!.length * (widths[j]! + idBits);
      }
      w.write(at * 32, subEntryBits);
    } else {
      index[c] = start * 32 + widths[0]!;
    }
    for (let j = 0; j < subs; j++) {
      const shift = sl - widths[j]!;
      rel[j]!.forEach((key, n) => {
        w.write(key / 2 ** shift, widths[j]!);
        w.write(ids[j]![n]!, idBits);
      });
      ranges += rel[j]!.length;
    }
  }
  if (w.length >= limits.v4RecordBits) {
    throw new TableCompileError('too-large', [
      `expected at most ${limits.v4RecordBits} bits of IPv4 records (2^27: about 5 million ranges), got more`,
    ]);
  }
  index[split.length] = w.length * 32;
  return { index, records: w.finish(BIT_PAD), ranges, subEntryBits, splitChunks };
}

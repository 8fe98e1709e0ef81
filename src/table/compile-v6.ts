import { BitWriter, bitsFor } from './bits.ts';
import { FORMAT_LIMITS, type CompileLimits, type Parsed } from './compile-entries.ts';
import { codeLeaves } from './compile-leaves.ts';
import { fillChunks, flatten, leafBits, type Span } from './flatten.ts';
import { BIT_PAD, LEAF_DESCEND, LEAF_MATCH, LEAF_NONE, packLeaf, V6_INDEX_MAX_BITS } from './format.ts';

/** The IPv6 sections and header fields. */
export interface EncodedV6 {
  indexBits: number;
  idBits: number;
  /** L6: the id bits that index the leaves. */
  lowBits: number;
  leaves: Uint32Array;
  index: Uint32Array;
  blockKeys: Uint32Array;
  blockOffsets: Uint32Array;
  keys: Uint32Array;
  ids: Uint8Array;
  longKeys: Uint32Array;
  longIds: Uint32Array;
  ranges: number;
}

const big = (hi: number, lo: number) => (BigInt(hi) << 32n) | BigInt(lo);

/**
 * Flattens the IPv6 prefixes in two levels: ranges over the top 64 bits, where a /64 holding longer
 * prefixes becomes one `descend` range, and those /64s' own ranges over the full 128 bits.
 */
function flattenV6(v6: readonly Parsed[], valueId: (key: number) => number) {
  const shortSpans: Span<bigint>[] = [];
  const longByBlock = new Map<bigint, Parsed[]>();
  for (const p of v6) {
    const hi = big(p.w0, p.w1);
    if (p.bits <= 64) {
      const size = 1n << BigInt(64 - p.bits);
      shortSpans.push({ start: hi, end: hi + size, leaf: packLeaf(p.bits, LEAF_MATCH, valueId(p.valueKey)), depth: 0 });
    } else {
      let list = longByBlock.get(hi);
      if (!list) longByBlock.set(hi, (list = []));
      list.push(p);
    }
  }
  const shortOnly = flatten(shortSpans.slice());
  const blocks = [...longByBlock.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const descend = packLeaf(64, LEAF_DESCEND, 0);
  for (const hi of blocks) shortSpans.push({ start: hi, end: hi + 1n, leaf: descend, depth: 1 });
  const levelA = flatten(shortSpans);
  const longPos: Array<[bigint, bigint]> = [];
  const longLeaf: number[] = [];
  const none = packLeaf(0, LEAF_NONE, 0);
  for (const hi of blocks) {
    const bg = matchAt(shortOnly.pos, shortOnly.leaf, hi) ?? none;
    const spans: Span<bigint>[] = [{ start: 0n, end: 1n << 64n, leaf: bg, depth: 0 }];
    for (const p of longByBlock.get(hi)!) {
      const lo = big(p.w2, p.w3);
      spans.push({ start: lo, end: lo + (1n << BigInt(128 - p.bits)), leaf: packLeaf(p.bits, LEAF_MATCH, valueId(p.valueKey)), depth: 1 });
    }
    const f = flatten(spans);
    f.pos.forEach((lo, i) => {
      longPos.push([hi, lo]);
      longLeaf.push(f.leaf[i]!);
    });
  }
  return { levelA, longPos, longLeaf };
}

/**
 * Encodes the IPv6 prefixes: ranges grouped in /32 blocks (block keys hold bits 0–31 once, range keys
 * bits 32–63), leaf ids bit-packed, and an index over the blocks' top K6 bits sized to the number of
 * blocks (about four blocks per index entry).
 */
export function encodeV6(v6: readonly Parsed[], valueId: (key: number) => number, limits: CompileLimits = FORMAT_LIMITS): EncodedV6 {
  const { levelA, longPos, longLeaf } = flattenV6(v6, valueId);
  const blockCount = new Set(levelA.pos.map((p) => p >> 32n)).size;
  const indexBits = blockCount === 0 ? 0 : Math.min(V6_INDEX_MAX_BITS, Math.max(0, bitsFor(blockCount) - 2));
  const filled = fillChunks(levelA.pos, levelA.leaf, indexBits, 64);
  const code = codeLeaves(6, [...filled.leaf, ...longLeaf], filled.pos.length, limits);
  const { idBits, idOf } = code;

  const r6 = filled.pos.length;
  const blockKeys: number[] = [];
  const blockOffsets: number[] = [];
  const keys = new Uint32Array(r6);
  const ids = new BitWriter();
  filled.pos.forEach((p, i) => {
    const hi = Number(p >> 32n);
    if (blockKeys[blockKeys.length - 1] !== hi) {
      blockKeys.push(hi);
      blockOffsets.push(i);
    }
    keys[i] = Number(p & 0xffffffffn);
    ids.write(idOf(filled.leaf[i]!), idBits);
  });
  if (r6 > 0) blockOffsets.push(r6);
  const index = new Uint32Array(r6 > 0 ? 2 ** indexBits + 1 : 0);
  for (const k of blockKeys) index[(indexBits === 0 ? 0 : k >>> (32 - indexBits)) + 1]!++;
  for (let c = 1; c < index.length; c++) index[c]! += index[c - 1]!;
  const longKeys = new Uint32Array(longPos.length * 4);
  const longIds = new Uint32Array(longPos.length);
  longPos.forEach(([hi, lo], i) => {
    longKeys.set([Number(hi >> 32n), Number(hi & 0xffffffffn), Number(lo >> 32n), Number(lo & 0xffffffffn)], 4 * i);
    longIds[i] = idOf(longLeaf[i]!);
  });
  return {
    indexBits,
    idBits,
    lowBits: code.lowBits,
    leaves: code.leaves,
    index,
    blockKeys: Uint32Array.from(blockKeys),
    blockOffsets: Uint32Array.from(blockOffsets),
    keys,
    ids: r6 > 0 ? ids.finish(BIT_PAD) : new Uint8Array(0),
    longKeys,
    longIds,
    ranges: r6,
  };
}

/** The leaf matching `x` in flattened boundaries (binary search + prefix extent check), or undefined. */
function matchAt(pos: bigint[], leaf: number[], x: bigint): number | undefined {
  let lo = 0;
  let hi = pos.length;
  while (lo < hi) {
    const m = (lo + hi) >>> 1;
    if (pos[m]! <= x) lo = m + 1;
    else hi = m;
  }
  if (lo === 0) return undefined;
  const p = pos[lo - 1]!;
  const hostBits = BigInt(64 - leafBits(leaf[lo - 1]!));
  return p >> hostBits === x >> hostBits ? leaf[lo - 1] : undefined;
}

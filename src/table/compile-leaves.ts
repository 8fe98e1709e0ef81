import { bitsFor } from './bits.ts';
import { TableCompileError, type CompileLimits } from './compile-entries.ts';

/** How a family's leaf ids are coded: the leaves section, the id width W and the low bits L that index it. */
export interface LeafCoding {
  leaves: Uint32Array;
  /** W: bits of an id. */
  idBits: number;
  /** L: the id's bits that index `leaves` (L = W: dictionary mode). */
  lowBits: number;
  /** The id of a packed leaf. */
  idOf(leaf: number): number;
}

/** The value index of a packed leaf sits at bit 10. */
const VALUE_SHIFT = 10;
const LENGTH_AND_TYPE = (1 << VALUE_SHIFT) - 1;

/**
 * Picks the smaller of two codings of a family's leaf ids for `ranges` ranges:
 * - dictionary: every distinct (length, type, value) leaf stored once, ids at ⌈log2(leaves)⌉ bits;
 *   best with few values (~350 pairs: 9-bit ids, a 27 KB dictionary at routing scale);
 * - direct: one leaf per (length, type), the value index in the id's upper bits; best with many
 *   values (~30k pairs: a 113k-leaf, 453 KB dictionary saved 4 bits on each of 560k ranges).
 * `limits.leafMode` forces one (tests).
 */
export function codeLeaves(family: 4 | 6, leafs: Iterable<number>, ranges: number, limits: CompileLimits): LeafCoding {
  const all = new Set<number>();
  const shapes = new Set<number>();
  let maxValue = 0;
  for (const leaf of leafs) {
    all.add(leaf);
    shapes.add(leaf & LENGTH_AND_TYPE);
    maxValue = Math.max(maxValue, leaf >>> VALUE_SHIFT);
  }
  const dict = [...all].sort((a, b) => a - b);
  const shapeList = [...shapes].sort((a, b) => a - b);
  const dictBits = bitsFor(dict.length);
  const shapeBits = bitsFor(shapeList.length);
  const directBits = shapeBits + bitsFor(maxValue + 1);
  const dictCost = dictBits <= limits.leafIdBits ? 32 * dict.length + ranges * dictBits : Infinity;
  const directCost = directBits <= limits.leafIdBits ? 32 * shapeList.length + ranges * directBits : Infinity;
  const mode = limits.leafMode === 'auto' ? (directCost < dictCost ? 'direct' : 'dictionary') : limits.leafMode;
  if ((mode === 'direct' ? directCost : dictCost) === Infinity) {
    throw new TableCompileError('too-many-leaves', [
      `expected at most 2^${limits.leafIdBits} distinct IPv${family} (prefix length, kind, users) leaves, got ${dict.length}` +
        ` (or (length, type) shapes and values that fit ${limits.leafIdBits} bits together, got ${directBits} bits)`,
    ]);
  }
  if (mode === 'dictionary') {
    const ids = new Map(dict.map((k, i) => [k, i]));
    return { leaves: Uint32Array.from(dict), idBits: dictBits, lowBits: dictBits, idOf: (leaf) => ids.get(leaf)! };
  }
  const ids = new Map(shapeList.map((k, i) => [k, i]));
  return {
    leaves: Uint32Array.from(shapeList),
    idBits: directBits,
    lowBits: shapeBits,
    idOf: (leaf) => ids.get(leaf & LENGTH_AND_TYPE)! + (leaf >>> VALUE_SHIFT) * 2 ** shapeBits,
  };
}

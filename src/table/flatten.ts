/**
 * Flattening nested prefixes into disjoint ranges (compile time only).
 *
 * Positions are numbers (IPv4) or bigints (IPv6); the comparisons below work on both at run time,
 * hence the casts.
 */
export type Pos = number | bigint;

/** A prefix as the half-open interval [start, end) with its leaf; `depth` breaks ties between equal intervals (higher wins). */
export interface Span<P extends Pos> {
  start: P;
  end: P;
  leaf: number;
  depth: number;
}

/** Sorted boundaries: from `pos[i]` on, the longest match is `leaf[i]` (until the next boundary or the prefix ends). */
export interface Boundaries<P extends Pos> {
  pos: P[];
  leaf: number[];
}

const lt = (a: Pos, b: Pos) => (a as number) < (b as number);

/**
 * Sweeps the spans (properly nested or disjoint, as CIDR prefixes are) in address order with a stack
 * of enclosing prefixes, emitting a boundary wherever the innermost prefix starts or an enclosing one
 * resumes. Where the match becomes "none" nothing is emitted: the reader detects that from the prefix
 * length stored in the leaf.
 */
export function flatten<P extends Pos>(spans: Span<P>[]): Boundaries<P> {
  spans.sort((a, b) =>
    lt(a.start, b.start) ? -1 : lt(b.start, a.start) ? 1 : lt(b.end, a.end) ? -1 : lt(a.end, b.end) ? 1 : a.depth - b.depth,
  );
  const pos: P[] = [];
  const leaf: number[] = [];
  const stack: Span<P>[] = [];
  const emit = (p: P, l: number) => {
    const n = pos.length;
    if (n > 0 && pos[n - 1] === p) leaf[n - 1] = l;
    else {
      pos.push(p);
      leaf.push(l);
    }
  };
  const closeUntil = (limit: P | undefined) => {
    while (stack.length > 0 && (limit === undefined || !lt(limit, stack[stack.length - 1]!.end))) {
      const e = stack.pop()!.end;
      const top = stack[stack.length - 1];
      if (top && lt(e, top.end)) emit(e, top.leaf);
    }
  };
  for (const s of spans) {
    closeUntil(s.start);
    emit(s.start, s.leaf);
    stack.push(s);
  }
  closeUntil(undefined);
  return { pos, leaf };
}

/**
 * {@link flatten} for IPv4 intervals given as parallel arrays already sorted by start, then by end
 * descending (outer prefix first): no per-prefix objects, which matters at 500k prefixes.
 */
export function flattenSorted(starts: number[], ends: number[], leafs: number[]): Boundaries<number> {
  const pos: number[] = [];
  const leaf: number[] = [];
  const stack: number[] = []; // indices of enclosing intervals
  const emit = (p: number, l: number) => {
    const n = pos.length;
    if (n > 0 && pos[n - 1] === p) leaf[n - 1] = l;
    else {
      pos.push(p);
      leaf.push(l);
    }
  };
  const closeUntil = (limit: number) => {
    while (stack.length > 0 && ends[stack[stack.length - 1]!]! <= limit) {
      const e = ends[stack.pop()!]!;
      const top = stack[stack.length - 1];
      if (top !== undefined && e < ends[top]!) emit(e, leafs[top]!);
    }
  };
  for (let i = 0; i < starts.length; i++) {
    closeUntil(starts[i]!);
    emit(starts[i]!, leafs[i]!);
    stack.push(i);
  }
  closeUntil(Infinity);
  return { pos, leaf };
}

/** Bits of the prefix length in a leaf key. */
export const leafBits = (k: number): number => k & 255;

/**
 * Adds a boundary at the start of every index chunk that begins inside a prefix, so the reader never
 * has to look before its chunk. `width` is the key width in bits (32 or 64), `chunkBits` the index bits.
 */
export function fillChunks<P extends number | bigint>(
  pos: P[],
  leaf: number[],
  chunkBits: number,
  width: number,
): { pos: P[]; leaf: number[] } {
  const isBig = width === 64;
  const outPos: P[] = [];
  const outLeaf: number[] = [];
  for (let i = 0; i < pos.length; i++) {
    outPos.push(pos[i]!);
    outLeaf.push(leaf[i]!);
    const bits = leafBits(leaf[i]!);
    if (bits >= chunkBits) continue; // a prefix this long cannot cross a chunk border
    if (isBig) {
      const p = pos[i] as bigint;
      const hostBits = BigInt(width - bits);
      const end = ((p >> hostBits) << hostBits) + (1n << hostBits);
      const next = (pos[i + 1] as bigint | undefined) ?? 1n << 64n;
      const stop = end < next ? end : next;
      const step = 1n << BigInt(width - chunkBits);
      for (let c = ((p >> BigInt(width - chunkBits)) + 1n) * step; c < stop; c += step) {
        outPos.push(c as P);
        outLeaf.push(leaf[i]!);
      }
    } else {
      const p = pos[i] as number;
      const size = 2 ** (width - bits);
      const end = Math.floor(p / size) * size + size;
      const next = (pos[i + 1] as number | undefined) ?? 2 ** 32;
      const stop = Math.min(end, next);
      const step = 2 ** (width - chunkBits);
      for (let c = (Math.floor(p / step) + 1) * step; c < stop; c += step) {
        outPos.push(c as P);
        outLeaf.push(leaf[i]!);
      }
    }
  }
  return { pos: outPos, leaf: outLeaf };
}

import { readBits } from './bits.ts';
import type { MultiUserMatch } from './types.ts';
import type { TableViews } from './views.ts';

/**
 * Calls `fn(start)` with the start address of every IPv4 record, in order. Each record bit is visited
 * at most once whatever the index says, so this takes time proportional to the table on any bytes.
 */
export function forEachV4Start(v: TableViews, fn: (start: number) => void): void {
  const index = v.v4Index;
  const low = 32 - v.layout.v4IndexBits;
  const w = v.layout.v4IdBits;
  let end = 0;
  for (let c = 0; c + 1 < index.length; c++) {
    const kw = index[c]! & 31;
    const p0 = Math.max(end, index[c]! >>> 5);
    const p1 = Math.min(v.v4Bits, index[c + 1]! >>> 5);
    if (kw > low) continue;
    for (let p = p0; p + kw + w <= p1; p += kw + w) fn(((c << low) | (readBits(v.v4Records, p, kw) << (low - kw))) >>> 0);
    end = Math.max(end, p1);
  }
}

/**
 * The matches at every range start (IPv4, then IPv6 blocks, then the long section), each prefix once:
 * what `MultiUserTable.entries()` yields. Loops are clamped to the sections, so corrupt offsets cannot
 * make this quadratic or endless.
 */
export function* walkEntries(
  v: TableViews,
  lookupV4: (n: number) => MultiUserMatch | undefined,
  lookupV6: (w: Uint32Array) => MultiUserMatch | undefined,
): Generator<MultiUserMatch> {
  const seen = new Set<string>();
  const out: MultiUserMatch[] = [];
  const emit = (m: MultiUserMatch | undefined) => {
    if (m && !seen.has(m.prefix)) {
      seen.add(m.prefix);
      out.push(m);
    }
  };
  forEachV4Start(v, (start) => emit(lookupV4(start)));
  yield* out.splice(0);
  const b6 = v.v6BlockKeys;
  const offsets = v.v6BlockOffsets;
  const w = new Uint32Array(4);
  let from = 0;
  for (let b = 0; b < b6.length; b++) {
    // Clamped to what the previous block left: corrupt offsets cannot make this quadratic.
    const to = Math.min(offsets[b + 1]!, v.v6Keys.length);
    for (let i = Math.max(from, offsets[b]!); i < to; i++) {
      w[0] = b6[b]!;
      w[1] = v.v6Keys[i]!;
      w[2] = w[3] = 0;
      emit(lookupV6(w));
    }
    from = Math.max(from, to);
    yield* out.splice(0);
  }
  const lk = v.v6LongKeys;
  for (let i = 0; i < v.v6LongIds.length; i++) {
    w.set(lk.subarray(4 * i, 4 * i + 4));
    emit(lookupV6(w));
  }
  yield* out.splice(0);
}

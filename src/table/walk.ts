import { readBits } from './bits.ts';
import type { MultiUserMatch } from './types.ts';
import { V4_SPLIT_BASE } from './format.ts';
import type { TableViews } from './views.ts';

/**
 * Calls `fn(start)` with the start address of every IPv4 record, in order. Each record bit is visited
 * at most once whatever the index says (a split chunk's entries must lie inside its own records, and
 * sub-chunks are clamped to what the previous left), so this takes time proportional to the table on
 * any bytes.
 */
export function forEachV4Start(v: TableViews, fn: (start: number) => void): void {
  const index = v.v4Index;
  const r = v.v4Records;
  const low = 32 - v.layout.v4IndexBits;
  const w = v.layout.v4IdBits;
  const e = v.layout.v4SubEntryBits;
  let end = 0;
  /** The records of one (sub-)chunk: keys of `kw` bits below `sl` address bits, from bit p0 to p1. */
  const records = (prefix: number, sl: number, kw: number, p0: number, p1: number) => {
    if (kw > sl) return;
    for (let p = p0; p + kw + w <= p1; p += kw + w) fn((prefix | (readBits(r, p, kw) << (sl - kw))) >>> 0);
  };
  for (let c = 0; c + 1 < index.length; c++) {
    const kw = index[c]! & 31;
    const q0 = index[c]! >>> 5;
    const p1 = Math.min(v.v4Bits, index[c + 1]! >>> 5);
    if (kw <= V4_SPLIT_BASE) records(c << low, low, kw, Math.max(end, q0), p1);
    else {
      const s = kw - V4_SPLIT_BASE;
      const sl = low - s;
      let cursor = q0 + (2 ** s + 1) * e;
      // Entries overlapping an earlier chunk or past this one's end are not read: each bit once.
      if (e === 0 || q0 < end || cursor > p1 || sl < 0) continue;
      for (let j = 0; j < 2 ** s; j++) {
        const x = readBits(r, q0 + j * e, e);
        const to = Math.min(p1, q0 + (readBits(r, q0 + (j + 1) * e, e) >>> 5));
        records((c << low) | (j << sl), sl, x & 31, Math.max(cursor, q0 + (x >>> 5)), to);
        cursor = Math.max(cursor, to);
      }
    }
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

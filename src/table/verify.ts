import { readBits } from './bits.ts';
import { LEAF_DESCEND, LEAF_MATCH, TableFormatError } from './format.ts';
import { MULTI_USER_KINDS } from './types.ts';
import type { TableViews } from './views.ts';

const fail = (code: 'bad-leaf' | 'bad-index', message: string): never => {
  throw new TableFormatError(code, message);
};

/**
 * The per-range checks behind `MultiUserTable.verify()` (after the checksum): leaves, IPv4 index and
 * records (offsets in order and whole records, key widths, keys ascending, leaf ids in range), IPv6
 * index, blocks, keys and leaf ids. Throws {@link TableFormatError} on the first problem.
 */
export function verifyViews(v: TableViews): void {
  const values = v.values.length / 2;
  for (let i = 0; i < values; i++) {
    const word = v.values[2 * i]!;
    if (MULTI_USER_KINDS[word & 255] === undefined || word >>> 8 !== 0) {
      throw new TableFormatError('bad-value', `value ${i}: unknown kind ${word & 255} or nonzero padding`);
    }
  }
  checkLeaves(4, v.v4Leaves, values);
  checkLeaves(6, v.v6Leaves, values);
  verifyV4(v);
  verifyV6(v);
}

function checkLeaves(family: 4 | 6, leaves: Uint32Array, values: number): void {
  for (let i = 0; i < leaves.length; i++) {
    const leaf = leaves[i]!;
    const bits = leaf & 255;
    const type = (leaf >>> 8) & 3;
    const okType = family === 4 ? type === LEAF_MATCH : type <= LEAF_DESCEND;
    if (bits > (family === 4 ? 32 : 128) || !okType || (type === LEAF_MATCH && leaf >>> 10 >= values)) {
      fail('bad-leaf', `IPv${family} leaf ${i}: length ${bits}, type ${type}, value ${leaf >>> 10} out of range`);
    }
  }
}

function verifyV4(v: TableViews): void {
  const index = v.v4Index;
  if (index.length === 0) return;
  const low = 32 - v.layout.v4IndexBits;
  const w = v.layout.v4IdBits;
  if (index[0]! >>> 5 !== 0) fail('bad-index', 'IPv4 index: the first chunk does not start at bit 0');
  for (let c = 0; c + 1 < index.length; c++) {
    const kw = index[c]! & 31;
    const p0 = index[c]! >>> 5;
    const p1 = index[c + 1]! >>> 5;
    if (kw > low || p1 < p0 || p1 > v.v4Bits || (p1 - p0) % (kw + w) !== 0) {
      fail('bad-index', `IPv4 index entry ${c}: offset ${p0}–${p1}, key width ${kw} do not describe whole records`);
    }
    let last = -1;
    for (let p = p0; p < p1; p += kw + w) {
      const key = readBits(v.v4Records, p, kw);
      if (key <= last) fail('bad-index', `IPv4 chunk ${c}: keys out of order at bit ${p}`);
      last = key;
      if (readBits(v.v4Records, p + kw, w) >= v.v4Leaves.length) fail('bad-leaf', `IPv4 chunk ${c}: leaf id out of range at bit ${p}`);
    }
  }
  if (index[index.length - 1]! & 31) fail('bad-index', 'IPv4 index: the end entry has a key width');
}

function verifyV6(v: TableViews): void {
  const ascending = (what: string, a: Uint32Array, from = 0, to = a.length) => {
    for (let i = from + 1; i < to; i++) if (a[i]! < a[i - 1]!) fail('bad-index', `${what}: entry ${i} decreases`);
  };
  ascending('IPv6 index', v.v6Index);
  ascending('IPv6 block offsets', v.v6BlockOffsets);
  const bk = v.v6BlockKeys;
  for (let b = 1; b < bk.length; b++) if (bk[b]! <= bk[b - 1]!) fail('bad-index', `IPv6 block ${b}: keys out of order`);
  for (let b = 0; b + 1 < v.v6BlockOffsets.length; b++) {
    const [from, to] = [v.v6BlockOffsets[b]!, v.v6BlockOffsets[b + 1]!];
    if (to === from) fail('bad-index', `IPv6 block ${b}: empty`);
    for (let i = from + 1; i < to; i++) if (v.v6Keys[i]! <= v.v6Keys[i - 1]!) fail('bad-index', `IPv6 range ${i}: keys out of order`);
  }
  const w = v.layout.v6IdBits;
  for (let i = 0; i < v.v6Keys.length; i++) {
    if (readBits(v.v6Ids, i * w, w) >= v.v6Leaves.length) fail('bad-leaf', `IPv6 range ${i}: leaf id out of range`);
  }
  for (let i = 0; i < v.v6LongIds.length; i++) {
    if (v.v6LongIds[i]! >= v.v6Leaves.length) fail('bad-leaf', `IPv6 long range ${i}: leaf id out of range`);
  }
}

import { LOW, readBits } from './bits.ts';
import { LEAF_DESCEND, LEAF_MATCH, TableFormatError, V4_SPLIT_BASE } from './format.ts';
import { MULTI_USER_KINDS } from './types.ts';
import { readValue, type TableViews } from './views.ts';

const fail = (code: 'bad-leaf' | 'bad-index', message: string): never => {
  throw new TableFormatError(code, message);
};

/**
 * The per-range checks behind `MultiUserTable.verify()` (after the checksum): leaves, IPv4 index and
 * records (offsets in order and whole records, key widths, keys ascending, leaf ids in range), IPv6
 * index, blocks, keys and leaf ids. Throws {@link TableFormatError} on the first problem.
 */
export function verifyViews(v: TableViews): void {
  const values = v.layout.values;
  for (let i = 0; i < values; i++) {
    const kind = readValue(v.values, v.layout.usersBits, i).kind;
    if (MULTI_USER_KINDS[kind] === undefined) throw new TableFormatError('bad-value', `value ${i}: unknown kind ${kind}`);
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

/** What is wrong with a leaf id (its low bits must name a leaf; a match leaf plus the upper bits, a value), or undefined. */
function idProblem(id: number, lowBits: number, leaves: Uint32Array, values: number): string | undefined {
  const leaf = leaves[id & LOW[lowBits]!];
  if (leaf === undefined) return 'leaf id out of range';
  const type = (leaf >>> 8) & 3;
  if (type === LEAF_MATCH) return (leaf >>> 10) + (id >>> lowBits) >= values ? 'value index out of range' : undefined;
  return id >>> lowBits !== 0 ? 'a value on a leaf that is not a match' : undefined;
}

/** Fails with `bad-leaf` at `where` when the id has a problem (the message is built only then). */
function checkId(id: number, lowBits: number, leaves: Uint32Array, values: number, where: string, at: number): void {
  const problem = idProblem(id, lowBits, leaves, values);
  if (problem !== undefined) fail('bad-leaf', `${where} ${at}: ${problem}`);
}

/** A chunk (and sub-chunk, unless j < 0) for messages. */
const chunkName = (c: number, j: number) => (j < 0 ? `IPv4 chunk ${c}` : `IPv4 chunk ${c} sub-chunk ${j}`);

function verifyV4(v: TableViews): void {
  const index = v.v4Index;
  if (index.length === 0) return;
  const low = 32 - v.layout.v4IndexBits;
  const { v4IdBits: w, v4LeafBits: lowBits, v4SubEntryBits: e } = v.layout;
  const r = v.v4Records;
  /** One (sub-)chunk's records: whole records, keys ascending, valid leaf ids. */
  // The chunk (and sub-chunk, or -1) is passed as numbers: messages are built only on failure (a
  // string per chunk or record made verify() 3–4× slower than format 2's).
  const records = (c: number, j: number, sl: number, kw: number, p0: number, p1: number) => {
    if (kw > sl || p1 < p0 || p1 > v.v4Bits || (p1 - p0) % (kw + w) !== 0) {
      fail('bad-index', `${chunkName(c, j)}: offset ${p0}–${p1}, key width ${kw} do not describe whole records`);
    }
    let last = -1;
    for (let p = p0; p < p1; p += kw + w) {
      const key = readBits(r, p, kw);
      if (key <= last) fail('bad-index', `${chunkName(c, j)}: keys out of order at bit ${p}`);
      last = key;
      const problem = idProblem(readBits(r, p + kw, w), lowBits, v.v4Leaves, v.layout.values);
      if (problem !== undefined) fail('bad-leaf', `${chunkName(c, j)}, bit ${p}: ${problem}`);
    }
  };
  if (index[0]! >>> 5 !== 0) fail('bad-index', 'IPv4 index: the first chunk does not start at bit 0');
  for (let c = 0; c + 1 < index.length; c++) {
    const kw = index[c]! & 31;
    const p0 = index[c]! >>> 5;
    const p1 = index[c + 1]! >>> 5;
    if (p1 < p0 || p1 > v.v4Bits) fail('bad-index', `IPv4 index entry ${c}: offsets ${p0}–${p1} out of order or past the records`);
    if (kw <= V4_SPLIT_BASE) {
      records(c, -1, low, kw, p0, p1);
      continue;
    }
    const s = kw - V4_SPLIT_BASE;
    const sl = low - s;
    const head = (2 ** s + 1) * e;
    if (e === 0 || p0 + head > p1) fail('bad-index', `IPv4 chunk ${c}: split, but its sub-chunk entries do not fit its records`);
    const rel = (j: number) => readBits(r, p0 + j * e, e) >>> 5;
    if (rel(0) !== head || rel(2 ** s) !== p1 - p0 || (readBits(r, p0 + 2 ** s * e, e) & 31) !== 0) {
      fail('bad-index', `IPv4 chunk ${c}: sub-chunk entries do not run from the entries' end to the chunk's end`);
    }
    for (let j = 0; j < 2 ** s; j++) {
      records(c, j, sl, readBits(r, p0 + j * e, e) & 31, p0 + rel(j), p0 + rel(j + 1));
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
  const { v6IdBits: w, v6LeafBits: lowBits, values } = v.layout;
  for (let i = 0; i < v.v6Keys.length; i++) {
    checkId(readBits(v.v6Ids, i * w, w), lowBits, v.v6Leaves, values, 'IPv6 range', i);
  }
  for (let i = 0; i < v.v6LongIds.length; i++) {
    if (v.v6LongIds[i]! >= 2 ** w) fail('bad-leaf', `IPv6 long range ${i}: leaf id wider than ${w} bits`);
    checkId(v.v6LongIds[i]!, lowBits, v.v6Leaves, values, 'IPv6 long range', i);
  }
}

import { parseIPv4Range, parseIPv6 } from '../ip/index.ts';
import { flatten, flattenSorted, type Span } from './flatten.ts';
import {
  ESCAPED,
  FORMAT_VERSION,
  HEADER_LENGTH,
  LEAF_DESCEND,
  LEAF_MATCH,
  LEAF_NONE,
  MAGIC,
  SECTION_COUNT,
  V4_INDEX_LENGTH,
  V6_INDEX_LENGTH,
  tableChecksum,
} from './format.ts';
import { MULTI_USER_KINDS, type MultiUserKind } from './types.ts';

/**
 * One prefix to compile. A `PrefixEntry` from the prefix-list parser fits; `file` and `line` only
 * serve error messages.
 *
 * @example
 * ```ts
 * const e: TableEntry = { prefix: '198.51.100.0/24', kind: 'cgnat', users: 1200 };
 * ```
 */
export interface TableEntry {
  /** Canonical CIDR text, host bits clear (as the parser produces it). */
  prefix: string;
  kind: MultiUserKind;
  users: number | undefined;
  file?: string;
  line?: number;
}

/** Why compiling failed. */
export type TableCompileErrorCode = 'invalid-entry' | 'conflicting-duplicate' | 'too-many-values' | 'too-many-leaves';

/**
 * Compiling failed. `problems` lists every problem found (each `file:line: what was expected`);
 * `code` is the first problem's kind.
 *
 * @example
 * ```ts
 * try { compileTable(entries); } catch (e) { if (e instanceof TableCompileError) console.error(e.problems.join('\n')); }
 * ```
 */
export class TableCompileError extends Error {
  readonly code: TableCompileErrorCode;
  readonly problems: string[];
  constructor(code: TableCompileErrorCode, problems: string[]) {
    super(`cannot compile the multi-user table:\n${problems.join('\n')}`);
    this.name = 'TableCompileError';
    this.code = code;
    this.problems = problems;
  }
}

/** Counts describing a compiled table. */
export interface CompileStats {
  v4Prefixes: number;
  v6Prefixes: number;
  v4Ranges: number;
  v6Ranges: number;
  v6Blocks: number;
  v6LongRanges: number;
  v4Escapes: number;
  v6Escapes: number;
  values: number;
  v4Leaves: number;
  v6Leaves: number;
  byteLength: number;
}

interface Parsed {
  family: 4 | 6;
  w0: number;
  w1: number;
  w2: number;
  w3: number;
  bits: number;
  /** IPv4 sort key: address × 64 + length. */
  key: number;
  valueKey: number;
  entry: TableEntry;
  index: number;
}

/**
 * Sorts IPv4 entries by (address, length, value) with an LSD radix sort over typed arrays: a
 * comparator sort of 500k objects took most of the build time.
 */
function sortV4(addr: Uint32Array, bits: Uint8Array, vkey: Float64Array, n: number): Uint32Array {
  let idx = new Uint32Array(n);
  let tmp = new Uint32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  const count = new Uint32Array(0x10001);
  const pass = (digit: (i: number) => number, size: number) => {
    count.fill(0, 0, size + 1);
    for (let i = 0; i < n; i++) count[digit(idx[i]!) + 1]!++;
    for (let d = 1; d <= size; d++) count[d]! += count[d - 1]!;
    for (let i = 0; i < n; i++) tmp[count[digit(idx[i]!)]!++] = idx[i]!;
    [idx, tmp] = [tmp, idx];
  };
  pass((i) => bits[i]!, 33);
  pass((i) => addr[i]! & 0xffff, 0x10000);
  pass((i) => addr[i]! >>> 16, 0x10000);
  // Equal (address, length) pairs are rare: order them by value so that the result is input-order independent.
  const same = (a: number, b: number) => addr[a] === addr[b] && bits[a] === bits[b];
  for (let i = 1; i < n; i++) {
    if (!same(idx[i]!, idx[i - 1]!)) continue;
    let j = i;
    while (j < n && same(idx[j]!, idx[i - 1]!)) j++;
    idx.subarray(i - 1, j).sort((x, y) => vkey[x]! - vkey[y]!);
    i = j;
  }
  return idx;
}

/** A decimal prefix length without leading zeros (at most 3 digits), or -1. */
function parseBits(text: string, from: number): number {
  const n = text.length - from;
  if (n < 1 || n > 3) return -1;
  let v = 0;
  for (let i = from; i < text.length; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9 || (i === from && d === 0 && n > 1)) return -1;
    v = v * 10 + d;
  }
  return v;
}

const MAX_USERS = 0xffffffff;
const words = new Uint32Array(4);

function parseEntry(e: TableEntry, index: number): Parsed | string {

  const text = typeof e?.prefix === 'string' ? e.prefix : '';
  const kind = MULTI_USER_KINDS.indexOf(e?.kind);
  if (kind < 0) return `${whereOf(e, index)}: expected kind to be one of ${MULTI_USER_KINDS.join(', ')}, got ${JSON.stringify(e?.kind)}`;
  const users = e.users;
  if (users !== undefined && !(Number.isInteger(users) && users >= 1 && users <= MAX_USERS)) {
    return `${whereOf(e, index)}: expected users to be a positive integer (1 to ${MAX_USERS}) or undefined, got ${JSON.stringify(users)}`;
  }
  const slash = text.indexOf('/');
  const bits = slash < 0 ? -1 : parseBits(text, slash + 1);
  const valueKey = kind * 2 ** 32 + (users ?? 0);
  const v4 = slash < 0 ? -1 : parseIPv4Range(text, 0, slash);
  let p: Parsed | undefined;
  if (v4 >= 0 && bits <= 32) {
    p = { family: 4, w0: 0, w1: 0, w2: 0, w3: v4, bits, key: v4 * 64 + bits, valueKey, entry: e, index };
  } else if (slash > 0 && bits <= 128 && parseIPv6(text.slice(0, slash), words)) {
    p = { family: 6, w0: words[0]!, w1: words[1]!, w2: words[2]!, w3: words[3]!, bits, key: 0, valueKey, entry: e, index };
  }
  if (!p || bits < 0) {
    return `${whereOf(e, index)}: expected a CIDR prefix such as 198.51.100.0/24 or 2001:db8::/32, got ${JSON.stringify(e?.prefix)}`;
  }
  const total = p.family === 4 ? 32 : 128;
  const ws = [p.w0, p.w1, p.w2, p.w3];
  for (let k = 0; k < 4; k++) {
    const keep = p.bits + (128 - total) - 32 * k;
    const mask = keep <= 0 ? 0 : keep >= 32 ? 0xffffffff : (0xffffffff << (32 - keep)) >>> 0;
    if ((ws[k]! & ~mask) !== 0) return `${whereOf(e, index)}: expected a prefix without host bits, got ${JSON.stringify(text)}`;
  }
  if (p.family === 6 && p.w0 === 0 && p.w1 === 0 && p.w2 === 0xffff) {
    return `${whereOf(e, index)}: expected IPv4-mapped prefixes as IPv4 (the parser converts them), got ${JSON.stringify(text)}`;
  }
  return p;
}

/** `file:line` of an entry for messages (`<entries>:N` when it has none). */
function whereOf(e: TableEntry, index: number): string {
  return `${e?.file ?? '<entries>'}:${e?.line ?? index + 1}`;
}

function describe(e: TableEntry): string {
  return `kind=${e.kind} users=${e.users ?? '(empty)'}`;
}

const big = (hi: number, lo: number) => (BigInt(hi) << 32n) | BigInt(lo);
const leafKey = (type: number, bits: number, value: number) => type * 2 ** 24 + bits * 2 ** 16 + value;

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
  const problems: string[] = [];
  let firstCode: TableCompileErrorCode | undefined;
  const problem = (code: TableCompileErrorCode, message: string) => {
    firstCode ??= code;
    problems.push(message);
  };

  // Parse, then sort canonically so that everything after is independent of input order. IPv4
  // entries go to typed columns (not objects): at 500k prefixes, garbage collection of per-entry
  // objects dominated the build time.
  const n = entries.length;
  const addr4 = new Uint32Array(n);
  const bits4 = new Uint8Array(n);
  const vkey4 = new Float64Array(n);
  const from4 = new Uint32Array(n);
  let n4 = 0;
  const parsed6: Parsed[] = [];
  entries.forEach((e, i) => {
    const p = parseEntry(e, i);
    if (typeof p === 'string') problem('invalid-entry', p);
    else if (p.family === 4) {
      addr4[n4] = p.w3;
      bits4[n4] = p.bits;
      vkey4[n4] = p.valueKey;
      from4[n4++] = i;
    } else parsed6.push(p);
  });
  const order4 = sortV4(addr4, bits4, vkey4, n4);
  parsed6.sort((a, b) => a.w0 - b.w0 || a.w1 - b.w1 || a.w2 - b.w2 || a.w3 - b.w3 || a.bits - b.bits || a.valueKey - b.valueKey);

  const conflict = (qi: number, pi: number) => {
    const q = entries[qi]!;
    const p = entries[pi]!;
    const [qw, pw] = [whereOf(q, qi), whereOf(p, pi)];
    const [x, y, xw, yw] = qw.localeCompare(pw, 'en', { numeric: true }) <= 0 ? [q, p, qw, pw] : [p, q, pw, qw];
    problem(
      'conflicting-duplicate',
      `${yw}: expected one set of attributes per prefix: ${y.prefix} is ${describe(y)} here but ${describe(x)} at ${xw}`,
    );
  };
  // Unique IPv4 prefixes, as positions into the columns.
  const u4: number[] = [];
  for (let k = 0; k < n4; k++) {
    const j = order4[k]!;
    const last = u4[u4.length - 1];
    if (last !== undefined && addr4[last] === addr4[j] && bits4[last] === bits4[j]) {
      if (vkey4[last] !== vkey4[j]) conflict(from4[last]!, from4[j]!);
      continue;
    }
    u4.push(j);
  }
  const v6: Parsed[] = [];
  for (const p of parsed6) {
    const q = v6[v6.length - 1];
    if (q && q.w0 === p.w0 && q.w1 === p.w1 && q.w2 === p.w2 && q.w3 === p.w3 && q.bits === p.bits) {
      if (q.valueKey !== p.valueKey) conflict(q.index, p.index);
      continue;
    }
    v6.push(p);
  }

  const valueSet = new Set<number>();
  for (const j of u4) valueSet.add(vkey4[j]!);
  for (const p of v6) valueSet.add(p.valueKey);
  const valueKeys = [...valueSet].sort((a, b) => a - b);
  if (valueKeys.length > 0xffff) {
    problem('too-many-values', `expected at most 65535 distinct (kind, users) pairs, got ${valueKeys.length}`);
  }
  if (firstCode) throw new TableCompileError(firstCode, problems);
  const valueId = new Map(valueKeys.map((k, i) => [k, i]));

  // IPv4: one interval per prefix over [0, 2^32), already in (start, length) order.
  const starts: number[] = [];
  const ends: number[] = [];
  const leafs: number[] = [];
  for (const j of u4) {
    starts.push(addr4[j]!);
    ends.push(addr4[j]! + 2 ** (32 - bits4[j]!));
    leafs.push(leafKey(LEAF_MATCH, bits4[j]!, valueId.get(vkey4[j]!)!));
  }
  const v4b = flattenSorted(starts, ends, leafs);
  const v4Filled = fillChunks(v4b.pos, v4b.leaf, 16, 32);
  const v4 = { length: u4.length };

  // IPv6: level A over the top 64 bits; /64s holding longer prefixes descend to the long section.
  const shortSpans: Span<bigint>[] = [];
  const longByBlock = new Map<bigint, Parsed[]>();
  for (const p of v6) {
    const hi = big(p.w0, p.w1);
    if (p.bits <= 64) {
      const size = 1n << BigInt(64 - p.bits);
      shortSpans.push({ start: hi, end: hi + size, leaf: leafKey(LEAF_MATCH, p.bits, valueId.get(p.valueKey)!), depth: 0 });
    } else {
      let list = longByBlock.get(hi);
      if (!list) longByBlock.set(hi, (list = []));
      list.push(p);
    }
  }
  const shortOnly = flatten(shortSpans.slice());
  const blocks = [...longByBlock.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const descend = leafKey(LEAF_DESCEND, 64, 0);
  for (const hi of blocks) shortSpans.push({ start: hi, end: hi + 1n, leaf: descend, depth: 1 });
  const levelA = flatten(shortSpans);
  const v6Filled = fillChunks(
    levelA.pos,
    levelA.leaf,
12, 64);
  const longPos: Array<[bigint, bigint]> = [];
  const longLeaf: number[] = [];
  const none = leafKey(LEAF_NONE, 0, 0);
  for (const hi of blocks) {
    const bg = matchAt(shortOnly.pos, shortOnly.leaf, hi) ?? none;
    const spans: Span<bigint>[] = [{ start: 0n, end: 1n << 64n, leaf: bg, depth: 0 }];
    for (const p of longByBlock.get(hi)!) {
      const lo = big(p.w2, p.w3);
      spans.push({ start: lo, end: lo + (1n << BigInt(128 - p.bits)), leaf: leafKey(LEAF_MATCH, p.bits, valueId.get(p.valueKey)!), depth: 1 });
    }
    const f = flatten(spans);
    f.pos.forEach((lo, i) => {
      longPos.push([hi, lo]);
      longLeaf.push(f.leaf[i]!);
    });
  }

  // Leaf dictionaries: the most used leaves get one-byte ids.
  const v4Leaves = assignIds(v4Filled.leaf, []);
  const v6Leaves = assignIds(v6Filled.leaf, longLeaf);
  if (v6Leaves.dict.length > 0x10000) {
    throw new TableCompileError('too-many-leaves', [
      `expected at most 65536 distinct IPv6 (prefix length, kind, users) triples, got ${v6Leaves.dict.length}`,
    ]);
  }

  const values = new Uint8Array(valueKeys.length * 8);
  const vdv = new DataView(values.buffer);
  valueKeys.forEach((k, i) => {
    vdv.setUint8(i * 8, Math.floor(k / 2 ** 32));
    vdv.setUint32(i * 8 + 4, k % 2 ** 32, true);
  });
  const leaves = (keys: number[]) => {
    const out = new Uint8Array(keys.length * 4);
    const dv = new DataView(out.buffer);
    keys.forEach((k, i) => {
      dv.setUint8(i * 4, leafBits(k));
      dv.setUint8(i * 4 + 1, Math.floor(k / 2 ** 24));
      dv.setUint16(i * 4 + 2, k % 2 ** 16, true);
    });
    return out;
  };

  const r4 = v4Filled.pos.length;
  const v4Index = new Uint32Array(r4 > 0 ? V4_INDEX_LENGTH : 0);
  const v4Ranges = new Uint8Array(3 * r4);
  v4Filled.pos.forEach((p, i) => {
    v4Ranges[3 * i] = p & 0xff;
    v4Ranges[3 * i + 1] = (p >>> 8) & 0xff;
    v4Ranges[3 * i + 2] = v4Leaves.ids[i]!;
    v4Index[(p >>> 16) + 1]!++;
  });
  for (let c = 1; c < v4Index.length; c++) v4Index[c]! += v4Index[c - 1]!;

  // IPv6 ranges grouped in /32 blocks: block keys hold bits 0–31 once, ranges bits 32–63.
  const r6 = v6Filled.pos.length;
  const blockKeys: number[] = [];
  const blockOffsets: number[] = [];
  const v6Keys = new Uint32Array(r6);
  v6Filled.pos.forEach((p, i) => {
    const hi = Number(p >> 32n);
    if (blockKeys[blockKeys.length - 1] !== hi) {
      blockKeys.push(hi);
      blockOffsets.push(i);
    }
    v6Keys[i] = Number(p & 0xffffffffn);
  });
  if (r6 > 0) blockOffsets.push(r6);
  const v6Index = new Uint32Array(r6 > 0 ? V6_INDEX_LENGTH : 0);
  for (const k of blockKeys) v6Index[(k >>> 20) + 1]!++;
  for (let c = 1; c < v6Index.length; c++) v6Index[c]! += v6Index[c - 1]!;
  const longKeys = new Uint32Array(longPos.length * 4);
  const longIds = new Uint16Array(longPos.length);
  longPos.forEach(([hi, lo], i) => {
    longKeys[4 * i] = Number(hi >> 32n);
    longKeys[4 * i + 1] = Number(hi & 0xffffffffn);
    longKeys[4 * i + 2] = Number(lo >> 32n);
    longKeys[4 * i + 3] = Number(lo & 0xffffffffn);
    longIds[i] = v6Leaves.idOf.get(longLeaf[i]!)!;
  });

  const u8 = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const sections: Uint8Array[] = [
    values,
    leaves(v4Leaves.dict),
    u8(v4Index),
    v4Ranges,
    u8(v4Leaves.escapes),
    leaves(v6Leaves.dict),
    u8(v6Index),
    u8(Uint32Array.from(blockKeys)),
    u8(Uint32Array.from(blockOffsets)),
    u8(v6Keys),
    v6Leaves.ids,
    u8(v6Leaves.escapes),
    u8(longKeys),
    u8(longIds),
  ];
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
  dv.setUint32(8, bytes.length, true);
  dv.setUint32(20, v4.length, true);
  dv.setUint32(24, v6.length, true);
  for (let s = 0; s < SECTION_COUNT; s++) {
    dv.setUint32(32 + 8 * s, offsets[s]!, true);
    dv.setUint32(36 + 8 * s, sections[s]!.length, true);
    bytes.set(sections[s]!, offsets[s]!);
  }
  dv.setUint32(12, tableChecksum(bytes), true);
  return {
    bytes,
    stats: {
      v4Prefixes: v4.length,
      v6Prefixes: v6.length,
      v4Ranges: r4,
      v6Ranges: r6,
      v6Blocks: blockKeys.length,
      v6LongRanges: longPos.length,
      values: valueKeys.length,
      v4Leaves: v4Leaves.dict.length,
      v6Leaves: v6Leaves.dict.length,
      v4Escapes: v4Leaves.escapes.length / 2,
      v6Escapes: v6Leaves.escapes.length / 2,
      byteLength: bytes.length,
    },
  };
}

/**
 * Numbers the leaves: the 255 most used (ties by key) get one-byte ids 0–254 in `ids`; ranges with a
 * rarer leaf get `ESCAPED` and an (index, id) pair in `escapes`. `extra` lists leaves used elsewhere.
 */
function assignIds(rangeLeaves: number[], extra: number[]) {
  const count = new Map<number, number>();
  for (const k of rangeLeaves) count.set(k, (count.get(k) ?? 0) + 1);
  for (const k of extra) if (!count.has(k)) count.set(k, 0);
  const dict = [...count.keys()].sort((a, b) => count.get(b)! - count.get(a)! || a - b);
  const idOf = new Map(dict.map((k, i) => [k, i]));
  const ids = new Uint8Array(rangeLeaves.length);
  const escapes: number[] = [];
  rangeLeaves.forEach((k, i) => {
    const id = idOf.get(k)!;
    if (id < ESCAPED) ids[i] = id;
    else {
      ids[i] = ESCAPED;
      escapes.push(i, id);
    }
  });
  return { dict, idOf, ids, escapes: Uint32Array.from(escapes) };
}

/** Bits of the prefix length in a leaf key. */
const leafBits = (k: number) => Math.floor(k / 2 ** 16) % 256;

/**
 * Adds a boundary at the start of every index chunk that begins inside a prefix, so the reader never
 * has to look before its chunk. `width` is the key width in bits (32 or 64), `chunkBits` the index bits.
 */
function fillChunks<P extends number | bigint>(
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

import { ipv4Mask, parseIPv4Range, parseIPv6 } from '../ip/index.ts';
import { MAX_FIELD_BITS, MAX_VALUES } from './format.ts';
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
export type TableCompileErrorCode = 'invalid-entry' | 'conflicting-duplicate' | 'too-many-values' | 'too-many-leaves' | 'too-large';

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

/** One IPv6 entry after parsing (IPv4 entries go to typed columns). */
export interface Parsed {
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
    if ((ws[k]! & ~ipv4Mask(p.bits + (128 - total) - 32 * k)) !== 0) {
      return `${whereOf(e, index)}: expected a prefix without host bits, got ${JSON.stringify(text)}`;
    }
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

/** The compiler's first phase: valid, canonically ordered, distinct prefixes and their values. */
export interface CheckedEntries {
  /** IPv4 columns (address, length, value key) and the distinct prefixes as positions into them, in (address, length) order. */
  addr4: Uint32Array;
  bits4: Uint8Array;
  vkey4: Float64Array;
  u4: number[];
  /** Distinct IPv6 prefixes in (address, length) order. */
  v6: Parsed[];
  /** Distinct value keys (kind × 2^32 + users), ascending. */
  valueKeys: number[];
}

/**
 * The compiler's size limits. `compileTable` uses the format's ({@link FORMAT_LIMITS}); tests pass
 * small ones to reach the errors without millions of entries.
 */
export interface CompileLimits {
  /** Distinct (kind, users) pairs (a leaf holds a 22-bit value index). */
  values: number;
  /** Bits of a leaf id per family (fields are read 25 bits at a time at most). */
  leafIdBits: number;
  /** Bits of IPv4 records (an index entry holds a record bit offset × 32 in a u32). */
  v4RecordBits: number;
  /** Leaf id coding: the smaller of the two (`auto`), or one forced (tests reach both modes with small inputs). */
  leafMode: 'auto' | 'dictionary' | 'direct';
  /** IPv4 chunk splitting: where it makes the table smaller (`auto`), `never`, or every chunk with ranges (`always`, tests). */
  v4Split: 'auto' | 'never' | 'always';
}

/** The limits of format version 3, and the compiler's own choices. */
export const FORMAT_LIMITS: Readonly<CompileLimits> = {
  values: MAX_VALUES,
  leafIdBits: MAX_FIELD_BITS,
  v4RecordBits: 2 ** 27,
  leafMode: 'auto',
  v4Split: 'auto',
};

/**
 * Parses and checks the entries, sorts them canonically (so everything after is independent of input
 * order), merges identical duplicates and reports conflicting ones. Throws {@link TableCompileError}
 * listing every problem.
 */
export function checkEntries(entries: readonly TableEntry[], maxValues = MAX_VALUES): CheckedEntries {
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
  if (valueKeys.length > maxValues) {
    problem('too-many-values', `expected at most ${maxValues} distinct (kind, users) pairs, got ${valueKeys.length}`);
  }
  if (firstCode) throw new TableCompileError(firstCode, problems);
  return { addr4, bits4, vkey4, u4, v6, valueKeys };
}

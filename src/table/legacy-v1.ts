import { formatIPv6, parseIPv4, parseIPv6 } from '../ip/index.ts';
import {
  ESCAPED,
  LEAF_DESCEND,
  LEAF_MATCH,
  LEAF_NONE,
  Section,
  TableFormatError,
  V4_INDEX_LENGTH,
  V6_INDEX_LENGTH,
  readLayout,
  tableChecksum,
  type Layout,
} from './format.ts';
import { MULTI_USER_KINDS, type MultiUserClassifier, type MultiUserKind, type MultiUserMatch } from './types.ts';

/**
 * What a table says about itself (for health endpoints and logs).
 *
 * @example
 * ```ts
 * const { formatVersion, v4Prefixes, v6Prefixes, byteLength, checksum } = table.info;
 * ```
 */
export interface TableInfo {
  formatVersion: number;
  /** Distinct IPv4 prefixes compiled in. */
  v4Prefixes: number;
  /** Distinct IPv6 prefixes compiled in. */
  v6Prefixes: number;
  /** Ranges stored after flattening (diagnostics). */
  v4Ranges: number;
  v6Ranges: number;
  v6Blocks: number;
  v6LongRanges: number;
  /** Distinct (kind, users) values. */
  values: number;
  byteLength: number;
  /** The CRC-32 stored in the header, as 8 lower-case hex digits. */
  checksum: string;
}

/** Decimal strings of 0–255 and "/0"–"/128": building the answer's prefix from these is several times faster than template literals. */
const OCTET = Array.from({ length: 256 }, (_, i) => String(i));
const SLASH = Array.from({ length: 129 }, (_, i) => `/${i}`);

/**
 * The kind and user estimate of a match, without the prefix: what a rate limiter needs. One frozen
 * object per distinct (kind, users) value in the table, shared by all lookups.
 *
 * @example
 * ```ts
 * const c = table.classify(clientIp); // { kind: 'cgnat', users: 1200 } | undefined
 * ```
 */
export interface MultiUserClass {
  readonly kind: MultiUserKind;
  readonly users: number | undefined;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const scratch = new Uint32Array(4);
const netScratch = new Uint32Array(4);

function mask32(bits: number): number {
  return bits <= 0 ? 0 : bits >= 32 ? 0xffffffff : (0xffffffff << (32 - bits)) >>> 0;
}
/** Network masks by prefix length 0–255 (lengths past 32 act as 32, so a corrupt leaf cannot widen a match). */
const MASK = Uint32Array.from({ length: 256 }, (_, b) => mask32(b));
/** IPv6 mask words: `MASK6[256 * k + bits]` is word k of the mask for a length 0–255. */
const MASK6 = Uint32Array.from({ length: 1024 }, (_, i) => mask32((i & 255) - 32 * (i >>> 8)));

/**
 * The compiled multi-user table: answers "is this client address in a multi-user prefix, which
 * kind, how many users?" by longest-prefix match over IPv4 and IPv6.
 *
 * Opening is zero-copy (typed-array views over the bytes, copied once only if they are not 8-byte
 * aligned) and checks the header, every section bound and the small dictionaries, but not the
 * checksum: call {@link MultiUserTable.verify} once, off the request path.
 *
 * @example
 * ```ts
 * import tableBytes from './generated/multi-user-table.bin'; // an ArrayBuffer
 * const table = MultiUserTable.from(tableBytes);
 * table.verify(); // throws TableFormatError('checksum-mismatch') if a byte flipped
 * table.lookup('198.51.100.7'); // { prefix: '198.51.100.0/24', kind: 'cgnat', users: 1200 } or undefined
 * ```
 */
export class MultiUserTable implements MultiUserClassifier {
  private readonly bytes: Uint8Array;
  private readonly layout: Layout;
  private readonly kinds: MultiUserKind[];
  private readonly users: Array<number | undefined>;
  private readonly v4Index: Uint32Array;
  /** 3 bytes per range: key low byte, key high byte, leaf id. */
  private readonly v4Ranges: Uint8Array;
  private readonly r4: number;
  private readonly v4Escapes: Uint32Array;
  private readonly v4LeafCount: number;
  /** Leaves as views: bytes [4k] prefix length, [4k+1] type; u16 [2k+1] value index. */
  private readonly v4Leaf8: Uint8Array;
  private readonly v4Leaf16: Uint16Array;
  private readonly v6Index: Uint32Array;
  private readonly v6BlockKeys: Uint32Array;
  private readonly v6BlockOffsets: Uint32Array;
  private readonly v6Keys: Uint32Array;
  private readonly v6Ids: Uint8Array;
  private readonly v6Escapes: Uint32Array;
  private readonly v6LongKeys: Uint32Array;
  private readonly v6LongIds: Uint16Array;
  private readonly v6LeafCount: number;
  /** Four mask words per leaf. */
  private readonly v6Leaf8: Uint8Array;
  private readonly v6Leaf16: Uint16Array;
  private readonly valueCount: number;
  private readonly classes: MultiUserClass[];
  private verified = false;

  private constructor(bytes: Uint8Array) {
    this.bytes = bytes;
    const layout = (this.layout = readLayout(bytes));
    const { buffer, byteOffset } = bytes;
    const [vo, vl] = layout.sections[Section.Values]!;
    const valueCount = vl / 8;
    this.kinds = [];
    this.users = [];
    const dv = new DataView(buffer, byteOffset, bytes.byteLength);
    for (let i = 0; i < valueCount; i++) {
      const kind = MULTI_USER_KINDS[dv.getUint8(vo + 8 * i)];
      if (kind === undefined) throw new TableFormatError('bad-value', `value ${i}: unknown kind ${dv.getUint8(vo + 8 * i)}`);
      const users = dv.getUint32(vo + 8 * i + 4, true);
      this.kinds.push(kind);
      this.users.push(users === 0 ? undefined : users);
    }
    this.classes = this.kinds.map((kind, i) => Object.freeze({ kind, users: this.users[i] }));
    const view = <T>(s: Section, Ctor: { new (b: ArrayBufferLike, o: number, n: number): T; BYTES_PER_ELEMENT: number }): T => {
      const [o, l] = layout.sections[s]!;
      return new Ctor(buffer, byteOffset + o, l / Ctor.BYTES_PER_ELEMENT);
    };
    this.valueCount = valueCount;
    this.v4Leaf8 = view(Section.V4Leaves, Uint8Array);
    this.v4Leaf16 = view(Section.V4Leaves, Uint16Array);
    this.v4LeafCount = this.v4Leaf8.length / 4;
    this.v6Leaf8 = view(Section.V6Leaves, Uint8Array);
    this.v6Leaf16 = view(Section.V6Leaves, Uint16Array);
    this.v6LeafCount = this.v6Leaf8.length / 4;
    this.v4Index = view(Section.V4Index, Uint32Array);
    this.v4Ranges = view(Section.V4Ranges, Uint8Array);
    this.r4 = this.v4Ranges.length / 3;
    this.v4Escapes = view(Section.V4Escapes, Uint32Array);
    this.v6Index = view(Section.V6Index, Uint32Array);
    this.v6BlockKeys = view(Section.V6BlockKeys, Uint32Array);
    this.v6BlockOffsets = view(Section.V6BlockOffsets, Uint32Array);
    this.v6Keys = view(Section.V6Keys, Uint32Array);
    this.v6Ids = view(Section.V6Ids, Uint8Array);
    this.v6Escapes = view(Section.V6Escapes, Uint32Array);
    this.v6LongKeys = view(Section.V6LongKeys, Uint32Array);
    this.v6LongIds = view(Section.V6LongIds, Uint16Array);
    const r4 = this.r4;
    const r6 = this.v6Keys.length;
    const b6 = this.v6BlockKeys.length;
    sameCount('IPv6 keys and leaf ids', r6, this.v6Ids.length);
    sameCount('IPv6 long keys and leaf ids', this.v6LongKeys.length / 4, this.v6LongIds.length);
    sameCount('IPv6 block keys and offsets', b6 === 0 ? 0 : b6 + 1, this.v6BlockOffsets.length);
    checkEnds('IPv4 index', this.v4Index, V4_INDEX_LENGTH, r4);
    checkEnds('IPv6 index', this.v6Index, V6_INDEX_LENGTH, b6);
    checkEnds('IPv6 block offsets', this.v6BlockOffsets, b6 + 1, r6);
    // Nothing per entry here: walking the 65k-entry index costs milliseconds in a cold isolate. Lookups
    // bound every search window and clamp leaf lengths and values instead; verify() checks the rest.
  }

  /**
   * Opens a table (zero-copy when `bytes` is 8-byte aligned). Throws {@link TableFormatError} with a
   * `code` when the header or a section bound is wrong; does not check the checksum (see `verify`).
   *
   * @example
   * ```ts
   * const table = MultiUserTable.from(await (await fetch(url)).arrayBuffer());
   * ```
   */
  static from(bytes: Uint8Array | ArrayBuffer): MultiUserTable {
    if (!(bytes instanceof Uint8Array) && !(bytes instanceof ArrayBuffer)) {
      throw new TypeError('MultiUserTable.from: expected a Uint8Array or an ArrayBuffer');
    }
    if (!LITTLE_ENDIAN) throw new TableFormatError('bad-section', 'this reader needs a little-endian platform');
    let u8 = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
    if (u8.byteOffset % 8 !== 0) u8 = u8.slice();
    return new MultiUserTable(u8);
  }

  /**
   * Checks the CRC-32 over the whole table and the per-range structure (leaf ids in range, keys in
   * order). Throws {@link TableFormatError} (`checksum-mismatch`, `bad-leaf`, `bad-index`) on the first
   * problem; returns normally when the table is intact. Costs a few milliseconds per megabyte: run it
   * once per process or isolate, off the request path.
   *
   * @example
   * ```ts
   * table.verify();
   * ```
   */
  verify(): void {
    if (this.verified) return;
    const actual = tableChecksum(this.bytes);
    if (actual !== this.layout.checksum) {
      throw new TableFormatError(
        'checksum-mismatch',
        `checksum mismatch: header says ${hex(this.layout.checksum)}, content gives ${hex(actual)}`,
      );
    }
    checkLeaves(4, this.v4Leaf8, this.v4Leaf16, this.valueCount);
    checkLeaves(6, this.v6Leaf8, this.v6Leaf16, this.valueCount);
    checkMonotone('IPv4 index', this.v4Index);
    checkMonotone('IPv6 index', this.v6Index);
    checkMonotone('IPv6 block offsets', this.v6BlockOffsets);
    const v4r = this.v4Ranges;
    checkIds('IPv4', this.r4, (i) => v4r[3 * i + 2]!, this.v4Escapes, this.v4LeafCount);
    const v6i = this.v6Ids;
    checkIds('IPv6', v6i.length, (i) => v6i[i]!, this.v6Escapes, this.v6LeafCount);
    for (let i = 0; i < this.v6LongIds.length; i++) {
      if (this.v6LongIds[i]! >= this.v6LeafCount) throw new TableFormatError('bad-leaf', `IPv6 long range ${i}: leaf id out of range`);
    }
    const k4 = (i: number) => v4r[3 * i]! | (v4r[3 * i + 1]! << 8);
    checkAscending('IPv4', this.v4Index, (i) => k4(i) > k4(i - 1));
    checkAscending('IPv6', this.v6BlockOffsets, (i) => this.v6Keys[i]! > this.v6Keys[i - 1]!);
    const bk = this.v6BlockKeys;
    for (let b = 1; b < bk.length; b++) {
      if (bk[b]! <= bk[b - 1]!) throw new TableFormatError('bad-index', `IPv6 block ${b}: keys out of order`);
    }
    this.verified = true;
  }

  /**
   * Format version, prefix counts, byte length and stored checksum.
   *
   * @example
   * ```ts
   * c.json({ table: table.info });
   * ```
   */
  get info(): TableInfo {
    return {
      formatVersion: this.layout.version,
      v4Prefixes: this.layout.v4Prefixes,
      v6Prefixes: this.layout.v6Prefixes,
      v4Ranges: this.r4,
      v6Ranges: this.v6Keys.length,
      v6Blocks: this.v6BlockKeys.length,
      v6LongRanges: this.v6LongIds.length,
      values: this.kinds.length,
      byteLength: this.bytes.length,
      checksum: hex(this.layout.checksum),
    };
  }

  /**
   * Longest-prefix match for an address in text form (IPv4 dotted quad, or IPv6; `::ffff:a.b.c.d` is
   * looked up as IPv4). Returns `undefined` for addresses in no prefix and for anything that is not a
   * strict address; never throws.
   *
   * @example
   * ```ts
   * table.lookup('2001:db8:1::5'); // { prefix: '2001:db8::/32', kind: 'vpn', users: undefined }
   * table.lookup('not an ip'); // undefined
   * ```
   */
  lookup(ip: string): MultiUserMatch | undefined {
    const n = parseIPv4(ip);
    if (n >= 0) return this.lookupV4(n);
    const w = scratch;
    if (!parseIPv6(ip, w)) return undefined;
    if (w[0] === 0 && w[1] === 0 && w[2] === 0xffff) return this.lookupV4(w[3]!);
    return this.lookupV6(w);
  }

  /**
   * Numeric fast path: longest-prefix match for an IPv4 address given as an unsigned 32-bit integer
   * (e.g. from `parseIPv4`). Non-integers and values outside 0–2³²−1 give `undefined`.
   *
   * @example
   * ```ts
   * table.lookupV4(0xc6336407); // 198.51.100.7
   * ```
   */
  lookupV4(n: number): MultiUserMatch | undefined {
    const i = this.findV4(n);
    if (i < 0) return undefined;
    const leaf = this.leafV4(i);
    const bits = Math.min(32, this.v4Leaf8[4 * leaf]!);
    const net = (n & MASK[bits]!) >>> 0;
    const v = this.v4Leaf16[2 * leaf + 1]!;
    if (v >= this.valueCount) return undefined;
    return {
      prefix: OCTET[net >>> 24]! + '.' + OCTET[(net >>> 16) & 255]! + '.' + OCTET[(net >>> 8) & 255]! + '.' + OCTET[net & 255]! + SLASH[bits]!,
      kind: this.kinds[v]!,
      users: this.users[v],
    };
  }

  /**
   * Numeric fast path for IPv6: the address as four big-endian 32-bit words (as `parseIPv6` writes
   * them). IPv4-mapped addresses are not redirected here; `lookup` does that.
   *
   * @example
   * ```ts
   * const w = new Uint32Array(4);
   * if (parseIPv6('2001:db8::1', w)) table.lookupV6(w);
   * ```
   */
  lookupV6(words: ArrayLike<number>): MultiUserMatch | undefined {
    const leaf = this.findV6(words[0]! >>> 0, words[1]! >>> 0, words[2]! >>> 0, words[3]! >>> 0);
    if (leaf < 0) return undefined;
    const bits = Math.min(128, this.v6Leaf8[4 * leaf]!);
    const net = netScratch;
    for (let k = 0; k < 4; k++) net[k] = (words[k]! & MASK6[256 * k + bits]!) >>> 0;
    const v = this.v6Leaf16[2 * leaf + 1]!;
    if (v >= this.valueCount) return undefined;
    return { prefix: formatIPv6(net) + SLASH[bits]!, kind: this.kinds[v]!, users: this.users[v] };
  }

  /**
   * Like {@link MultiUserTable.lookup} without the prefix text: returns the shared, frozen
   * `{ kind, users }` of the longest match. Allocation-free; use it on the request path when the
   * prefix is not needed (a rate limiter's allowance depends on kind and users only).
   *
   * @example
   * ```ts
   * const c = table.classify(request.headers.get('cf-connecting-ip') ?? '');
   * const factor = c ? Math.min(10, Math.sqrt(c.users ?? 4)) : 1;
   * ```
   */
  classify(ip: string): MultiUserClass | undefined {
    const n = parseIPv4(ip);
    if (n >= 0) return this.classifyV4(n);
    const w = scratch;
    if (!parseIPv6(ip, w)) return undefined;
    if (w[0] === 0 && w[1] === 0 && w[2] === 0xffff) return this.classifyV4(w[3]!);
    return this.classifyV6(w);
  }

  /**
   * {@link MultiUserTable.classify} for an IPv4 address as an unsigned 32-bit integer.
   *
   * @example
   * ```ts
   * table.classifyV4(parseIPv4('198.51.100.7'))?.kind; // 'cgnat'
   * ```
   */
  classifyV4(n: number): MultiUserClass | undefined {
    const i = this.findV4(n);
    return i < 0 ? undefined : this.classes[this.v4Leaf16[2 * this.leafV4(i) + 1]!];
  }

  /**
   * {@link MultiUserTable.classify} for an IPv6 address as four big-endian words.
   *
   * @example
   * ```ts
   * table.classifyV6(new Uint32Array([0x20010db8, 0, 0, 1]));
   * ```
   */
  classifyV6(words: ArrayLike<number>): MultiUserClass | undefined {
    const leaf = this.findV6(words[0]! >>> 0, words[1]! >>> 0, words[2]! >>> 0, words[3]! >>> 0);
    return leaf < 0 ? undefined : this.classes[this.v6Leaf16[2 * leaf + 1]!];
  }

  /**
   * Every prefix that decides at least one address, with its attributes, in address order (IPv4
   * first). A prefix whose addresses are all covered by more-specific prefixes is not visible. For
   * diffs and exports, not the request path.
   *
   * @example
   * ```ts
   * for (const m of table.entries()) console.log(m.prefix, m.kind, m.users);
   * ```
   */
  *entries(): Generator<MultiUserMatch> {
    const seen = new Set<string>();
    const emit = function* (m: MultiUserMatch | undefined) {
      if (m && !seen.has(m.prefix)) {
        seen.add(m.prefix);
        yield m;
      }
    };
    const i4 = this.v4Index;
    for (let c = 0; c + 1 < i4.length; c++) {
      for (let i = i4[c]!; i < i4[c + 1]!; i++) {
        yield* emit(this.lookupV4(((c << 16) | this.v4Ranges[3 * i]! | (this.v4Ranges[3 * i + 1]! << 8)) >>> 0));
      }
    }
    const b6 = this.v6BlockKeys;
    const w = new Uint32Array(4);
    for (let b = 0; b < b6.length; b++) {
      for (let i = this.v6BlockOffsets[b]!; i < this.v6BlockOffsets[b + 1]!; i++) {
        w[0] = b6[b]!;
        w[1] = this.v6Keys[i]!;
        w[2] = w[3] = 0;
        yield* emit(this.lookupV6(w));
      }
    }
    const lk = this.v6LongKeys;
    for (let i = 0; i < this.v6LongIds.length; i++) {
      w.set(lk.subarray(4 * i, 4 * i + 4));
      yield* emit(this.lookupV6(w));
    }
  }

  /** Range index of the IPv4 match, or -1. */
  private findV4(n: number): number {
    const index = this.v4Index;
    if (index.length === 0 || n >>> 0 !== n) return -1; // also rejects fractions, NaN, negatives
    const c = n >>> 16;
    let lo = index[c]!;
    let hi = index[c + 1]!;
    // A crafted index could point past the ranges or backwards (verify() rejects it): stay in bounds
    // and finite, since lo + hi then never exceeds 2^32.
    if (!(lo <= hi && hi <= this.r4)) return -1;
    const first = lo;
    const k = n & 0xffff;
    const r = this.v4Ranges;
    while (lo < hi) {
      const m = (lo + hi) >>> 1;
      if ((r[3 * m]! | (r[3 * m + 1]! << 8)) <= k) lo = m + 1;
      else hi = m;
    }
    if (lo === first) return -1;
    const i = lo - 1;
    const leaf = this.leafV4(i);
    if (!(leaf >= 0 && leaf < this.v4LeafCount)) return -1;
    // The address is in the range's prefix when both agree on the prefix's bits.
    const start = (c << 16) | r[3 * i]! | (r[3 * i + 1]! << 8);
    if (((n ^ start) & MASK[this.v4Leaf8[4 * leaf]!]!) !== 0) return -1;
    return i;
  }

  private leafV4(i: number): number {
    const id = this.v4Ranges[3 * i + 2]!;
    return id === ESCAPED ? escaped(this.v4Escapes, i) : id;
  }

  private leafV6(i: number): number {
    const id = this.v6Ids[i]!;
    return id === ESCAPED ? escaped(this.v6Escapes, i) : id;
  }

  /** Leaf of the IPv6 match, or -1. */
  private findV6(w0: number, w1: number, w2: number, w3: number): number {
    const index = this.v6Index;
    if (index.length === 0) return -1;
    const c = w0 >>> 20;
    // The /32 block: last block key ≤ w0 within the chunk.
    let lo = index[c]!;
    let hi = index[c + 1]!;
    if (!(lo <= hi && hi <= this.v6BlockKeys.length)) return -1; // crafted index: see findV4
    const firstBlock = lo;
    const bk = this.v6BlockKeys;
    while (lo < hi) {
      const m = (lo + hi) >>> 1;
      if (bk[m]! <= w0) lo = m + 1;
      else hi = m;
    }
    if (lo === firstBlock) return -1;
    let b = lo - 1;
    const offsets = this.v6BlockOffsets;
    let i: number;
    if (bk[b] === w0) {
      // Last range ≤ w1 in the block, else the block before's last range.
      lo = offsets[b]!;
      hi = offsets[b + 1]!;
      if (!(lo <= hi && hi <= this.v6Keys.length)) return -1; // crafted offsets: see findV4
      const keys = this.v6Keys;
      while (lo < hi) {
        const m = (lo + hi) >>> 1;
        if (keys[m]! <= w1) lo = m + 1;
        else hi = m;
      }
      i = lo - 1;
      if (i < offsets[b]!) {
        if (b === firstBlock) return -1;
        b--;
      }
    } else {
      i = offsets[b + 1]! - 1;
    }
    const leaf = this.leafV6(i);
    // Also false for an empty block's i = -1 (undefined) in a crafted table.
    if (!(leaf >= 0 && leaf < this.v6LeafCount)) return -1;
    const kh = bk[b]!;
    const kl = this.v6Keys[i]!;
    const type = this.v6Leaf8[4 * leaf + 1];
    if (type === LEAF_DESCEND) return kh === w0 && kl === w1 ? this.findV6Long(w0, w1, w2, w3) : -1;
    const bits = this.v6Leaf8[4 * leaf]!;
    if (((w0 ^ kh) & MASK6[bits]!) !== 0 || ((w1 ^ kl) & MASK6[256 + bits]!) !== 0) return -1;
    return type === LEAF_NONE ? -1 : leaf;
  }

  private findV6Long(w0: number, w1: number, w2: number, w3: number): number {
    const keys = this.v6LongKeys;
    let lo = 0;
    let hi = this.v6LongIds.length;
    while (lo < hi) {
      const m = (lo + hi) >>> 1;
      const b = 4 * m;
      const a0 = keys[b]!;
      const a1 = keys[b + 1]!;
      const a2 = keys[b + 2]!;
      const le =
        a0 < w0 || (a0 === w0 && (a1 < w1 || (a1 === w1 && (a2 < w2 || (a2 === w2 && keys[b + 3]! <= w3)))));
      if (le) lo = m + 1;
      else hi = m;
    }
    if (lo === 0) return -1;
    const b = 4 * (lo - 1);
    const leaf = this.v6LongIds[lo - 1]!;
    if (!(leaf < this.v6LeafCount) || this.v6Leaf8[4 * leaf + 1] !== LEAF_MATCH) return -1;
    const bits = this.v6Leaf8[4 * leaf]!;
    if (
      ((w0 ^ keys[b]!) & MASK6[bits]!) !== 0 ||
      ((w1 ^ keys[b + 1]!) & MASK6[256 + bits]!) !== 0 ||
      ((w2 ^ keys[b + 2]!) & MASK6[512 + bits]!) !== 0 ||
      ((w3 ^ keys[b + 3]!) & MASK6[768 + bits]!) !== 0
    ) {
      return -1;
    }
    return leaf;
  }
}

function hex(n: number): string {
  return n.toString(16).padStart(8, '0');
}

function checkLeaves(family: 4 | 6, l8: Uint8Array, l16: Uint16Array, valueCount: number): void {
  for (let i = 0; i < l8.length / 4; i++) {
    const bits = l8[4 * i]!;
    const type = l8[4 * i + 1]!;
    const value = l16[2 * i + 1]!;
    const okType = family === 4 ? type === LEAF_MATCH : type <= LEAF_DESCEND;
    if (bits > (family === 4 ? 32 : 128) || !okType || (type === LEAF_MATCH && value >= valueCount)) {
      throw new TableFormatError('bad-leaf', `IPv${family} leaf ${i}: length ${bits}, type ${type}, value ${value} out of range`);
    }
  }
}

/** The leaf id of an escaped range (binary search over the (range, leaf) pairs), or -1. */
function escaped(pairs: Uint32Array, i: number): number {
  let lo = 0;
  let hi = pairs.length >>> 1;
  while (lo < hi) {
    const m = (lo + hi) >>> 1;
    const r = pairs[2 * m]!;
    if (r === i) return pairs[2 * m + 1]!;
    if (r < i) lo = m + 1;
    else hi = m;
  }
  return -1;
}

function sameCount(what: string, a: number, b: number): void {
  if (a !== b) throw new TableFormatError('bad-section', `${what}: counts differ (${a} vs ${b})`);
}

/** An index runs from 0 to the count it indexes (or is empty when that count is zero). */
function checkEnds(what: string, index: Uint32Array, expected: number, total: number): void {
  if (index.length === 0 && total === 0) return;
  if (index.length !== expected || index[0] !== 0 || index[expected - 1] !== total) {
    throw new TableFormatError('bad-index', `${what}: expected ${expected} entries from 0 to ${total}, got ${index.length} entries`);
  }
}

function checkMonotone(what: string, index: Uint32Array): void {
  for (let c = 1; c < index.length; c++) {
    if (index[c]! < index[c - 1]!) throw new TableFormatError('bad-index', `${what}: entry ${c} decreases`);
  }
}

function checkIds(what: string, n: number, idAt: (i: number) => number, escapes: Uint32Array, count: number): void {
  for (let i = 0; i < n; i++) {
    const id = idAt(i) === ESCAPED ? escaped(escapes, i) : idAt(i);
    if (id < 0 || id >= count) throw new TableFormatError('bad-leaf', `${what} range ${i}: leaf id ${id} is not in the ${count} leaves`);
  }
}

/** Keys ascend strictly within each group of an index. */
function checkAscending(what: string, index: Uint32Array, ascending: (i: number) => boolean): void {
  for (let c = 0; c + 1 < index.length; c++) {
    for (let i = index[c]! + 1; i < index[c + 1]!; i++) {
      if (!ascending(i)) throw new TableFormatError('bad-index', `${what} range ${i}: keys out of order`);
    }
  }
}

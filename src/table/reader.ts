import { ipv4PrefixText, ipv6PrefixText } from '../ip/format.ts';
import { ipv4Mask, parseIPv4, parseIPv6 } from '../ip/index.ts';
import { LOW, readBits } from './bits.ts';
import {
  checkHeader,
  HeaderByte,
  HeaderWord,
  KIND_BITS,
  LEAF_DESCEND,
  LEAF_MATCH,
  LEAF_NONE,
  SECTION_NAMES,
  Section,
  TableFormatError,
  tableChecksum,
  V4_SPLIT_BASE,
} from './format.ts';
import { MULTI_USER_KINDS, type MultiUserClassifier, type MultiUserKind, type MultiUserMatch } from './types.ts';
import { verifyViews } from './verify.ts';
import { forEachV4Start, walkEntries } from './walk.ts';
import { openSections, readUsers, readValue, tableViews, v4RecordBits, type SectionViews, type TableViews } from './views.ts';

/**
 * What a table says about itself (for health endpoints, logs and reports).
 *
 * @example
 * ```ts
 * const { formatVersion, v4Prefixes, v6Prefixes, byteLength, checksum, sections } = table.info;
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
  /** Distinct (prefix length, value) leaves per family, and the bits of a leaf id (header W4, W6). */
  v4Leaves: number;
  v6Leaves: number;
  v4IdBits: number;
  v6IdBits: number;
  /** The leaf id bits that index the leaves (header L4, L6): equal to the id bits in dictionary mode, fewer in direct mode. */
  v4LeafBits: number;
  v6LeafBits: number;
  /** IPv4 chunks split in sub-chunks, and the bits of a sub-chunk entry (header E4; 0 when none is split). */
  v4SplitChunks: number;
  v4SubEntryBits: number;
  /** Bits of a value's users field (header U). */
  usersBits: number;
  /** First-level index widths (header K4, K6). */
  v4IndexBits: number;
  v6IndexBits: number;
  byteLength: number;
  /** The CRC-32 stored in the header, as 8 lower-case hex digits. */
  checksum: string;
  /** Every section in directory order: name, byte offset and byte length (padding excluded). */
  sections: Array<{ name: string; offset: number; bytes: number }>;
}

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

/** Up to this many values, their class objects (~32 bytes each) stay in the CPU's caches. */
const FEW_VALUES = 4096;
const PAGE_BITS = 8;
const PAGE = 1 << PAGE_BITS;

/** Every class object comes from this one literal, so all share one hidden class (V8 map). */
const answerClass = (kind: MultiUserKind, users: number | undefined): MultiUserClass => Object.freeze({ kind, users });
/** Every match object comes from this one literal (IPv4 and IPv6 alike), for the same reason. */
const answerMatch = (prefix: string, kind: MultiUserKind, users: number | undefined): MultiUserMatch => ({ prefix, kind, users });
// Widen both maps' `users` field to "any value" now (small integer, then a double, then undefined):
// a widening later, when a lookup first meets such a value, deoptimizes every compiled lookup that
// reads these objects (seen with --trace-deopt: classify at ~350 pairs ran 1.4–1.9× slower for it).
for (const users of [1, 0.5, undefined]) answerMatch('', 'vpn', answerClass('vpn', users).users);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const scratch = new Uint32Array(4);
/** A sub-chunk's key width, first bit and end bit, as `subChunkV4` found them. */
const SUB = new Int32Array(3);
const netScratch = new Uint32Array(4);
/** Network masks by prefix length 0–255 (lengths past 32 act as 32, so a corrupt leaf cannot widen a match). */
const MASK = Uint32Array.from({ length: 256 }, (_, b) => ipv4Mask(b));
/** IPv6 mask words: `MASK6[256 * k + bits]` is word k of the mask for a length 0–255. */
const MASK6 = Uint32Array.from({ length: 1024 }, (_, i) => ipv4Mask((i & 255) - 32 * (i >>> 8)));

/**
 * The compiled multi-user table: answers "is this client address in a multi-user prefix, which
 * kind, how many users?" by longest-prefix match over IPv4 and IPv6.
 *
 * Opening is zero-copy for bytes that start at a multiple of 4 (any `ArrayBuffer`, and a `Uint8Array`
 * or Node `Buffer` view at such an offset); a view at another offset is copied once, since typed-array
 * views need aligned offsets. It checks the header and every section bound, and decodes nothing per
 * value or range (values are decoded on first use); not the checksum: call {@link MultiUserTable.verify}
 * once, off the request path.
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
  /** The header as words (checked), and the section views. */
  private readonly header: Uint32Array;
  private readonly sections: SectionViews;
  /** The sections as one object with the header as a `Layout`, made on first use by `verify`, `info` or `entries`. */
  private views: TableViews | undefined;
  /** Decoded values in pages of {@link PAGE} ids, made on first use (opening decodes none). */
  private readonly classes: Array<Array<MultiUserClass | undefined> | undefined>;
  private readonly values: Uint8Array;
  private readonly usersBits: number;
  private readonly valueCount: number;
  /** At most {@link FEW_VALUES} values: `lookup` reads its answers from the shared class objects. */
  private readonly fewValues: boolean;
  private readonly v4Index: Uint32Array;
  private readonly v4Records: Uint8Array;
  private readonly v4Bits: number;
  private readonly v4Leaves: Uint32Array;
  /** 32 − K4: the address bits below the IPv4 index. */
  private readonly low4: number;
  private readonly w4: number;
  /** L4 and its mask: an id's bits that index the leaves. */
  private readonly l4: number;
  private readonly lowMask4: number;
  /** E4: bits of a split chunk's sub-chunk entry. */
  private readonly e4: number;
  private readonly v6Index: Uint32Array;
  private readonly k6: number;
  private readonly w6: number;
  private readonly l6: number;
  private readonly lowMask6: number;
  private readonly v6BlockKeys: Uint32Array;
  private readonly v6BlockOffsets: Uint32Array;
  private readonly v6Keys: Uint32Array;
  private readonly v6Ids: Uint8Array;
  private readonly v6Leaves: Uint32Array;
  private readonly v6LongKeys: Uint32Array;
  private readonly v6LongIds: Uint32Array;
  private verified = false;
  private v4Ranges: number | undefined;
  private v4Split = 0;

  private constructor(bytes: Uint8Array) {
    const h = checkHeader(bytes);
    const s = openSections(bytes, h);
    this.bytes = bytes;
    this.header = h;
    this.sections = s;
    this.values = s[Section.Values] as Uint8Array;
    this.usersBits = bytes[HeaderByte.UsersBits]!;
    this.valueCount = h[HeaderWord.Values]!;
    this.fewValues = this.valueCount <= FEW_VALUES;
    // One entry per page, not per value: new Array(n) costs ~33 ns per element in V8 (1 ms for 30k values).
    this.classes = new Array(Math.ceil(this.valueCount / PAGE)).fill(undefined);
    this.v4Index = s[Section.V4Index] as Uint32Array;
    this.v4Records = s[Section.V4Records] as Uint8Array;
    this.v4Bits = v4RecordBits(this.v4Records);
    this.v4Leaves = s[Section.V4Leaves] as Uint32Array;
    this.low4 = 32 - bytes[HeaderByte.V4IndexBits]!;
    this.w4 = bytes[HeaderByte.V4IdBits]!;
    this.l4 = bytes[HeaderByte.V4LeafBits]!;
    this.lowMask4 = LOW[this.l4]!;
    this.e4 = bytes[HeaderByte.V4SubEntryBits]!;
    this.v6Index = s[Section.V6Index] as Uint32Array;
    this.k6 = bytes[HeaderByte.V6IndexBits]!;
    this.w6 = bytes[HeaderByte.V6IdBits]!;
    this.l6 = bytes[HeaderByte.V6LeafBits]!;
    this.lowMask6 = LOW[this.l6]!;
    this.v6BlockKeys = s[Section.V6BlockKeys] as Uint32Array;
    this.v6BlockOffsets = s[Section.V6BlockOffsets] as Uint32Array;
    this.v6Keys = s[Section.V6Keys] as Uint32Array;
    this.v6Ids = s[Section.V6Ids] as Uint8Array;
    this.v6Leaves = s[Section.V6Leaves] as Uint32Array;
    this.v6LongKeys = s[Section.V6LongKeys] as Uint32Array;
    this.v6LongIds = s[Section.V6LongIds] as Uint32Array;
  }

  /** The sections as one object (see `views`). */
  private get v(): TableViews {
    return (this.views ??= tableViews(this.bytes, this.header, this.sections));
  }

  /**
   * Opens a table. Throws {@link TableFormatError} with a `code` when the header or a section bound
   * is wrong (`unsupported-version` for a table of another format version, saying to rebuild it);
   * does not check the checksum (see `verify`).
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
    // new Uint8Array(view) copies (Buffer#slice would not): typed views need a 4-aligned offset.
    if (u8.byteOffset % 4 !== 0) u8 = new Uint8Array(u8);
    return new MultiUserTable(u8);
  }

  /**
   * Checks the CRC-32 over the whole table and the per-range structure (leaves, index order, leaf ids
   * in range, keys in order). Throws {@link TableFormatError} (`checksum-mismatch`, `bad-leaf`,
   * `bad-index`) on the first problem. Costs a few milliseconds per megabyte: run it once per process
   * or isolate, off the request path.
   *
   * @example
   * ```ts
   * table.verify();
   * ```
   */
  verify(): void {
    if (this.verified) return;
    const actual = tableChecksum(this.bytes);
    const stored = this.header[HeaderWord.Checksum]!;
    if (actual !== stored) {
      throw new TableFormatError('checksum-mismatch', `checksum mismatch: header says ${hex(stored)}, content gives ${hex(actual)}`);
    }
    verifyViews(this.v);
    this.verified = true;
  }

  /**
   * Format version, counts, widths, byte length, stored checksum and the byte size of every section.
   *
   * @example
   * ```ts
   * c.json({ table: table.info });
   * ```
   */
  get info(): TableInfo {
    const { layout } = this.v;
    if (this.v4Ranges === undefined) {
      let n = 0;
      forEachV4Start(this.v, () => void n++);
      this.v4Ranges = n;
      this.v4Split = this.v4Index.reduce((k, e, c) => k + (c + 1 < this.v4Index.length && (e & 31) > V4_SPLIT_BASE ? 1 : 0), 0);
    }
    const v4Ranges = this.v4Ranges;
    return {
      formatVersion: layout.version,
      v4Prefixes: layout.v4Prefixes,
      v6Prefixes: layout.v6Prefixes,
      v4Ranges,
      v6Ranges: this.v6Keys.length,
      v6Blocks: this.v6BlockKeys.length,
      v6LongRanges: this.v6LongIds.length,
      values: this.valueCount,
      v4Leaves: this.v4Leaves.length,
      v6Leaves: this.v6Leaves.length,
      v4IdBits: this.w4,
      v6IdBits: this.w6,
      v4LeafBits: this.l4,
      v6LeafBits: this.l6,
      v4SplitChunks: this.v4Split,
      v4SubEntryBits: this.e4,
      usersBits: this.usersBits,
      v4IndexBits: layout.v4IndexBits,
      v6IndexBits: this.k6,
      byteLength: layout.byteLength,
      checksum: hex(layout.checksum),
      sections: SECTION_NAMES.map((name, i) => ({ name, offset: layout.sections[2 * i]!, bytes: layout.sections[2 * i + 1]! })),
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
    if (n >= 0) return this.matchV4(n, ip);
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
    return this.matchV4(n, undefined);
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
    const bits = Math.min(128, leaf & 255);
    const net = netScratch;
    for (let k = 0; k < 4; k++) net[k] = (words[k]! & MASK6[256 * k + bits]!) >>> 0;
    return this.matchOf(leaf >>> 10, ipv6PrefixText(net, bits));
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
    const leaf = this.findV4(n);
    return leaf < 0 ? undefined : this.classOf(leaf >>> 10);
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
    return leaf < 0 ? undefined : this.classOf(leaf >>> 10);
  }

  /**
   * Every prefix that decides at least one address, with its attributes, in address order (IPv4
   * first). A prefix whose addresses are all covered by more-specific prefixes is not visible. For
   * diffs and exports, not the request path. Takes time proportional to the table's size on any
   * bytes, corrupt or not.
   *
   * @example
   * ```ts
   * for (const m of table.entries()) console.log(m.prefix, m.kind, m.users);
   * ```
   */
  *entries(): Generator<MultiUserMatch> {
    yield* walkEntries(
      this.v,
      (n) => this.lookupV4(n),
      (w) => this.lookupV6(w),
    );
  }

  /**
   * The IPv4 answer for `n`; `text`, when given, is `n` as the strict dotted quad `lookup` parsed,
   * which is already canonical: a /32 answer (most of the real lists' answers: Tor and VPN exits)
   * is that text and `/32`, one concatenation instead of four pieces.
   */
  private matchV4(n: number, text: string | undefined): MultiUserMatch | undefined {
    const leaf = this.findV4(n);
    if (leaf < 0) return undefined;
    const bits = Math.min(32, leaf & 255);
    if (bits === 32 && text !== undefined) return this.matchOf(leaf >>> 10, `${text}/32`);
    return this.matchOf(leaf >>> 10, ipv4PrefixText((n & MASK[bits]!) >>> 0, bits));
  }

  /**
   * The answer for value `v` with its prefix text, or undefined for a bad index or kind. A table with
   * many values is read from its packed values, not from the shared class objects: ~30k of those lie
   * scattered over the heap and reading one missed the cache, while 30k packed values take 63 KB
   * (paired, ~30k pairs: IPv4 lookup 208 → 179 ns, IPv6 325 → 302). With a few values the objects
   * stay cached and save the decoding (real lists and ~350 pairs: 4–5 % less time than packed).
   */
  private matchOf(v: number, prefix: string): MultiUserMatch | undefined {
    if (this.fewValues) {
      const c = this.classOf(v);
      return c === undefined ? undefined : answerMatch(prefix, c.kind, c.users);
    }
    if (!(v < this.valueCount)) return undefined;
    const p = v * (KIND_BITS + this.usersBits);
    const kind = MULTI_USER_KINDS[readBits(this.values, p, KIND_BITS)];
    if (kind === undefined) return undefined; // verify() reports it
    const users = readUsers(this.values, this.usersBits, p);
    return answerMatch(prefix, kind, users === 0 ? undefined : users);
  }

  /** The shared answer object of value `v` (decoded on first use), or undefined for a bad index or kind. */
  private classOf(v: number): MultiUserClass | undefined {
    const page = this.classes[v >>> PAGE_BITS];
    const c = page === undefined ? undefined : page[v & (PAGE - 1)];
    return c !== undefined || !(v < this.valueCount) ? c : this.decodeClass(v);
  }

  private decodeClass(v: number): MultiUserClass | undefined {
    const value = readValue(this.values, this.usersBits, v);
    const kind = MULTI_USER_KINDS[value.kind];
    if (kind === undefined) return undefined; // verify() reports it
    const users = value.users;
    const page = (this.classes[v >>> PAGE_BITS] ??= new Array<MultiUserClass | undefined>(PAGE).fill(undefined));
    return (page[v & (PAGE - 1)] = answerClass(kind, users === 0 ? undefined : users));
  }

  /** The packed leaf of the IPv4 match, or -1. */
  private findV4(n: number): number {
    const index = this.v4Index;
    if (index.length === 0 || n >>> 0 !== n) return -1; // also rejects fractions, NaN, negatives
    const low = this.low4;
    const c = n >>> low;
    const e0 = index[c]!;
    let kw = e0 & 31;
    let p0 = e0 >>> 5;
    let p1 = index[c + 1]! >>> 5;
    const r = this.v4Records;
    // sl: the address bits below the (sub-)chunk.
    let sl = low;
    if (kw > V4_SPLIT_BASE) {
      sl = this.subChunkV4(n, kw, p0);
      kw = SUB[0]!;
      p0 = SUB[1]!;
      p1 = SUB[2]!;
    }
    // A crafted index could point past the records or backwards (verify() rejects it): stay in bounds.
    if (!(p0 <= p1 && p1 <= this.v4Bits && kw <= sl)) return -1;
    const stride = kw + this.w4;
    const tz = sl - kw;
    const k = (n & LOW[sl]!) >>> tz;
    // Branch-free search for the last key ≤ k: the step is taken by arithmetic, not a branch the CPU
    // mispredicts half the time (real lists, paired: numeric classifyV4 ~1.15×, lookup ~1.08× faster). Keys and k
    // are below 2^24 (kw ≤ sl ≤ 24), so k − key is a small signed number whose sign bit decides.
    let len = ((p1 - p0) / stride) | 0;
    if (len === 0) return -1;
    let b = 0;
    while (len > 1) {
      const half = len >>> 1;
      b += half & ~((k - readBits(r, p0 + (b + half) * stride, kw)) >> 31);
      len -= half;
    }
    const at = p0 + b * stride;
    const key = readBits(r, at, kw);
    return key > k ? -1 : this.leafIn4(readBits(r, at + kw, this.w4), (n & LOW[sl]!) ^ (key << tz));
  }

  /**
   * The packed IPv4 leaf of leaf id `id` if the address is in its prefix, or -1. `diff` is the address
   * XOR the range start below the (sub-)chunk (the bits above agree by construction): the address is
   * in the prefix when no prefix bit differs. Out of `findV4` to keep it under V8's inlining limit.
   */
  private leafIn4(id: number, diff: number): number {
    const lo = id & this.lowMask4;
    if (!(lo < this.v4Leaves.length)) return -1;
    const leaf = (this.v4Leaves[lo]! + ((id >>> this.l4) << 10)) >>> 0;
    return (diff & MASK[leaf & 255]!) === 0 ? leaf : -1;
  }

  /**
   * A split chunk (key-width field `kw` > 24, records from bit `p0`): the key width, first and end
   * bit of the sub-chunk holding `n`, from its entry and the next, in {@link SUB}; returns the address
   * bits below the sub-chunk. Out of `findV4` so that `findV4` stays small enough for V8 to inline it
   * into `classify` and `lookup` (with this inside it was 548 bytes of bytecode, over V8's 460-byte
   * limit, and was called instead; format 2's is 396). Check with --print-bytecode-filter=findV4.
   */
  private subChunkV4(n: number, kw: number, p0: number): number {
    const s = kw - V4_SPLIT_BASE;
    const sl = this.low4 - s;
    const e = this.e4;
    const at = p0 + ((n >>> sl) & LOW[s]!) * e;
    const x = readBits(this.v4Records, at, e);
    SUB[0] = x & 31;
    SUB[1] = p0 + (x >>> 5);
    SUB[2] = p0 + (readBits(this.v4Records, at + e, e) >>> 5);
    return sl;
  }

  /** The packed leaf for IPv6 range `i`, or -1. */
  private leafV6(i: number): number {
    if (!(i >= 0 && i < this.v6Keys.length)) return -1;
    return this.leafOf6(readBits(this.v6Ids, i * this.w6, this.w6));
  }

  /** The packed IPv6 leaf that leaf id `id` names, or -1. */
  private leafOf6(id: number): number {
    const lo = id & this.lowMask6;
    return lo < this.v6Leaves.length ? (this.v6Leaves[lo]! + ((id >>> this.l6) << 10)) >>> 0 : -1;
  }

  /** The packed leaf of the IPv6 match, or -1. */
  private findV6(w0: number, w1: number, w2: number, w3: number): number {
    const index = this.v6Index;
    if (index.length === 0) return -1;
    const c = this.k6 === 0 ? 0 : w0 >>> (32 - this.k6);
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
    if (leaf < 0) return -1;
    const kh = bk[b]!;
    const kl = this.v6Keys[i]!;
    const type = (leaf >>> 8) & 3;
    if (type === LEAF_DESCEND) return kh === w0 && kl === w1 ? this.findV6Long(w0, w1, w2, w3) : -1;
    const bits = leaf & 255;
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
      const le = a0 < w0 || (a0 === w0 && (a1 < w1 || (a1 === w1 && (a2 < w2 || (a2 === w2 && keys[b + 3]! <= w3)))));
      if (le) lo = m + 1;
      else hi = m;
    }
    if (lo === 0) return -1;
    const b = 4 * (lo - 1);
    const leaf = this.leafOf6(this.v6LongIds[lo - 1]!);
    if (leaf < 0 || ((leaf >>> 8) & 3) !== LEAF_MATCH) return -1;
    const bits = leaf & 255;
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

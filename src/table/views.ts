import { readBits } from './bits.ts';
import {
  BIT_PAD,
  DIRECTORY_WORD,
  ELEMENT_SIZE,
  HeaderByte,
  HeaderWord,
  KIND_BITS,
  layoutOf,
  SECTION_COUNT,
  Section,
  TableFormatError,
  type Layout,
} from './format.ts';

/** Typed-array views over a table's sections and its decoded value dictionary. */
export interface TableViews {
  bytes: Uint8Array;
  layout: Layout;
  /** The values' bit stream: per value the kind (4 bits) then users (header U bits, 0 = unknown). */
  values: Uint8Array;
  v4Leaves: Uint32Array;
  v4Index: Uint32Array;
  v4Records: Uint8Array;
  /** Bits of the v4 record stream (the section without its padding). */
  v4Bits: number;
  v6Leaves: Uint32Array;
  v6Index: Uint32Array;
  v6BlockKeys: Uint32Array;
  v6BlockOffsets: Uint32Array;
  v6Keys: Uint32Array;
  v6Ids: Uint8Array;
  v6LongKeys: Uint32Array;
  v6LongIds: Uint32Array;
}

/** The twelve section views in directory order: byte views for bit streams and bytes, u32 views for the rest. */
export type SectionViews = ReadonlyArray<Uint8Array | Uint32Array>;

/**
 * Creates the section views of a table whose header words `h` passed `checkHeader` (no copy: `bytes`
 * must start at a multiple of 4), and checks the counts that tie sections together; nothing per value
 * or per range: a cold isolate decoding 30k values took over 10 ms (values are decoded on first use,
 * see the reader; `verifyViews` checks them all). The views are made in one loop, not by a helper
 * called per section: past 8 calls V8 allocates a function's feedback and queues it for baseline
 * compilation, mid-open. An array, not an object: see `checkHeader` on literals made cold.
 *
 * @example
 * ```ts
 * const h = checkHeader(bytes);
 * const v4Index = openSections(bytes, h)[Section.V4Index] as Uint32Array;
 * ```
 */
export function openSections(bytes: Uint8Array, h: Uint32Array): SectionViews {
  const at = bytes.byteOffset;
  const s: Array<Uint8Array | Uint32Array> = [];
  for (let i = 0; i < SECTION_COUNT; i++) {
    const offset = at + h[DIRECTORY_WORD + 2 * i]!;
    const length = h[DIRECTORY_WORD + 2 * i + 1]!;
    // Bit streams and byte sections get byte views; the rest u32 words (a 16-byte long key is 4).
    s.push(ELEMENT_SIZE[i] === 1 ? new Uint8Array(bytes.buffer, offset, length) : new Uint32Array(bytes.buffer, offset, length / 4));
  }
  // Counts from the directory words (byte lengths) rather than through the views just made; inline,
  // not a helper, for the reason above.
  const d = DIRECTORY_WORD + 1;
  const n4 = h[d + 2 * Section.V4Records]!;
  const k4 = bytes[HeaderByte.V4IndexBits]!;
  const values = h[HeaderWord.Values]!;
  const r6 = h[d + 2 * Section.V6Keys]! / 4;
  const b6 = h[d + 2 * Section.V6BlockKeys]! / 4;
  const valueBits = values * (KIND_BITS + bytes[HeaderByte.UsersBits]!);
  expect('values', h[d + 2 * Section.Values]!, values === 0 ? 0 : Math.ceil(valueBits / 8) + BIT_PAD);
  expect('IPv4 index', h[d + 2 * Section.V4Index]! / 4, k4 === 0 ? 0 : 2 ** k4 + 1);
  expect('IPv4 records padding', n4 === 0 || n4 >= BIT_PAD ? 1 : 0, 1);
  expect('IPv6 index', h[d + 2 * Section.V6Index]! / 4, b6 === 0 ? 0 : 2 ** bytes[HeaderByte.V6IndexBits]! + 1);
  expect('IPv6 block offsets', h[d + 2 * Section.V6BlockOffsets]! / 4, b6 === 0 ? 0 : b6 + 1);
  expect('IPv6 leaf ids', h[d + 2 * Section.V6Ids]!, r6 === 0 ? 0 : Math.ceil((r6 * bytes[HeaderByte.V6IdBits]!) / 8) + BIT_PAD);
  expect('IPv6 long keys and leaf ids', h[d + 2 * Section.V6LongKeys]! / 16, h[d + 2 * Section.V6LongIds]! / 4);
  if (b6 > 0) {
    const ix = s[Section.V6Index]!;
    const bo = s[Section.V6BlockOffsets]!;
    if (ix[0] !== 0 || ix[ix.length - 1] !== b6 || bo[0] !== 0 || bo[b6] !== r6) {
      throw new TableFormatError('bad-index', 'IPv6 index or block offsets do not run from 0 to the block and range counts');
    }
  }
  return s;
}

/**
 * Bits of the IPv4 record stream: the section's bytes without the padding.
 *
 * @example
 * ```ts
 * v4RecordBits(new Uint8Array(10)); // 48: 6 bytes of records, 4 of padding
 * ```
 */
export function v4RecordBits(records: Uint8Array): number {
  return records.length > BIT_PAD ? (records.length - BIT_PAD) * 8 : 0;
}

/**
 * The sections of an open table as one object, with its header as a `Layout`: for `verify`, `info`
 * and `entries`, off the request path.
 *
 * @example
 * ```ts
 * const h = checkHeader(bytes);
 * verifyViews(tableViews(bytes, h, openSections(bytes, h)));
 * ```
 */
export function tableViews(bytes: Uint8Array, h: Uint32Array, s: SectionViews): TableViews {
  const v4Records = s[Section.V4Records] as Uint8Array;
  return {
    bytes,
    layout: layoutOf(h),
    values: s[Section.Values] as Uint8Array,
    v4Leaves: s[Section.V4Leaves] as Uint32Array,
    v4Index: s[Section.V4Index] as Uint32Array,
    v4Records,
    v4Bits: v4RecordBits(v4Records),
    v6Leaves: s[Section.V6Leaves] as Uint32Array,
    v6Index: s[Section.V6Index] as Uint32Array,
    v6BlockKeys: s[Section.V6BlockKeys] as Uint32Array,
    v6BlockOffsets: s[Section.V6BlockOffsets] as Uint32Array,
    v6Keys: s[Section.V6Keys] as Uint32Array,
    v6Ids: s[Section.V6Ids] as Uint8Array,
    v6LongKeys: s[Section.V6LongKeys] as Uint32Array,
    v6LongIds: s[Section.V6LongIds] as Uint32Array,
  };
}

function expect(what: string, got: number, want: number): void {
  if (got !== want) throw new TableFormatError('bad-section', `${what}: expected ${want} entries, got ${got}`);
}

/** Kind index (in `MULTI_USER_KINDS`) and users (0 = unknown) of value `i`. */
export function readValue(values: Uint8Array, usersBits: number, i: number): { kind: number; users: number } {
  const p = i * (KIND_BITS + usersBits);
  return { kind: readBits(values, p, KIND_BITS), users: readUsers(values, usersBits, p) };
}

/** The users field (0 = unknown) of the value whose bits start at `p`; past 16 bits it is read in two parts (a read takes 25 bits at most). */
export function readUsers(values: Uint8Array, usersBits: number, p: number): number {
  const u = p + KIND_BITS;
  return usersBits <= 16 ? readBits(values, u, usersBits) : readBits(values, u, 16) + readBits(values, u + 16, usersBits - 16) * 65536;
}

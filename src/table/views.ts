import { readBits } from './bits.ts';
import { BIT_PAD, ELEMENT_SIZE, KIND_BITS, readLayout, SECTION_COUNT, Section, TableFormatError, type Layout } from './format.ts';

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

/**
 * Checks the header and section bounds and creates the views (no copy: `bytes` must start at a
 * multiple of 4). Checks the counts that tie sections together; nothing per value or per range: a
 * cold isolate decoding 30k values took over 10 ms (values are decoded on first use, see the reader;
 * `verifyViews` checks them all). The views are made in one loop, not by a helper called per section:
 * past 8 calls V8 allocates a function's feedback and queues it for baseline compilation, mid-open.
 */
export function openViews(bytes: Uint8Array): TableViews {
  const layout = readLayout(bytes);
  const d = layout.sections;
  const at = bytes.byteOffset;
  const s: Array<Uint8Array | Uint32Array> = [];
  for (let i = 0; i < SECTION_COUNT; i++) {
    const offset = at + d[2 * i]!;
    const length = d[2 * i + 1]!;
    // Bit streams and byte sections get byte views; the rest u32 words (a 16-byte long key is 4).
    s.push(ELEMENT_SIZE[i] === 1 ? new Uint8Array(bytes.buffer, offset, length) : new Uint32Array(bytes.buffer, offset, length / 4));
  }
  const v: TableViews = {
    bytes,
    layout,
    values: s[Section.Values] as Uint8Array,
    v4Leaves: s[Section.V4Leaves] as Uint32Array,
    v4Index: s[Section.V4Index] as Uint32Array,
    v4Records: s[Section.V4Records] as Uint8Array,
    v4Bits: 0,
    v6Leaves: s[Section.V6Leaves] as Uint32Array,
    v6Index: s[Section.V6Index] as Uint32Array,
    v6BlockKeys: s[Section.V6BlockKeys] as Uint32Array,
    v6BlockOffsets: s[Section.V6BlockOffsets] as Uint32Array,
    v6Keys: s[Section.V6Keys] as Uint32Array,
    v6Ids: s[Section.V6Ids] as Uint8Array,
    v6LongKeys: s[Section.V6LongKeys] as Uint32Array,
    v6LongIds: s[Section.V6LongIds] as Uint32Array,
  };
  // Counts from the directory words (byte lengths) rather than through the views just made.
  const n4 = d[2 * Section.V4Records + 1]!;
  v.v4Bits = n4 > BIT_PAD ? (n4 - BIT_PAD) * 8 : 0;
  const k4 = layout.v4IndexBits;
  const r6 = d[2 * Section.V6Keys + 1]! / 4;
  const b6 = d[2 * Section.V6BlockKeys + 1]! / 4;
  const valueBits = layout.values * (KIND_BITS + layout.usersBits);
  expect('values', d[2 * Section.Values + 1]!, layout.values === 0 ? 0 : Math.ceil(valueBits / 8) + BIT_PAD);
  expect('IPv4 index', d[2 * Section.V4Index + 1]! / 4, k4 === 0 ? 0 : 2 ** k4 + 1);
  expect('IPv4 records padding', n4 === 0 || n4 >= BIT_PAD ? 1 : 0, 1);
  expect('IPv6 index', d[2 * Section.V6Index + 1]! / 4, b6 === 0 ? 0 : 2 ** layout.v6IndexBits + 1);
  expect('IPv6 block offsets', d[2 * Section.V6BlockOffsets + 1]! / 4, b6 === 0 ? 0 : b6 + 1);
  expect('IPv6 leaf ids', d[2 * Section.V6Ids + 1]!, r6 === 0 ? 0 : Math.ceil((r6 * layout.v6IdBits) / 8) + BIT_PAD);
  expect('IPv6 long keys and leaf ids', d[2 * Section.V6LongKeys + 1]! / 16, d[2 * Section.V6LongIds + 1]! / 4);
  if (b6 > 0) {
    const ix = v.v6Index;
    const bo = v.v6BlockOffsets;
    if (ix[0] !== 0 || ix[ix.length - 1] !== b6 || bo[0] !== 0 || bo[b6] !== r6) {
      throw new TableFormatError('bad-index', 'IPv6 index or block offsets do not run from 0 to the block and range counts');
    }
  }
  return v;
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

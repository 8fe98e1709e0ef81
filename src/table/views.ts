import { readBits } from './bits.ts';
import { BIT_PAD, KIND_BITS, readLayout, Section, TableFormatError, type Layout } from './format.ts';

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

type Ctor<T> = { new (b: ArrayBufferLike, o: number, n: number): T; BYTES_PER_ELEMENT: number };

/**
 * Checks the header and section bounds and creates the views (no copy: `bytes` must start at a
 * multiple of 4). Checks the counts that tie sections together; nothing per value or per range: a
 * cold isolate decoding 30k values took over 10 ms (values are decoded on first use, see the reader;
 * `verifyViews` checks them all).
 */
export function openViews(bytes: Uint8Array): TableViews {
  const layout = readLayout(bytes);
  const { buffer, byteOffset } = bytes;
  const view = <T>(s: Section, C: Ctor<T>): T => {
    const bounds = layout.sections[s]!;
    return new C(buffer, byteOffset + bounds[0], bounds[1] / C.BYTES_PER_ELEMENT);
  };
  const v: TableViews = {
    bytes,
    layout,
    values: view(Section.Values, Uint8Array),
    v4Leaves: view(Section.V4Leaves, Uint32Array),
    v4Index: view(Section.V4Index, Uint32Array),
    v4Records: view(Section.V4Records, Uint8Array),
    v4Bits: 0,
    v6Leaves: view(Section.V6Leaves, Uint32Array),
    v6Index: view(Section.V6Index, Uint32Array),
    v6BlockKeys: view(Section.V6BlockKeys, Uint32Array),
    v6BlockOffsets: view(Section.V6BlockOffsets, Uint32Array),
    v6Keys: view(Section.V6Keys, Uint32Array),
    v6Ids: view(Section.V6Ids, Uint8Array),
    v6LongKeys: view(Section.V6LongKeys, Uint32Array),
    v6LongIds: view(Section.V6LongIds, Uint32Array),
  };
  v.v4Bits = Math.max(0, v.v4Records.length - BIT_PAD) * 8;
  const { v4IndexBits: k4, v6IndexBits: k6, v6IdBits: w6 } = layout;
  const r6 = v.v6Keys.length;
  const b6 = v.v6BlockKeys.length;
  const valueBits = layout.values * (KIND_BITS + layout.usersBits);
  expect('values', v.values.length, layout.values === 0 ? 0 : Math.ceil(valueBits / 8) + BIT_PAD);
  expect('IPv4 index', v.v4Index.length, k4 === 0 ? 0 : 2 ** k4 + 1);
  expect('IPv4 records padding', v.v4Records.length === 0 || v.v4Records.length >= BIT_PAD ? 1 : 0, 1);
  expect('IPv6 index', v.v6Index.length, b6 === 0 ? 0 : 2 ** k6 + 1);
  expect('IPv6 block offsets', v.v6BlockOffsets.length, b6 === 0 ? 0 : b6 + 1);
  expect('IPv6 leaf ids', v.v6Ids.length, r6 === 0 ? 0 : Math.ceil((r6 * w6) / 8) + BIT_PAD);
  expect('IPv6 long keys and leaf ids', v.v6LongKeys.length / 4, v.v6LongIds.length);
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

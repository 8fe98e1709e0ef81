/**
 * A small MaxMind DB (MMDB) writer, enough to give mmdb-lib the same prefixes as our table. Follows
 * the public MaxMind DB File Format Specification 2.0: a binary search tree over 128 bits (ip_version
 * 6, IPv4 under ::/96), the 16-byte separator, a data section of maps, then the metadata after
 * "\xAB\xCD\xEFMaxMind.com". Nested prefixes: shorter prefixes are inserted first and their record
 * is pushed down when a more specific one splits it, so the tree answers the longest match.
 */
import { parseIPv4, parseIPv6 } from '../../src/ip/index.ts';
import type { BenchPrefix } from './data.ts';

const enc = new TextEncoder();

function ctrl(type: number, size: number): number[] {
  if (size >= 29) throw new Error('mmdb-writer: sizes ≥ 29 are not needed here');
  return type <= 7 ? [(type << 5) | size] : [size, type - 7];
}
function str(s: string): number[] {
  const b = [...enc.encode(s)];
  return [...ctrl(2, b.length), ...b];
}
function uint(type: number, n: number | bigint): number[] {
  const bytes: number[] = [];
  let v = BigInt(n);
  while (v > 0n) {
    bytes.unshift(Number(v & 0xffn));
    v >>= 8n;
  }
  return [...ctrl(type, bytes.length), ...bytes];
}
function map(entries: Array<[string, number[]]>): number[] {
  return [...ctrl(7, entries.length), ...entries.flatMap(([k, v]) => [...str(k), ...v])];
}

/** Writes an MMDB holding each prefix with `{ kind, users? }`. */
export function writeMmdb(prefixes: ReadonlyArray<Omit<BenchPrefix, 'asn'>>): Uint8Array {
  // Data section: one map per distinct (kind, users).
  const dataOffset = new Map<string, number>();
  const data: number[] = [];
  const valueOf = (p: Omit<BenchPrefix, 'asn'>) => {
    const key = `${p.kind}|${p.users ?? ''}`;
    let off = dataOffset.get(key);
    if (off === undefined) {
      off = data.length;
      dataOffset.set(key, off);
      const entries: Array<[string, number[]]> = [['kind', str(p.kind)]];
      if (p.users !== undefined) entries.push(['users', uint(6, p.users)]);
      data.push(...map(entries));
    }
    return off;
  };

  // Tree: records ≥ 0 are nodes, -1 empty, ≤ -2 data (-(2 + offset)).
  let left = new Int32Array(1 << 20);
  let right = new Int32Array(1 << 20);
  let count = 1;
  left[0] = right[0] = -1;
  const newNode = (fill: number) => {
    if (count === left.length) {
      const l = new Int32Array(left.length * 2);
      l.set(left);
      left = l;
      const r = new Int32Array(right.length * 2);
      r.set(right);
      right = r;
    }
    left[count] = right[count] = fill;
    return count++;
  };
  const w = new Uint32Array(4);
  const items = prefixes.map((p) => {
    const [addr, bitsText] = p.prefix.split('/') as [string, string];
    let bits = Number(bitsText);
    const words = new Uint32Array(4);
    if (p.family === 4) {
      words[3] = parseIPv4(addr);
      bits += 96;
    } else {
      parseIPv6(addr, w);
      words.set(w);
    }
    return { words, bits, value: -(2 + valueOf(p)) };
  });
  items.sort((a, b) => a.bits - b.bits);
  for (const { words, bits, value } of items) {
    let node = 0;
    for (let i = 0; i < bits; i++) {
      const bit = (words[i >>> 5]! >>> (31 - (i & 31))) & 1;
      const recs = bit ? right : left;
      if (i === bits - 1) {
        recs[node] = value;
        break;
      }
      let child = recs[node]!;
      if (child < 0) {
        child = newNode(child); // empty stays empty below; a shorter prefix's data is pushed down
        (bit ? right : left)[node] = child;
      }
      node = child;
    }
  }

  const nodeCount = count;
  const maxRecord = nodeCount + 16 + data.length;
  const recordSize = maxRecord < 2 ** 24 ? 24 : maxRecord < 2 ** 28 ? 28 : 32;
  const nodeBytes = recordSize / 4;
  const record = (r: number) => (r === -1 ? nodeCount : r >= 0 ? r : nodeCount + 16 + (-r - 2));
  const meta = [
    0xab,
    0xcd,
    0xef,
    ...enc.encode('MaxMind.com'),
    ...map([
      ['binary_format_major_version', uint(5, 2)],
      ['binary_format_minor_version', uint(5, 0)],
      ['build_epoch', uint(9, 1_700_000_000)],
      ['database_type', str('multi-user-bench')],
      ['description', map([['en', str('multi-user-ip benchmark data')]])],
      ['ip_version', uint(5, 6)],
      ['languages', [...ctrl(11, 0)]],
      ['node_count', uint(6, nodeCount)],
      ['record_size', uint(5, recordSize)],
    ]),
  ];
  const out = new Uint8Array(nodeCount * nodeBytes + 16 + data.length + meta.length);
  for (let n = 0; n < nodeCount; n++) {
    const l = record(left[n]!);
    const r = record(right[n]!);
    const o = n * nodeBytes;
    if (recordSize === 24) {
      out[o] = l >>> 16;
      out[o + 1] = l >>> 8;
      out[o + 2] = l;
      out[o + 3] = r >>> 16;
      out[o + 4] = r >>> 8;
      out[o + 5] = r;
    } else if (recordSize === 28) {
      out[o] = l >>> 16;
      out[o + 1] = l >>> 8;
      out[o + 2] = l;
      out[o + 3] = (((l >>> 24) & 0xf) << 4) | ((r >>> 24) & 0xf);
      out[o + 4] = r >>> 16;
      out[o + 5] = r >>> 8;
      out[o + 6] = r;
    } else {
      new DataView(out.buffer).setUint32(o, l);
      new DataView(out.buffer).setUint32(o + 4, r);
    }
  }
  out.set(data, nodeCount * nodeBytes + 16);
  out.set(meta, nodeCount * nodeBytes + 16 + data.length);
  return out;
}

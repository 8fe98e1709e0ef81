import { formatIPv4, formatIPv6, parseIPv4, parseIPv6 } from '../../src/ip/index.ts';
import type { TableEntry } from '../../src/table/index.ts';
import type { MultiUserMatch } from '../../src/table/types.ts';

/** A prefix as a bigint interval over its family's address space. */
interface RefPrefix {
  family: 4 | 6;
  start: bigint;
  end: bigint;
  bits: number;
  entry: TableEntry;
}

function toBig(text: string): { family: 4 | 6; value: bigint } | undefined {
  const v4 = parseIPv4(text);
  if (v4 >= 0) return { family: 4, value: BigInt(v4) };
  const w = new Uint32Array(4);
  if (!parseIPv6(text, w)) return undefined;
  const value = (BigInt(w[0]!) << 96n) | (BigInt(w[1]!) << 64n) | (BigInt(w[2]!) << 32n) | BigInt(w[3]!);
  if (w[0] === 0 && w[1] === 0 && w[2] === 0xffff) return { family: 4, value: BigInt(w[3]!) };
  return { family: 6, value };
}

/**
 * The obviously-correct reference: scan every prefix, keep the longest that contains the address.
 */
export class ReferenceTable {
  private readonly prefixes: RefPrefix[];
  constructor(entries: readonly TableEntry[]) {
    this.prefixes = entries.map((entry) => {
      const [addr, bitsText] = entry.prefix.split('/') as [string, string];
      const a = toBig(addr)!;
      const bits = Number(bitsText);
      const width = a.family === 4 ? 32 : 128;
      return { family: a.family, start: a.value, end: a.value + (1n << BigInt(width - bits)), bits, entry };
    });
  }
  lookup(ip: string): MultiUserMatch | undefined {
    const a = toBig(ip);
    if (!a) return undefined;
    let best: RefPrefix | undefined;
    for (const p of this.prefixes) {
      if (p.family === a.family && p.start <= a.value && a.value < p.end && (!best || p.bits > best.bits)) best = p;
    }
    return best && { prefix: best.entry.prefix, kind: best.entry.kind, users: best.entry.users };
  }
}

/** Address text for a bigint in a family. */
export function addressText(family: 4 | 6, value: bigint): string {
  if (family === 4) return formatIPv4(Number(value));
  const w = new Uint32Array(4);
  for (let k = 0; k < 4; k++) w[k] = Number((value >> BigInt(96 - 32 * k)) & 0xffffffffn);
  return formatIPv6(w);
}

/** Byte equality without vitest's slow deep diff of large typed arrays. */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

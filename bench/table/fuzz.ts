/**
 * Fuzzing the reader with mutated real tables: every method must return (or throw TableFormatError)
 * on any bytes. Used by `npm run bench -- table` (at least 100k tables) and, briefly, by the tests.
 */
import { parseIPv4, parseIPv6 } from '../../src/ip/index.ts';
import { MultiUserTable, TableFormatError } from '../../src/table/index.ts';
import { tableChecksum } from '../../src/table/format.ts';
import { rng } from './data.ts';

/** What a fuzz run saw. */
export interface FuzzResult {
  tables: number;
  /** Mutated tables that `from()` accepted (the rest were refused with a TableFormatError). */
  opened: number;
  /** Opened tables that `verify()` accepted (mutations that changed nothing it checks, e.g. a bit flipped back). */
  verified: number;
  /** The slowest table: open, every probe through every method, entries(), info, verify(). */
  slowestMs: number;
  /** Anything else thrown, as `table N: message` (must stay empty). */
  failures: string[];
}

/**
 * Mutates `base` `count` times (1–4 mutations each: a flipped bit, a random byte, or a u32 set to 0,
 * 2³²−1 or a random value; half the tables get a fixed-up checksum, as a crafted table would) and runs
 * every reader method on each. `probes` are addresses to look up (text).
 */
export function fuzzTables(base: Uint8Array, count: number, seed: number, probes: readonly string[]): FuzzResult {
  const rand = rng(seed);
  const int = (n: number) => Math.floor(rand() * n);
  const words = probes.map((p) => {
    const w = new Uint32Array(4);
    return parseIPv6(p, w) ? w : undefined;
  });
  const numbers = probes.map(parseIPv4);
  const result: FuzzResult = { tables: 0, opened: 0, verified: 0, slowestMs: 0, failures: [] };
  for (let t = 0; t < count; t++) {
    const b = base.slice();
    const dv = new DataView(b.buffer);
    for (let m = 1 + int(4); m > 0; m--) {
      const kind = int(3);
      if (kind === 0) b[int(b.length)]! ^= 1 << int(8);
      else if (kind === 1) b[int(b.length)] = int(256);
      else if (b.length >= 4) dv.setUint32(int(b.length - 3), [0, 0xffffffff, int(2 ** 32)][int(3)]!, true);
    }
    if (rand() < 0.5 && b.length >= 16) dv.setUint32(12, tableChecksum(b), true);
    result.tables++;
    const t0 = performance.now();
    try {
      let table: MultiUserTable;
      try {
        table = MultiUserTable.from(b);
      } catch (e) {
        if (!(e instanceof TableFormatError)) throw e;
        continue;
      }
      result.opened++;
      probes.forEach((p, i) => {
        table.lookup(p);
        table.classify(p);
        if (numbers[i]! >= 0) {
          table.lookupV4(numbers[i]!);
          table.classifyV4(numbers[i]!);
        } else if (words[i]) {
          table.lookupV6(words[i]!);
          table.classifyV6(words[i]!);
        }
      });
      let _n = 0;
      for (const _ of table.entries()) _n++;
      void table.info;
      try {
        table.verify();
        result.verified++;
      } catch (e) {
        if (!(e instanceof TableFormatError)) throw e;
      }
    } catch (e) {
      if (result.failures.length < 10) result.failures.push(`table ${t}: ${(e as Error).stack ?? e}`);
    } finally {
      result.slowestMs = Math.max(result.slowestMs, performance.now() - t0);
    }
  }
  return result;
}

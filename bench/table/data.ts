/**
 * Benchmark data: a realistic multi-user prefix set derived from real routing data
 * (@ip-location-db/asn: ASN ranges from RouteViews / DB-IP, CC BY 4.0 / PDDL), converted to CIDRs,
 * sampled deterministically, with nested more-specific prefixes; plus query strings, about half of
 * them inside a prefix.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { formatIPv4, formatIPv6, parseIPv4, parseIPv6 } from '../../src/ip/index.ts';
import { MULTI_USER_KINDS, type MultiUserKind } from '../../src/table/types.ts';

export interface BenchPrefix {
  prefix: string;
  family: 4 | 6;
  kind: MultiUserKind;
  users: number | undefined;
  /** The AS the prefix came from (attributes derive from it). */
  asn: number;
}

/** The same prefixes with the attributes of another regime. */
export function withRegime(prefixes: readonly BenchPrefix[], regime: PairRegime): BenchPrefix[] {
  return prefixes.map((p) => ({ ...p, ...attributes(p.asn, regime) }));
}

/** A small deterministic PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

function hash(n: number): number {
  let h = Math.imul(n ^ (n >>> 16), 0x45d9f3b);
  h = Math.imul(h ^ (h >>> 16), 0x45d9f3b);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * How many distinct (kind, users) pairs the set has: `12` (a few users buckets per kind, vpn/relay/tor
 * without users, as hand-made lists look), `350` (50 users values per kind), `30k` (a per-AS users
 * estimate, as detection output with per-prefix estimates looks).
 */
export type PairRegime = '12' | '350' | '30k';

/** Kind and users for an AS, deterministic for the regime. */
function attributes(asn: number, regime: PairRegime): { kind: MultiUserKind; users: number | undefined } {
  const h = hash(asn);
  const kind = MULTI_USER_KINDS[h % MULTI_USER_KINDS.length]!;
  if (regime === '350') return { kind, users: 10 + ((h >>> 8) % 50) * 37 };
  if (regime === '30k') return { kind, users: 1 + ((h >>> 8) % 4300) * 3 };
  const bucket = (h >>> 8) % 4;
  const users =
    kind === 'cgnat' ? [100, 250, 500, 1000][bucket] : kind === 'enterprise' ? [20, 50, undefined, undefined][bucket] : undefined;
  return { kind, users };
}

function* cidrs4(start: number, end: number): Generator<[number, number]> {
  let s = start;
  while (s <= end) {
    let bits = 32;
    while (bits > 0) {
      const size = 2 ** (33 - bits);
      if (s % size !== 0 || s + size - 1 > end) break;
      bits--;
    }
    yield [s, bits];
    s += 2 ** (32 - bits);
  }
}

function* cidrs6(start: bigint, end: bigint): Generator<[bigint, number]> {
  let s = start;
  while (s <= end) {
    let bits = 128;
    while (bits > 0) {
      const size = 1n << BigInt(129 - bits);
      if (s % size !== 0n || s + size - 1n > end) break;
      bits--;
    }
    yield [s, bits];
    s += 1n << BigInt(128 - bits);
  }
}

const toBig = (w: Uint32Array) => (BigInt(w[0]!) << 96n) | (BigInt(w[1]!) << 64n) | (BigInt(w[2]!) << 32n) | BigInt(w[3]!);
const toWords = (b: bigint) =>
  new Uint32Array([
    Number((b >> 96n) & 0xffffffffn),
    Number((b >> 64n) & 0xffffffffn),
    Number((b >> 32n) & 0xffffffffn),
    Number(b & 0xffffffffn),
  ]);

function asnFile(name: string): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@ip-location-db/asn/package.json')), name);
}

/**
 * Builds the prefix set: every CIDR of the sampled ASN ranges (a range is kept with probability
 * `keep4` / `keep6`), and for one in eight prefixes of /8–/28 a nested more-specific of another AS's kind.
 */
export function benchPrefixes(target4 = 500_000, target6 = 100_000, regime: PairRegime = '12'): BenchPrefix[] {
  const out: BenchPrefix[] = [];
  const rand = rng(42);
  const v4Rows = readFileSync(asnFile('asn-ipv4.csv'), 'utf8').split('\n');
  const v6Rows = readFileSync(asnFile('asn-ipv6.csv'), 'utf8').split('\n');
  const w = new Uint32Array(4);
  const seen = new Set<string>();
  const push = (p: BenchPrefix) => {
    if (seen.has(p.prefix)) return;
    seen.add(p.prefix);
    out.push(p);
  };
  const add4 = (network: number, bits: number, asn: number) => {
    push({ prefix: `${formatIPv4(network)}/${bits}`, family: 4, asn, ...attributes(asn, regime) });
  };
  const add6 = (network: bigint, bits: number, asn: number) => {
    push({ prefix: `${formatIPv6(toWords(network))}/${bits}`, family: 6, asn, ...attributes(asn, regime) });
  };
  // First pass counts CIDRs so the sampling rate hits the targets.
  const ranges4: Array<[number, number, number]> = [];
  let total4 = 0;
  for (const row of v4Rows) {
    const [a, b, asnText] = row.split(',');
    if (!a || !b) continue;
    const s = parseIPv4(a);
    const e = parseIPv4(b);
    if (s < 0 || e < 0) continue;
    ranges4.push([s, e, Number(asnText)]);
    for (const _ of cidrs4(s, e)) total4++;
  }
  const ranges6: Array<[bigint, bigint, number]> = [];
  let total6 = 0;
  for (const row of v6Rows) {
    const [a, b, asnText] = row.split(',');
    if (!a || !b || !parseIPv6(a, w)) continue;
    const s = toBig(w);
    if (!parseIPv6(b, w)) continue;
    const e = toBig(w);
    ranges6.push([s, e, Number(asnText)]);
    for (const _ of cidrs6(s, e)) total6++;
  }
  const nestShare = 1 / 8;
  const keep4 = Math.min(1, target4 / (total4 * (1 + nestShare * 0.8)));
  const keep6 = Math.min(1, target6 / (total6 * (1 + nestShare * 0.8)));
  for (const [s, e, asn] of ranges4) {
    if (rand() >= keep4) continue;
    for (const [n, bits] of cidrs4(s, e)) {
      add4(n, bits, asn);
      if (bits >= 8 && bits <= 28 && rand() < nestShare) {
        const child = bits + 1 + Math.floor(rand() * Math.min(8, 32 - bits));
        const offset = Math.floor(rand() * 2 ** (child - bits)) * 2 ** (32 - child);
        add4(n + offset, child, asn + 1);
      }
    }
  }
  for (const [s, e, asn] of ranges6) {
    if (rand() >= keep6) continue;
    for (const [n, bits] of cidrs6(s, e)) {
      add6(n, bits, asn);
      if (bits >= 16 && bits <= 56 && rand() < nestShare) {
        const child = bits + 1 + Math.floor(rand() * Math.min(16, 64 - bits));
        const offset = BigInt(Math.floor(rand() * 2 ** Math.min(30, child - bits))) << BigInt(128 - child);
        add6(n + offset, child, asn + 1);
      }
    }
  }
  return out;
}

/** Query strings: half inside a prefix (a random address of a random prefix), half random addresses outside every prefix. */
export function benchQueries(prefixes: BenchPrefix[], family: 4 | 6, count: number, seed: number): string[] {
  const rand = rng(seed);
  const pool = prefixes.filter((p) => p.family === family);
  // IPv4 coverage as merged intervals, to draw the "outside" half (random IPv6 is outside anyway).
  const spans = pool
    .filter(() => family === 4)
    .map((p) => {
      const [a, b] = p.prefix.split('/') as [string, string];
      const s = parseIPv4(a);
      return [s, s + 2 ** (32 - Number(b))] as [number, number];
    })
    .sort((x, y) => x[0] - y[0]);
  const starts: number[] = [];
  const ends: number[] = [];
  for (const [s, e] of spans) {
    if (ends.length > 0 && s <= ends[ends.length - 1]!) ends[ends.length - 1] = Math.max(ends[ends.length - 1]!, e);
    else {
      starts.push(s);
      ends.push(e);
    }
  }
  const inside4 = (n: number) => {
    let lo = 0;
    let hi = starts.length;
    while (lo < hi) {
      const m = (lo + hi) >>> 1;
      if (starts[m]! <= n) lo = m + 1;
      else hi = m;
    }
    return lo > 0 && n < ends[lo - 1]!;
  };
  const out: string[] = [];
  const w = new Uint32Array(4);
  for (let i = 0; i < count; i++) {
    if (i % 2 === 0 && pool.length > 0) {
      const p = pool[Math.floor(rand() * pool.length)]!;
      const [addr, bitsText] = p.prefix.split('/') as [string, string];
      const bits = Number(bitsText);
      if (family === 4) {
        const host = Math.floor(rand() * 2 ** (32 - bits));
        out.push(formatIPv4(parseIPv4(addr) + host));
      } else {
        parseIPv6(addr, w);
        for (let k = 0; k < 4; k++) {
          const free = Math.max(0, Math.min(32, 128 - bits - 32 * (3 - k)));
          const host = free === 0 ? 0 : Math.floor(rand() * 2 ** free);
          w[k] = (w[k]! | host) >>> 0;
        }
        out.push(formatIPv6(w));
      }
    } else if (family === 4) {
      let n = 0;
      for (let tries = 0; tries < 1000; tries++) {
        n = Math.floor(1 + rand() * 222) * 2 ** 24 + Math.floor(rand() * 2 ** 24);
        if (!inside4(n)) break;
      }
      out.push(formatIPv4(n));
    } else {
      w[0] = (0x20000000 + Math.floor(rand() * 2 ** 29)) >>> 0; // 2000::/3
      w[1] = Math.floor(rand() * 2 ** 32);
      w[2] = Math.floor(rand() * 2 ** 32);
      w[3] = Math.floor(rand() * 2 ** 32);
      out.push(formatIPv6(w));
    }
  }
  return out;
}

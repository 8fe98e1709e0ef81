/**
 * One benchmark candidate, run in its own process by main.ts:
 *   node --import tsx bench/table/candidate.ts NAME DATA_DIR
 * Prints one JSON line: rates in lookups per second, open/build times in ms, a checksum of answers.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import CidrMatcher from 'cidr-matcher';
import ipaddr from 'ipaddr.js';
import { Reader } from 'mmdb-lib';
import { Netmask } from 'netmask';
import { formatIPv4Prefix, formatIPv6Prefix, parseIPv4, parseIPv6 } from '../../src/ip/index.ts';
import { parsePrefixList } from '../../src/prefix-list/index.ts';
import { compileTable, MultiUserTable } from '../../src/table/index.ts';

const [name, dir] = process.argv.slice(2) as [string, string];
/**
 * The query strings, each flat (sequential), as a header value read on the request path is: split()
 * gives slices of the file's string, which every character read must go through (parse-only rate
 * 20–25 % lower for IPv6). A JSON round trip makes fresh sequential strings, for every candidate.
 */
const queries = (file: string): string[] => JSON.parse(JSON.stringify(readFileSync(join(dir, file), 'utf8').split('\n')));
const q4 = queries('q4.txt');
const q6 = queries('q6.txt');
const prefixRows = () =>
  readFileSync(join(dir, 'prefixes.csv'), 'utf8')
    .split('\n')
    .slice(1)
    .filter(Boolean)
    .map((l) => {
      const [prefix, kind, users] = l.split(',') as [string, string, string];
      return { prefix, kind, users: users === '' ? undefined : Number(users) };
    });

/** Runs `fn` over the queries: a warm-up pass, then a timed pass; stops early after `budgetMs`. */
function rate(queries: string[], fn: (q: string) => unknown, budgetMs = 1e9): { perSec: number; hits: number; n: number } {
  const warm = Math.min(queries.length, 200_000);
  const t0 = performance.now();
  for (let i = 0; i < warm; i++) {
    fn(queries[i]!);
    if ((i & 63) === 0 && performance.now() - t0 > budgetMs / 4) break;
  }
  let hits = 0;
  let n = 0;
  const start = performance.now();
  for (; n < queries.length; n++) {
    if (fn(queries[n]!) !== undefined) hits++;
    if ((n & 63) === 0 && performance.now() - start > budgetMs) {
      n++;
      break;
    }
  }
  return { perSec: (n / (performance.now() - start)) * 1000, hits, n };
}

function rateN<T>(items: T[], fn: (x: T) => unknown): number {
  for (let i = 0; i < Math.min(items.length, 200_000); i++) fn(items[i]!);
  const start = performance.now();
  let hits = 0;
  for (let i = 0; i < items.length; i++) if (fn(items[i]!) !== undefined) hits++;
  return (items.length / (performance.now() - start)) * 1000 + hits * 0;
}

/** Order-sensitive checksum of the kinds answered for the first 20k queries (to compare candidates). */
function fingerprint(queries: string[], fn: (q: string) => { kind?: string } | undefined | null): string {
  let h = 0;
  for (let i = 0; i < Math.min(20_000, queries.length); i++) {
    const k = fn(queries[i]!)?.kind ?? '-';
    for (let j = 0; j < k.length; j++) h = (Math.imul(h, 31) + k.charCodeAt(j)) | 0;
  }
  return (h >>> 0).toString(16);
}

/** Both families' rates, hits and fingerprints for one lookup function (IPv6 optionally within a time budget). */
function measureBoth(fn: (q: string) => { kind?: string } | undefined | null, budget6Ms?: number): Record<string, unknown> {
  const r4 = rate(q4, fn);
  const r6 = rate(q6, fn, budget6Ms);
  return { v4: r4.perSec, v6: r6.perSec, hits4: r4.hits, hits6: r6.hits, fp4: fingerprint(q4, fn), fp6: fingerprint(q6, fn) };
}

const out: Record<string, unknown> = { name };
const bytes = readFileSync(join(dir, 'table.bin'));

switch (name) {
  case 'parse': {
    out.v4 = rate(q4, (q) => (parseIPv4(q) >= 0 ? 1 : undefined)).perSec;
    const w = new Uint32Array(4);
    out.v6 = rate(q6, (q) => (parseIPv6(q, w) ? 1 : undefined)).perSec;
    break;
  }
  case 'format': {
    // The prefix text lookup() writes per answer: every answer's prefix, parsed back, then formatted.
    const table = MultiUserTable.from(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    const answers = (queries: string[]) =>
      queries.flatMap((q) => {
        const m = table.lookup(q);
        if (m === undefined) return [];
        const slash = m.prefix.indexOf('/');
        const w = new Uint32Array(4);
        const v4 = parseIPv4(m.prefix.slice(0, slash));
        if (v4 >= 0) w[3] = v4;
        else parseIPv6(m.prefix.slice(0, slash), w);
        return [{ w, bits: Number(m.prefix.slice(slash + 1)) }];
      });
    out.v4 = rateN(answers(q4), (a) => formatIPv4Prefix(a.w[3]!, a.bits));
    out.v6 = rateN(answers(q6), (a) => formatIPv6Prefix(a.w, a.bits));
    break;
  }
  case 'table-lookup':
  case 'table-classify': {
    const t0 = performance.now();
    const table = MultiUserTable.from(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    table.lookup(q4[0]!);
    out.openMs = performance.now() - t0;
    const v0 = performance.now();
    table.verify();
    out.verifyMs = performance.now() - v0;
    const fn = name === 'table-lookup' ? (q: string) => table.lookup(q) : (q: string) => table.classify(q);
    Object.assign(out, measureBoth(fn));
    if (name === 'table-lookup') {
      const n4 = q4.map(parseIPv4);
      const w6 = q6.map((q) => {
        const w = new Uint32Array(4);
        parseIPv6(q, w);
        return w;
      });
      out.v4Numeric = rateN(n4, (n) => table.lookupV4(n));
      out.v6Numeric = rateN(w6, (w) => table.lookupV6(w));
      out.v4NumericClassify = rateN(n4, (n) => table.classifyV4(n));
      out.v6NumericClassify = rateN(w6, (w) => table.classifyV6(w));
    }
    break;
  }
  case 'build': {
    const text = readFileSync(join(dir, 'prefixes.csv'), 'utf8');
    const t0 = performance.now();
    const { entries, errors } = parsePrefixList(text, { file: 'prefixes.csv' });
    const t1 = performance.now();
    if (errors.length > 0) throw new Error(errors[0]!.message);
    compileTable(entries);
    const t2 = performance.now();
    Object.assign(out, { parseMs: t1 - t0, compileMs: t2 - t1 });
    break;
  }
  case 'mmdb-lib': {
    const db = readFileSync(join(dir, 'data.mmdb'));
    const t0 = performance.now();
    // mmdb-lib types records as MaxMind's own products; ours is { kind, users? }.
    const reader = new Reader(db);
    reader.get(q4[0]!);
    out.openMs = performance.now() - t0;
    const fn = (q: string) => (reader.get(q) as { kind: string } | null) ?? undefined;
    Object.assign(out, measureBoth(fn));
    break;
  }
  case 'ipaddr-map': {
    // Hand-rolled: ipaddr.js parses; one Map per prefix length; try lengths from longest to shortest.
    const t0 = performance.now();
    const maps4 = new Map<number, Map<number, { kind: string; users?: number }>>();
    const maps6 = new Map<number, Map<string, { kind: string; users?: number }>>();
    for (const p of prefixRows()) {
      const [addr, len] = ipaddr.parseCIDR(p.prefix);
      const value = { kind: p.kind, users: p.users };
      if (addr.kind() === 'ipv4') {
        const b = addr.toByteArray();
        const n = ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
        if (!maps4.has(len)) maps4.set(len, new Map());
        maps4.get(len)!.set(n, value);
      } else {
        if (!maps6.has(len)) maps6.set(len, new Map());
        maps6.get(len)!.set(key6((addr as ipaddr.IPv6).parts, len), value);
      }
    }
    const lens4 = [...maps4.keys()]
      .sort((a, b) => b - a)
      .map((l) => [l, l === 0 ? 0 : (0xffffffff << (32 - l)) >>> 0, maps4.get(l)!] as const);
    const lens6 = [...maps6.keys()].sort((a, b) => b - a).map((l) => [l, maps6.get(l)!] as const);
    out.buildMs = performance.now() - t0;
    const fn = (q: string) => {
      if (!ipaddr.isValid(q)) return undefined;
      let a = ipaddr.parse(q);
      if (a.kind() === 'ipv6' && (a as ipaddr.IPv6).isIPv4MappedAddress()) a = (a as ipaddr.IPv6).toIPv4Address();
      if (a.kind() === 'ipv4') {
        const b = a.toByteArray();
        const n = ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
        for (const [, mask, m] of lens4) {
          const v = m.get((n & mask) >>> 0);
          if (v) return v;
        }
        return undefined;
      }
      const parts = (a as ipaddr.IPv6).parts;
      for (const [len, m] of lens6) {
        const v = m.get(key6(parts, len));
        if (v) return v;
      }
      return undefined;
    };
    Object.assign(out, measureBoth(fn, 3000));
    break;
  }
  case 'cidr-matcher': {
    const t0 = performance.now();
    const rows = prefixRows();
    const m4 = new CidrMatcher(rows.filter((r) => !r.prefix.includes(':')).map((r) => r.prefix));
    const m6 = new CidrMatcher(rows.filter((r) => r.prefix.includes(':')).map((r) => r.prefix));
    out.buildMs = performance.now() - t0;
    const r4 = rate(q4, (q) => (m4.contains(q) ? true : undefined), 3000);
    const r6 = rate(q6, (q) => (m6.contains(q) ? true : undefined), 3000);
    Object.assign(out, { v4: r4.perSec, v6: r6.perSec, n4: r4.n, n6: r6.n, note: 'linear scan, boolean answer' });
    break;
  }
  case 'netmask': {
    const t0 = performance.now();
    const blocks = prefixRows()
      .filter((r) => !r.prefix.includes(':'))
      .map((r) => ({ block: new Netmask(r.prefix), r }));
    out.buildMs = performance.now() - t0;
    // The usual pattern: find the matching blocks, keep the most specific. IPv4 only.
    const fn = (q: string) => {
      let best: (typeof blocks)[number] | undefined;
      for (const b of blocks) if (b.block.contains(q) && (!best || b.block.bitmask > best.block.bitmask)) best = b;
      return best?.r;
    };
    const r4 = rate(q4, fn, 3000);
    Object.assign(out, { v4: r4.perSec, n4: r4.n, note: 'linear scan, IPv4 only' });
    break;
  }
  default:
    throw new Error(`unknown candidate ${name}`);
}

function key6(parts: number[], len: number): string {
  let s = '';
  for (let i = 0; i < 8; i++) {
    const keep = Math.max(0, Math.min(16, len - 16 * i));
    s += ((parts[i]! & (keep === 0 ? 0 : (0xffff << (16 - keep)) & 0xffff)) >>> 0).toString(16) + ':';
  }
  return s + len;
}

process.stdout.write(`${JSON.stringify(out)}\n`);

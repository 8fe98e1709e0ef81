import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REAL_LISTS, REAL_LISTS_DIR } from '../../bench/table/real-lists.ts';
import { buildTable } from '../../scripts/build-table.ts';
import { readTableInputs } from '../../scripts/lib/table-inputs.ts';
import { formatIPv4, formatIPv6, parseIPv4, parseIPv6 } from '../../src/ip/index.ts';
import type { PrefixEntry } from '../../src/prefix-list/index.ts';
import { MultiUserTable, type MultiUserMatch } from '../../src/table/index.ts';

const root = new URL('../..', import.meta.url).pathname;
const inputs = REAL_LISTS.map((l) => ({ file: join(REAL_LISTS_DIR, l.file), kind: l.kind }));

const toBig = (family: 4 | 6, text: string): bigint => {
  if (family === 4) return BigInt(parseIPv4(text));
  const w = new Uint32Array(4);
  parseIPv6(text, w);
  return (BigInt(w[0]!) << 96n) | (BigInt(w[1]!) << 64n) | (BigInt(w[2]!) << 32n) | BigInt(w[3]!);
};
const text = (family: 4 | 6, v: bigint): string => {
  if (family === 4) return formatIPv4(Number(v));
  return formatIPv6(Uint32Array.from([96n, 64n, 32n, 0n], (s) => Number((v >> s) & 0xffffffffn)));
};

/**
 * The independent reference: every list's entries in a Map keyed by (family, network, length), the
 * first list to name a prefix winning; a lookup masks the address to every length from the longest
 * down and takes the first hit. No ranges, no flattening, no bit packing.
 */
class Reference {
  private readonly byKey = new Map<string, PrefixEntry>();
  constructor(lists: PrefixEntry[][]) {
    for (const list of lists) for (const e of list) if (!this.byKey.has(e.prefix)) this.byKey.set(e.prefix, e);
  }
  lookup(family: 4 | 6, a: bigint): MultiUserMatch | undefined {
    const width = family === 4 ? 32 : 128;
    for (let bits = width; bits >= 0; bits--) {
      const net = (a >> BigInt(width - bits)) << BigInt(width - bits);
      const e = this.byKey.get(`${text(family, net)}/${bits}`);
      if (e) return { prefix: e.prefix, kind: e.kind, users: e.users };
    }
    return undefined;
  }
}

describe('the real lists combined in one build (the README example made real)', async () => {
  const result = await buildTable({ cwd: root, inputs, write: false });
  const table = MultiUserTable.from(result.bytes);
  // Each list parsed on its own, for the reference and for drawing addresses.
  const perList = REAL_LISTS.map((_, i) =>
    readTableInputs([inputs[i]!], { cwd: root, allowDocumentation: false, skipInvalid: false, onConflict: 'first' }),
  );

  it('builds: every list parses, nothing is skipped, the table verifies', () => {
    expect(perList.flatMap((p) => p.problems)).toEqual([]);
    table.verify();
    expect(result.stats.v4Prefixes + result.stats.v6Prefixes).toBeGreaterThan(40_000);
  });

  it('reports the prefixes each list lost to an earlier one (Apple relay ranges are also in X4BNet VPN)', () => {
    const lost = Object.fromEntries(result.manifest.inputs.map((i) => [i.file.split('/').pop(), i.lost]));
    expect(lost['tor-exit-ips-secops_tor-exit-nodes.lst.gz']).toBe(0); // the first list loses nothing
    expect(lost['x4bnet-lists-vpn_output_vpn_ipv4.txt.gz']).toBeGreaterThan(0);
    expect(result.summary).toMatch(/x4bnet-lists-vpn_output_vpn_ipv4\.txt\.gz \(gzip\): \d+ entries, \d+ lost to an earlier input/);
  });

  it('answers like the reference on addresses drawn from every list (first, last, middle of prefixes, and just past them)', () => {
    const ref = new Reference(perList.map((p) => p.entries));
    let checked = 0;
    perList.forEach((p, li) => {
      const entries = p.entries;
      expect(entries.length, REAL_LISTS[li]!.file).toBeGreaterThan(0);
      const step = Math.max(1, Math.floor(entries.length / 150));
      for (let i = 0; i < entries.length; i += step) {
        const e = entries[i]!;
        const [addr] = e.prefix.split('/') as [string];
        const width = e.family === 4 ? 32 : 128;
        const first = toBig(e.family, addr);
        const size = 1n << BigInt(width - e.bits);
        const last = first + size - 1n;
        const probes = [first, last, first + size / 2n, last + 1n < 1n << BigInt(width) ? last + 1n : first];
        for (const a of probes) {
          const ip = text(e.family, a);
          expect(table.lookup(ip), `${ip} (from ${e.file}:${e.line})`).toEqual(ref.lookup(e.family, a));
          checked++;
        }
      }
    });
    expect(checked).toBeGreaterThan(4000);
  });
});

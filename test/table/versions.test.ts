import { readFileSync, rmSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it, onTestFinished } from 'vitest';
import { buildTable } from '../../scripts/build-table.ts';
import { parsePrefixList } from '../../src/prefix-list/index.ts';
import {
  compileTable,
  type MultiUserKind,
  MultiUserTable,
  readTablePrefixes,
  TableFormatError,
  type TableEntry,
} from '../../src/table/index.ts';

// test/fixtures/tables/PROVENANCE.md: a version-1 table of exactly these entries.
const entries: TableEntry[] = [];
for (let i = 0; i < 400; i++) entries.push({ prefix: `11.${i >>> 8}.${i & 255}.0/24`, kind: 'cgnat', users: i + 1 });
for (let i = 0; i < 400; i += 7) entries.push({ prefix: `11.${i >>> 8}.${i & 255}.64/28`, kind: 'vpn', users: undefined });
entries.push(
  { prefix: '8.0.0.0/9', kind: 'tor', users: undefined },
  { prefix: '2a00:1000::/32', kind: 'relay', users: undefined },
  { prefix: '2a00:1000:5::/48', kind: 'vpn', users: 3 },
  { prefix: '2a00:1000:5:1::/64', kind: 'proxy', users: 9 },
  { prefix: '2a00:1000:5:1::1/128', kind: 'tor', users: undefined },
);
const v1 = gunzipSync(readFileSync(new URL('../fixtures/tables/v1-escapes.bin.gz', import.meta.url)));
// test/fixtures/tables/PROVENANCE.md: a version-2 table built by the version-2 compiler from the real list excerpts.
const v2 = gunzipSync(readFileSync(new URL('../fixtures/tables/v2-real-excerpts.bin.gz', import.meta.url)));
const lists = fileURLToPath(new URL('../fixtures/lists/', import.meta.url));
/** The inputs (and kinds) the version-2 fixture was built from. */
const v2Inputs: ReadonlyArray<{ file: string; kind?: MultiUserKind }> = [
  { file: join(lists, 'tor-exit-nodes.excerpt.lst'), kind: 'tor' },
  { file: join(lists, 'apple-egress.excerpt.csv') },
  { file: join(lists, 'tmus-geo-ip.excerpt.txt'), kind: 'cgnat' },
  { file: join(lists, 'ProtonVPNExitNodes.excerpt.csv'), kind: 'vpn' },
  { file: join(lists, 'mullvadvpn.excerpt.txt'), kind: 'vpn' },
];

/** The error `MultiUserTable.from` throws for these bytes. */
function openError(bytes: Uint8Array): unknown {
  try {
    MultiUserTable.from(bytes);
  } catch (e) {
    return e;
  }
  return undefined;
}

describe('older tables', () => {
  it.each([
    [1, v1],
    [2, v2],
  ])('a version-%i table fails to open with a clear version error', (version, bytes) => {
    const err = openError(bytes);
    expect(err).toBeInstanceOf(TableFormatError);
    expect(err).toMatchObject({ code: 'unsupported-version' });
    expect((err as Error).message).toContain(
      `expected format version 3, got ${version} (an older table: rebuild it with npm run build:table)`,
    );
  });

  it('readTablePrefixes reads the version-2 table (real list excerpts) as the prefixes of the lists', async () => {
    // Independent of both table readers: the lists' prefixes as the parser reads them (no prefix of
    // these excerpts is fully covered by more-specific ones, so each decides some address).
    const parsed = v2Inputs.flatMap((i) => parsePrefixList(readFileSync(i.file, 'utf8'), { file: i.file, kind: i.kind }).entries);
    const expected = [...new Set(parsed.map((e) => e.prefix))].sort();
    const built = await buildTable({ cwd: lists, inputs: [...v2Inputs], write: false });
    expect(expected.length).toBe(174); // 126 IPv4 + 48 IPv6, as the fixture's header says
    expect(readTablePrefixes(v2).sort()).toEqual(expected);
    expect(readTablePrefixes(built.bytes).sort()).toEqual(expected);
  });

  it('a version-2 table whose bytes were damaged is refused, not misread', () => {
    const b = new Uint8Array(v2); // a copy (Buffer#slice would share the fixture's bytes)
    b[200]! ^= 1;
    expect(() => readTablePrefixes(b)).toThrow(expect.objectContaining({ code: 'checksum-mismatch' }));
  });

  it('readTablePrefixes reads the same prefix set from the version-1 table and its current-format rebuild', () => {
    // Every entry decides some address (no prefix is fully covered by more-specifics), so both are the entries' prefixes.
    const expected = entries.map((e) => e.prefix).sort();
    expect(readTablePrefixes(v1).sort()).toEqual(expected);
    expect(readTablePrefixes(compileTable(entries).bytes).sort()).toEqual(expected);
  });

  it('the churn guard across 2 → 3: rebuilding the same real lists is 0% churn', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'versions-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, 'old.bin'), v2);
    const r = await buildTable({ cwd: dir, inputs: [...v2Inputs], previous: 'old.bin', maxChurn: 0, write: false });
    expect(r.churn).toEqual({ previous: 174, added: 0, removed: 0, percent: 0 });
  });

  it('the churn guard compares prefix sets across the format change: a rebuild of the same list is 0% churn', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'versions-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, 'old.bin'), v1);
    writeFileSync(join(dir, 'list.csv'), `prefix,kind,users\n${entries.map((e) => `${e.prefix},${e.kind},${e.users ?? ''}`).join('\n')}\n`);
    const r = await buildTable({ cwd: dir, inputs: [{ file: 'list.csv' }], previous: 'old.bin', maxChurn: 0, write: false });
    expect(r.churn).toEqual({ previous: entries.length, added: 0, removed: 0, percent: 0 });
  });
});

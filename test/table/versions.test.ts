import { readFileSync, rmSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it, onTestFinished } from 'vitest';
import { buildTable } from '../../scripts/build-table.ts';
import { compileTable, MultiUserTable, readTablePrefixes, TableFormatError, type TableEntry } from '../../src/table/index.ts';

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

describe('older tables', () => {
  it('a version-1 table fails to open with a clear version error', () => {
    let err: unknown;
    try {
      MultiUserTable.from(v1);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TableFormatError);
    expect(err).toMatchObject({ code: 'unsupported-version' });
    expect((err as Error).message).toMatch(/expected format version 2, got 1 \(an older table: rebuild it with npm run build:table\)/);
  });

  it('readTablePrefixes reads the same prefix set from the version-1 table and its version-2 rebuild', () => {
    // Every entry decides some address (no prefix is fully covered by more-specifics), so both are the entries' prefixes.
    const expected = entries.map((e) => e.prefix).sort();
    expect(readTablePrefixes(v1).sort()).toEqual(expected);
    expect(readTablePrefixes(compileTable(entries).bytes).sort()).toEqual(expected);
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

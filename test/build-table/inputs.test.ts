import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { buildTable, BuildTableError } from '../../scripts/build-table.ts';
import { MultiUserTable } from '../../src/table/index.ts';

const root = new URL('../..', import.meta.url).pathname;
// Every case's directory lives under one scratch root, removed when the file's tests end.
const scratch = mkdtempSync(join(tmpdir(), 'build-table-inputs-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const tmp = () => mkdtempSync(join(scratch, 'case-'));
const cli = (cwd: string, ...args: string[]) => {
  const r = spawnSync(join(root, 'node_modules/.bin/tsx'), [join(root, 'scripts/build-table.ts'), ...args], { cwd, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};
async function failure(p: Promise<unknown>): Promise<BuildTableError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(BuildTableError);
  return e as BuildTableError;
}

describe('build-table inputs: precedence', () => {
  const lists = (dir: string) => {
    writeFileSync(join(dir, 'a.csv'), 'prefix,kind,users\n8.8.8.0/24,vpn,\n9.9.9.0/24,proxy,7\n');
    // 8.8.8.0/24 and 9.9.9.0/24 differ from a.csv (both lost); 1.1.1.0/24 is new; 9.9.9.0/24 repeated identically below is no loss.
    writeFileSync(join(dir, 'b.txt'), '# tor list\n8.8.8.0/24\n1.1.1.0/24\n9.9.9.0/24\n');
    writeFileSync(join(dir, 'c.csv'), 'prefix,kind,users\n9.9.9.0/24,proxy,7\n');
  };

  it('the earlier --in wins; the summary says how many prefixes each input lost', async () => {
    const dir = tmp();
    lists(dir);
    const r = await buildTable({ cwd: dir, inputs: [{ file: 'a.csv' }, { file: 'b.txt', kind: 'tor' }, { file: 'c.csv' }], write: false });
    const t = MultiUserTable.from(r.bytes);
    expect(t.lookup('8.8.8.8')).toEqual({ prefix: '8.8.8.0/24', kind: 'vpn', users: undefined });
    expect(t.lookup('9.9.9.9')).toEqual({ prefix: '9.9.9.0/24', kind: 'proxy', users: 7 });
    expect(t.lookup('1.1.1.1')).toEqual({ prefix: '1.1.1.0/24', kind: 'tor', users: undefined });
    expect(r.manifest.inputs.map((i) => [i.file, i.entries, i.lost])).toEqual([
      ['a.csv', 2, 0],
      ['b.txt', 3, 2],
      ['c.csv', 1, 0],
    ]);
    expect(r.summary).toContain('b.txt: 3 entries, 2 lost to an earlier input');
    expect(r.summary).toContain('b.txt:2: 8.8.8.0/24 tor users=(empty) lost to vpn users=(empty) from a.csv:2');
  });

  it('--on-conflict error keeps the strict behaviour', async () => {
    const dir = tmp();
    lists(dir);
    const e = await failure(
      buildTable({ cwd: dir, inputs: [{ file: 'a.csv' }, { file: 'b.txt', kind: 'tor' }], onConflict: 'error', write: false }),
    );
    expect(e.problems).toHaveLength(2);
    expect(e.problems[0]).toMatch(/^b\.txt:2: expected one set of attributes per prefix: 8\.8\.8\.0\/24 is kind=tor .* at a\.csv:2$/);
  });

  it('the same prefix twice in ONE file with different attributes stays an error', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'a.csv'), 'prefix,kind,users\n8.8.8.0/24,vpn,\n8.8.8.0/24,tor,\n');
    const e = await failure(buildTable({ cwd: dir, inputs: [{ file: 'a.csv' }], write: false }));
    expect(e.problems).toEqual([expect.stringMatching(/^a\.csv:3: expected one set of attributes per prefix/)]);
  });
});

describe('build-table inputs: empty, gzip, invalid lines, special-purpose supersets', () => {
  it.each([
    ['an empty file', ''],
    ['a comment-only file', '# nothing today\n\n# (download failed)\n'],
    ['a CSV header only', 'prefix,kind,users\n'],
  ])('%s is an error unless allowEmpty', async (_name, text) => {
    const dir = tmp();
    writeFileSync(join(dir, 'l.csv'), text);
    const e = await failure(buildTable({ cwd: dir, inputs: [{ file: 'l.csv', kind: 'vpn' }], write: false }));
    expect(e.problems).toEqual([expect.stringMatching(/^l\.csv: expected at least one prefix, found none .*--allow-empty/)]);
    const r = await buildTable({ cwd: dir, inputs: [{ file: 'l.csv', kind: 'vpn' }], allowEmpty: true, write: false });
    expect(r.stats.v4Prefixes + r.stats.v6Prefixes).toBe(0);
    expect(MultiUserTable.from(r.bytes).lookup('8.8.8.8')).toBeUndefined();
  });

  it('reads a gzip-compressed list (detected from the content) like the plain one', async () => {
    const dir = tmp();
    const text = readFileSync(join(root, 'test/fixtures/lists/tor-exit-nodes.excerpt.lst'));
    writeFileSync(join(dir, 'tor.lst'), text);
    writeFileSync(join(dir, 'tor.lst.gz'), gzipSync(text));
    const plain = await buildTable({ cwd: dir, inputs: [{ file: 'tor.lst', kind: 'tor' }], write: false });
    const gz = await buildTable({ cwd: dir, inputs: [{ file: 'tor.lst.gz', kind: 'tor' }], write: false });
    expect(Buffer.from(gz.bytes).equals(Buffer.from(plain.bytes))).toBe(true);
    expect(gz.manifest.inputs[0]).toMatchObject({ gzip: true, entries: plain.manifest.inputs[0]!.entries });
    expect(gz.summary).toContain('tor.lst.gz (gzip): ');
  });

  it('a corrupt gzip file is a one-line problem naming the file', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'x.gz'), Buffer.concat([gzipSync('8.8.8.0/24\n').subarray(0, 12)]));
    const e = await failure(buildTable({ cwd: dir, inputs: [{ file: 'x.gz', kind: 'vpn' }], write: false }));
    expect(e.problems).toEqual([expect.stringMatching(/^x\.gz: gzip data is corrupt/)]);
  });

  const mixed = [
    'prefix,kind,users',
    '192.88.0.0/16,vpn,', // contains 192.88.99.0/24 (6to4 relay anycast): accepted
    '192.88.99.0/24,vpn,', // inside it: a per-line error
    '2001::/20,vpn,', // contains 2001:2::/48 and 2001:db8::/32: accepted
    '10.1.0.0/16,vpn,', // inside private-use
    '8.8.8.9/24,vpn,', // host bits
    '9.9.9.0/24,tor,',
  ].join('\n');

  it('a prefix inside special-purpose space fails the build, naming every bad line', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'm.csv'), mixed);
    const e = await failure(buildTable({ cwd: dir, inputs: [{ file: 'm.csv' }], write: false }));
    expect(e.problems.map((p) => p.split(':')[1])).toEqual(['3', '5', '6']);
  });

  it('--skip-invalid writes the rest and reports every skipped line; supersets of special space answer inside it', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'm.csv'), mixed);
    const r = await buildTable({ cwd: dir, inputs: [{ file: 'm.csv' }], skipInvalid: true, write: false });
    expect(r.skipped.map((p) => p.split(':').slice(0, 2).join(':'))).toEqual(['m.csv:3', 'm.csv:5', 'm.csv:6']);
    expect(r.summary).toContain('skipped 3 invalid line(s) (--skip-invalid):');
    expect(r.summary).toMatch(
      /m\.csv:3: expected a public unicast prefix, got 192\.88\.99\.0\/24, which lies inside special-purpose 192\.88\.99\.0\/24/,
    );
    expect(r.manifest.inputs[0]).toMatchObject({ entries: 3, skipped: 3 });
    const t = MultiUserTable.from(r.bytes);
    // Inside the special block the enclosing routed prefix answers (documented in docs/table-format.md).
    expect(t.lookup('192.88.99.1')).toEqual({ prefix: '192.88.0.0/16', kind: 'vpn', users: undefined });
    expect(t.lookup('2001:db8::1')).toEqual({ prefix: '2001::/20', kind: 'vpn', users: undefined });
    expect(t.lookup('10.1.2.3')).toBeUndefined();
  });
});

describe('build-table CLI: output and input errors', () => {
  it('--out naming a directory: one line, exit 1, no stack trace', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'a.csv'), 'prefix,kind,users\n8.8.8.0/24,vpn,\n');
    mkdirSync(join(dir, 'outdir'));
    const r = cli(dir, '--in', 'a.csv', '--out', 'outdir');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/outdir: cannot write \(is a directory, expected a file name\)/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('an empty input exits 1 with a clear message; --allow-empty writes the table', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'e.txt'), '# empty\n');
    const r = cli(dir, '--in', 'e.txt', '--kind', 'vpn', '--out', 't.bin');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('e.txt: expected at least one prefix, found none');
    expect(cli(dir, '--in', 'e.txt', '--kind', 'vpn', '--out', 't.bin', '--allow-empty').code).toBe(0);
    expect(MultiUserTable.from(readFileSync(join(dir, 't.bin'))).info.v4Prefixes).toBe(0);
  });
});

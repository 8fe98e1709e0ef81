import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildTable, BuildTableError, ChurnGuardError, parseBuildArgs } from '../../scripts/build-table.ts';
import { FORMAT_VERSION, MultiUserTable } from '../../src/table/index.ts';

const root = new URL('../..', import.meta.url).pathname;
const script = join(root, 'scripts/build-table.ts');
const tsx = join(root, 'node_modules/.bin/tsx');
const lists = join(root, 'test/fixtures/lists');

// Every case's directory lives under one scratch root, removed when the file's tests end.
const scratch = mkdtempSync(join(tmpdir(), 'build-table-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
function tmp(): string {
  return mkdtempSync(join(scratch, 'case-'));
}
function cli(cwd: string, ...args: string[]) {
  const r = spawnSync(tsx, [script, ...args], { cwd, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

describe('build-table CLI', () => {
  it('with no arguments builds data/multi-user-prefixes.csv into src/worker/generated/', () => {
    const dir = tmp();
    mkdirSync(join(dir, 'data'));
    copyFileSync(join(root, 'data/multi-user-prefixes.csv'), join(dir, 'data/multi-user-prefixes.csv'));
    const r = cli(dir);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const bin = join(dir, 'src/worker/generated/multi-user-table.bin');
    const manifest = JSON.parse(readFileSync(join(dir, 'src/worker/generated/multi-user-table.manifest.json'), 'utf8'));
    expect(r.stdout).toMatch(/IPv4: 7 prefixes \(cgnat 1, enterprise 2, vpn 1, relay 1, proxy 1, tor 1\)/);
    expect(r.stdout).toMatch(/IPv6: 5 prefixes/);
    expect(r.stdout).toMatch(/bytes: \d+ \([\d.]+ B\/prefix\), gzip \d+/);
    expect(r.stdout).toContain(`sha256: ${sha(bin)}`);
    expect(manifest).toMatchObject({
      formatVersion: FORMAT_VERSION,
      table: { file: 'multi-user-table.bin', sha256: sha(bin) },
      counts: { ipv4: 7, ipv6: 5, byKind: { ipv4: { cgnat: 1, enterprise: 2 } } },
      inputs: [
        { file: 'data/multi-user-prefixes.csv', format: 'csv', entries: 12, sha256: sha(join(dir, 'data/multi-user-prefixes.csv')) },
      ],
    });
    const table = MultiUserTable.from(readFileSync(bin));
    table.verify();
    expect(table.lookup('198.51.100.70')).toEqual({ prefix: '198.51.100.64/28', kind: 'enterprise', users: 40 });
    expect(table.lookup('198.51.100.7')).toEqual({ prefix: '198.51.100.0/24', kind: 'cgnat', users: 1200 });
  });

  it('builds a table from real lists (test/fixtures/lists) with per-file kinds', () => {
    const dir = tmp();
    const r = cli(
      dir,
      '--in',
      join(lists, 'tor-exit-nodes.excerpt.lst'),
      '--kind',
      'tor',
      '--in',
      join(lists, 'apple-egress.excerpt.csv'),
      '--in',
      join(lists, 'tmus-geo-ip.excerpt.txt'),
      '--kind',
      'cgnat',
      '--in',
      join(lists, 'ProtonVPNExitNodes.excerpt.csv'),
      '--kind',
      'vpn',
      '--in',
      join(lists, 'mullvadvpn.excerpt.txt'),
      '--kind',
      'vpn',
      '--out',
      'out/table.bin',
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const table = MultiUserTable.from(readFileSync(join(dir, 'out/table.bin')));
    table.verify();
    expect(table.lookup('101.99.92.179')).toMatchObject({ prefix: '101.99.92.179/32', kind: 'tor' });
    expect(table.lookup('172.224.226.5')).toMatchObject({ prefix: '172.224.226.0/27', kind: 'relay' });
    expect(table.lookup('208.54.137.250')).toMatchObject({ prefix: '208.54.137.250/32', kind: 'cgnat' });
    expect(table.lookup('208.54.1.1')).toMatchObject({ prefix: '208.54.0.0/17', kind: 'cgnat' });
    expect(table.lookup('2607:fb90:1210::1')).toMatchObject({ prefix: '2607:fb90:1210::/44', kind: 'cgnat' });
    expect(table.lookup('2607:fb90:f::1')).toMatchObject({ prefix: '2607:fb90::/28', kind: 'cgnat' });
    expect(table.lookup('2.58.241.67')).toMatchObject({ kind: 'vpn' });
    expect(existsSync(join(dir, 'out/table.manifest.json'))).toBe(true);
  });

  it('on any error writes nothing and leaves an existing table untouched', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'good.csv'), 'prefix,kind,users\n8.8.8.0/24,vpn,\n');
    writeFileSync(join(dir, 'bad.csv'), 'prefix,kind,users\n8.8.4.0/24,vpn,\n8.8.4.9/24,tor,\n10.0.0.0/8,vpn,\n');
    expect(cli(dir, '--in', 'good.csv', '--out', 'table.bin').code).toBe(0);
    const before = readFileSync(join(dir, 'table.bin'));
    const manifestBefore = readFileSync(join(dir, 'table.manifest.json'), 'utf8');
    const r = cli(dir, '--in', 'good.csv', '--in', 'bad.csv', '--out', 'table.bin');
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('bad.csv:3: host bits set in "8.8.4.9/24": expected 8.8.4.0/24');
    expect(r.stderr).toContain('bad.csv:4: expected a public unicast prefix, got 10.0.0.0/8');
    expect(r.stderr).toContain('nothing written');
    expect(readFileSync(join(dir, 'table.bin')).equals(before)).toBe(true);
    expect(readFileSync(join(dir, 'table.manifest.json'), 'utf8')).toBe(manifestBefore);
    expect(readdirSync(dir).sort()).toEqual(['bad.csv', 'good.csv', 'table.bin', 'table.manifest.json']);
  });

  it('with --on-conflict error names both lines of a prefix listed twice with different attributes, across files', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'a.csv'), 'prefix,kind,users\n8.8.8.0/24,vpn,\n');
    writeFileSync(join(dir, 'b.txt'), '# tor\n8.8.8.0/24\n');
    const r = cli(dir, '--in', 'a.csv', '--in', 'b.txt', '--kind', 'tor', '--out', 't.bin', '--on-conflict', 'error');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/b\.txt:2: .*8\.8\.8\.0\/24 is kind=tor .* but kind=vpn .* at a\.csv:2/);
    expect(existsSync(join(dir, 't.bin'))).toBe(false);
  });

  it('accepts identical duplicates and gives the same bytes for inputs in any order', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'a.csv'), 'prefix,kind,users\n8.8.8.0/24,vpn,\n9.9.0.0/16,cgnat,300\n2606:4700::/32,relay,\n');
    writeFileSync(join(dir, 'b.csv'), 'prefix,kind,users\n9.9.9.0/24,proxy,\n8.8.8.0/24,vpn,\n');
    expect(cli(dir, '--in', 'a.csv', '--in', 'b.csv', '--out', 'x.bin').code).toBe(0);
    expect(cli(dir, '--in', 'b.csv', '--in', 'a.csv', '--out', 'y.bin').code).toBe(0);
    expect(sha(join(dir, 'x.bin'))).toBe(sha(join(dir, 'y.bin')));
  });

  it('churn guard: fails above --max-churn, printing the counts, and passes below it', () => {
    const dir = tmp();
    const rows = (n: number, from = 0) =>
      'prefix,kind,users\n' + Array.from({ length: n }, (_, i) => `11.0.${i + from}.0/24,vpn,\n`).join('');
    writeFileSync(join(dir, 'old.csv'), rows(10));
    writeFileSync(join(dir, 'new.csv'), rows(10, 2)); // 2 removed, 2 added → 40%
    expect(cli(dir, '--in', 'old.csv', '--out', 'old.bin').code).toBe(0);
    const r = cli(dir, '--in', 'new.csv', '--out', 'new.bin', '--previous', 'old.bin', '--max-churn', '25');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('old.bin: churn 40.00% exceeds --max-churn 25%: 2 prefixes added, 2 removed, 10 in the previous table');
    expect(existsSync(join(dir, 'new.bin'))).toBe(false);
    const ok = cli(dir, '--in', 'new.csv', '--out', 'new.bin', '--previous', 'old.bin', '--max-churn', '50');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('churn vs old.bin: +2 −2 of 10 (40.00%)');
  });

  it('churn guard: buildTable() throws a ChurnGuardError carrying the figures and the refused table', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'old.csv'), 'prefix,kind,users\n11.0.0.0/24,vpn,\n11.0.1.0/24,vpn,\n');
    writeFileSync(join(dir, 'new.csv'), 'prefix,kind,users\n11.0.0.0/24,vpn,\n11.0.2.0/24,tor,\n');
    await buildTable({ cwd: dir, inputs: [{ file: 'old.csv' }], out: 'old.bin' });
    const err = await buildTable({ cwd: dir, inputs: [{ file: 'new.csv' }], out: 'new.bin', previous: 'old.bin', maxChurn: 50 }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ChurnGuardError);
    expect(err).toBeInstanceOf(BuildTableError);
    expect((err as ChurnGuardError).churn).toEqual({ previous: 2, added: 1, removed: 1, percent: 100 });
    expect(MultiUserTable.from((err as ChurnGuardError).refused).lookup('11.0.2.9')?.kind).toBe('tor');
    expect(existsSync(join(dir, 'new.bin'))).toBe(false);
  });

  it.each([
    [['--kind', 'tor', '--in', 'x'], '--kind must follow the --in FILE'],
    [['--in', 'x', '--kind', 'mobile'], '--kind mobile: expected one of'],
    [['--bogus'], 'build-table: unknown option --bogus\n'],
    [['--in', 'x', '--max-churn', '5'], 'build-table: --max-churn needs --previous'],
    [['--in', 'x', '--previous', 'p', '--max-churn', 'lots'], '--max-churn: expected a percentage ≥ 0, got "lots"'],
  ])('usage error %j exits 2', (args, message) => {
    const r = cli(tmp(), ...args);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
  });

  it('reports a missing input or binary input by file', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'bin.csv'), new Uint8Array([0xff, 0xfe, 0x00, 0x80]));
    const r = cli(dir, '--in', 'missing.csv', '--in', 'bin.csv', '--kind', 'vpn', '--out', 't.bin');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('missing.csv: no such file or directory (ENOENT)');
    expect(r.stderr).toContain('bin.csv:1: expected UTF-8 text');
  });
});

describe('buildTable()', () => {
  it('is importable and returns the bytes, manifest and summary without writing when asked', async () => {
    const r = await buildTable({ cwd: root, write: false });
    expect(r.manifest.counts).toMatchObject({ ipv4: 7, ipv6: 5 });
    expect(r.summary).toContain('sha256:');
    expect(MultiUserTable.from(r.bytes).lookup('2001:db8:100:1::9')?.kind).toBe('relay');
  });

  it('rejects documentation ranges in user lists unless allowed', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'doc.csv'), 'prefix,kind,users\n192.0.2.0/24,vpn,\n');
    await expect(buildTable({ cwd: dir, inputs: [{ file: 'doc.csv' }], write: false })).rejects.toBeInstanceOf(BuildTableError);
    const r = await buildTable({ cwd: dir, inputs: [{ file: 'doc.csv' }], allowDocumentation: true, write: false });
    expect(r.stats.v4Prefixes).toBe(1);
  });

  it('parses arguments, pairing each --kind with the --in before it', () => {
    expect(
      parseBuildArgs(['--in', 'a', '--in', 'b', '--kind', 'tor', '--out', 'o.bin', '--previous', 'p.bin', '--max-churn', '5%']),
    ).toEqual({
      inputs: [{ file: 'a' }, { file: 'b', kind: 'tor' }],
      out: 'o.bin',
      previous: 'p.bin',
      maxChurn: 5,
    });
    expect(parseBuildArgs([])).toEqual({});
  });
});

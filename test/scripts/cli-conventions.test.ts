/**
 * The conventions every `multi-user-ip` subcommand shares (scripts/lib/cli.ts), checked on each one
 * as a child process through the one entry point, scripts/cli.ts (the repo's npm scripts run it the
 * same way; the installed, compiled binary is checked in test/package/consumer.test.ts):
 * --help → usage on stdout, exit 0; an unknown or malformed flag → one line naming it plus a usage hint,
 * exit 2; a missing file, a directory as the output, a truncated gzip → exit 1, the file named, no stack.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'cli-conventions-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const put = (name: string, data: string | Uint8Array) => {
  writeFileSync(join(dir, name), data);
  return join(dir, name);
};
/** A gzip stream cut short: the header and part of the body, no trailer. */
const truncatedGzip = (name: string, text: string) => {
  const z = gzipSync(text);
  return put(name, z.subarray(0, z.length - 12));
};

const list = put('list.csv', 'prefix,kind,users\n81.2.69.0/24,cgnat,300\n');
const apacheLog = join(root, 'test/fixtures/detect-apache/apache-excerpt.log.gz');
const traceroutes = join(root, 'test/fixtures/ripe-atlas/sagan/traceroutes.jsonl');
const outDir = join(dir, 'an-output-directory');
mkdirSync(outDir);
const aFile = put('a-file.txt', 'not a directory\n');
const listGz = truncatedGzip('list.csv.gz', readFileSync(list, 'utf8').repeat(50));
const logGz = truncatedGzip('access.log.gz', readFileSync(apacheLog).toString('latin1'));
const atlasGz = truncatedGzip('atlas.jsonl.gz', readFileSync(traceroutes, 'utf8'));

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}
const cli = (args: string[]) =>
  new Promise<Result>((resolve) => {
    execFile(
      join(root, 'node_modules/.bin/tsx'),
      [join(root, 'scripts/cli.ts'), ...args],
      { cwd: dir, maxBuffer: 1 << 24 },
      (error, stdout, stderr) => {
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });

const COMMANDS = ['build-table', 'detect', 'validate', 'rebuild', 'simulate'];

describe.concurrent('every subcommand', () => {
  it.each(COMMANDS)('%s --help: usage on stdout, exit 0', async (command) => {
    const r = await cli([command, '--help']);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toMatch(new RegExp(`^usage: multi-user-ip ${command} `));
  });

  it.each(COMMANDS)('%s --bogus: one line naming it, a usage hint, exit 2', async (command) => {
    const r = await cli([command, '--bogus']);
    expect(r).toEqual({
      code: 2,
      stdout: '',
      stderr: `${command}: unknown option --bogus\nrun 'multi-user-ip ${command} --help' for usage\n`,
    });
  });

  it.each(COMMANDS.map((c) => [c, c === 'validate' ? '--report' : '--out']))(
    '%s %s without its value: named, exit 2',
    async (command, flag) => {
      const r = await cli([command, flag]);
      expect(r).toEqual({
        code: 2,
        stdout: '',
        stderr: `${command}: ${flag} needs a value\nrun 'multi-user-ip ${command} --help' for usage\n`,
      });
    },
  );
});

describe.concurrent('user mistakes name the file, exit 1, and show no stack trace', () => {
  const missing = join(dir, 'no-such-file.csv');
  it.each<[string, string[], string]>([
    ['build-table: a missing input', ['build-table', '--in', missing, '--out', 't.bin'], `${missing}: no such file or directory (ENOENT)`],
    ['detect: a missing log', ['detect', '--logs', missing, '--out', 'o.csv'], `${missing}: no such file or directory (ENOENT)`],
    ['validate: a missing traceroute file', ['validate', '--traceroutes', missing], `${missing}: no such file or directory (ENOENT)`],
    [
      'rebuild: a missing list',
      ['rebuild', '--detected', missing, '--out', 't.bin', '--out-list', 'l.csv'],
      `${missing}: no such file or directory (ENOENT)`,
    ],
    ['build-table: a directory as --out', ['build-table', '--in', list, '--out', outDir], `${outDir}: cannot write (is a directory`],
    [
      'detect: a directory as --out',
      ['detect', '--logs', apacheLog, '--out', outDir, '--quiet'],
      `${outDir}: cannot write (is a directory`,
    ],
    [
      'validate: a directory as --labels-out',
      ['validate', '--traceroutes', traceroutes, '--labels-out', outDir],
      `${outDir}: cannot write (is a directory`,
    ],
    [
      'rebuild: a directory as --out',
      ['rebuild', '--detected', list, '--out', outDir, '--out-list', 'l2.csv'],
      `${outDir}: cannot write (is a directory`,
    ],
    ['simulate: a file as --out DIR', ['simulate', '--out', aFile, '--scale', '0.001', '--days', '1'], aFile],
    ['build-table: a truncated gzip', ['build-table', '--in', listGz, '--out', 't.bin'], `${listGz}: gzip data is corrupt`],
    ['detect: a truncated gzip', ['detect', '--logs', logGz, '--out', 'o.csv', '--quiet'], `${logGz}: gzip data is truncated or corrupt`],
    ['validate: a truncated gzip', ['validate', '--traceroutes', atlasGz], `${atlasGz}: gzip data is corrupt`],
    [
      'rebuild: a truncated gzip',
      ['rebuild', '--detected', listGz, '--out', 't.bin', '--out-list', 'l3.csv'],
      `${listGz}: gzip data is corrupt`,
    ],
  ])('%s', async (_what, args, message) => {
    const r = await cli(args);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(message);
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });
});

it('the README example `validate --list data/multi-user-prefixes.csv` scores the example list with --allow-documentation', async () => {
  const args = ['validate', '--traceroutes', traceroutes, '--list', join(root, 'data/multi-user-prefixes.csv')];
  const without = await cli(args);
  const withFlag = await cli([...args, '--allow-documentation']);
  expect(withFlag.code).toBe(0);
  // The example file has 12 prefixes, all in documentation ranges (see its header comment).
  const entries = (s: string) => /(\d+) entries/.exec(s)?.[1];
  expect(entries(without.stdout)).toBe('0');
  expect(entries(withFlag.stdout)).toBe(
    String(
      readFileSync(join(root, 'data/multi-user-prefixes.csv'), 'utf8')
        .split('\n')
        .filter((l) => /^[0-9a-f:.]+[/,]/i.test(l)).length,
    ),
  );
});

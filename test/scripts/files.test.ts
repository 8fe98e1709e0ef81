import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import {
  chartJsSource,
  InputError,
  inputError,
  OutputError,
  openInputStream,
  readInputBytes,
  readMaybeGzip,
  writeAtomic,
} from '../../scripts/lib/files.ts';

const dir = mkdtempSync(join(tmpdir(), 'files-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, bytes: string | Uint8Array) => {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
};

describe('readMaybeGzip', () => {
  it.each([
    ['plain', file('plain.txt', 'a,b\n1,2\n')],
    ['gzip', file('z.txt.gz', gzipSync('a,b\n1,2\n'))],
  ])('reads %s text', (_kind, path) => {
    expect(readMaybeGzip(path)).toBe('a,b\n1,2\n');
  });

  it.each([
    ['a missing file', join(dir, 'nope.csv'), 'nope.csv: no such file or directory (ENOENT)'],
    ['corrupt gzip', file('bad.gz', Uint8Array.from([0x1f, 0x8b, 1, 2, 3])), 'bad.gz: gzip data is corrupt'],
    ['bzip2', file('x.bz2', 'BZh91AY&SY'), 'x.bz2: bzip2 is not supported'],
  ])('names the file on %s', (_what, path, message) => {
    expect(() => readMaybeGzip(path)).toThrow(InputError);
    expect(() => readMaybeGzip(path)).toThrow(message);
  });
});

describe('writeAtomic', () => {
  it('replaces the file and leaves no temporary behind', () => {
    const path = file('out.csv', 'old');
    writeAtomic(path, 'new');
    expect(readFileSync(path, 'utf8')).toBe('new');
    expect(readdirSync(dir).filter((n) => n.includes('.tmp-'))).toEqual([]);
  });
});

it('chart.js is there to inline into reports', () => {
  expect(chartJsSource()).toContain('Chart');
});

describe('writeAtomic on a bad destination', () => {
  it.each([
    ['a directory', () => dir, 'cannot write (is a directory, expected a file name)'],
    ['a missing directory', () => join(dir, 'no-such-dir', 'out.csv'), 'cannot write (its directory does not exist)'],
  ])('names %s and leaves no temporary behind', (_what, target, message) => {
    const path = target();
    expect(() => writeAtomic(path, 'x')).toThrow(OutputError);
    expect(() => writeAtomic(path, 'x')).toThrow(`${path}: ${message}`);
    expect(readdirSync(dir).filter((n) => n.includes('.tmp-'))).toEqual([]);
  });

  it('writes bytes as they are', () => {
    const path = join(dir, 'table.bin');
    writeAtomic(path, Uint8Array.from([0, 255, 1]));
    expect([...readFileSync(path)]).toEqual([0, 255, 1]);
  });
});

describe('readInputBytes and openInputStream', () => {
  it('gunzips bytes and names the file by the label given', () => {
    expect(readInputBytes(file('t.bin.gz', gzipSync(Uint8Array.from([1, 2, 3])))).equals(Buffer.from([1, 2, 3]))).toBe(true);
    expect(() => readInputBytes(join(dir, 'absent.bin'), 'lists/absent.bin')).toThrow(
      'lists/absent.bin: no such file or directory (ENOENT)',
    );
  });

  it('a truncated gzip stream fails with an error naming the file', async () => {
    const z = gzipSync('line\n'.repeat(10_000));
    const path = file('cut.log.gz', z.subarray(0, z.length - 12));
    const read = async () => {
      try {
        for await (const _ of openInputStream(path)) void _;
      } catch (e) {
        throw inputError(path, e);
      }
    };
    await expect(read()).rejects.toThrow(`${path}: gzip data is truncated or corrupt`);
  });
});

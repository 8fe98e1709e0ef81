import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { chartJsSource, InputError, readMaybeGzip, writeAtomic } from '../../scripts/lib/files.ts';

const dir = mkdtempSync(join(tmpdir(), 'files-'));
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
    ['a missing file', join(dir, 'nope.csv'), 'nope.csv: cannot read (ENOENT)'],
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

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runDetect } from '../../scripts/detect.ts';
import { parsePrefixList } from '../../src/prefix-list/index.ts';

const APACHE = new URL('../fixtures/detect-apache/apache-excerpt.log.gz', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'detect-apache-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('real Apache combined log (2,000-line excerpt, gzip)', () => {
  it('parses every line, excludes the crawlers, and says the port signal is absent', async () => {
    let text = '';
    const log = { write: (s: string) => ((text += s), true) } as unknown as NodeJS.WritableStream;
    const r = await runDetect({ logs: [APACHE], out: join(dir, 'out.csv'), report: join(dir, 'r.html'), log });
    expect(r.files[0]).toMatchObject({ format: 'combined', lines: 2000, parsed: 2000, malformed: 0 });
    expect(r.requests).toBe(2000);
    expect(r.excluded.isbot).toBeGreaterThan(100); // Googlebot, Yandex, Slurp … are in this log
    expect(r.portCoverage).toBe(0);
    expect(text).toMatch(/source ports: absent/);
    expect(readFileSync(join(dir, 'r.html'), 'utf8')).toContain('absent in these logs');
    // One small site's log over a few hours: nothing is sustained over two days, so nothing is listed.
    const parsed = parsePrefixList(readFileSync(join(dir, 'out.csv'), 'utf8'), { file: 'out.csv' });
    expect(parsed.errors).toEqual([]);
    expect(r.prefixes).toEqual([]);
  });
});

describe('bad input files', () => {
  it('rejects a mostly-garbage log, naming the file and the first bad line', async () => {
    const file = join(dir, 'garbage.log');
    writeFileSync(
      file,
      ['hello', 'this is not a log', '83.149.9.216 - - [17/May/2015:10:05:03 +0000] "GET / HTTP/1.1" 200 1 "-" "x"', '%%%'].join('\n'),
    );
    await expect(runDetect({ logs: [file], out: join(dir, 'g.csv'), quiet: true })).rejects.toThrow(
      /garbage\.log: 3 of 4 lines malformed.*line 1: unrecognised format/,
    );
  });

  it('reads CSV logs and keeps going past a few bad lines', async () => {
    const file = join(dir, 'log.csv');
    const ua = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/145.0.0.0 Safari/537.36';
    const rows = ['timestamp,ip,port,user_agent,bot_score,asn'];
    for (let i = 0; i < 50; i++)
      rows.push(`2026-11-02T08:${String(i % 60).padStart(2, '0')}:00Z,81.2.69.${i + 1},${40000 + i},"${ua}",80,64500`);
    rows.push('2026-11-02T08:00:00Z,81.2.69.1,notaport,x,1,1');
    writeFileSync(file, `${rows.join('\n')}\n`);
    const r = await runDetect({ logs: [file], out: join(dir, 'csv.csv'), quiet: true });
    expect(r.files[0]).toMatchObject({ format: 'csv', lines: 51, parsed: 50, malformed: 1 });
    expect(r.files[0]!.examples[0]).toMatchObject({ line: 52, reason: 'bad port "notaport"' });
    expect(r.browserRequests).toBe(50);
  });

  it('names a list file that has no usable prefix', async () => {
    const list = join(dir, 'bad-list.txt');
    writeFileSync(list, 'not a prefix\n');
    await expect(runDetect({ logs: [APACHE], out: join(dir, 'x.csv'), lists: [{ kind: 'vpn', file: list }], quiet: true })).rejects.toThrow(
      /bad-list\.txt/,
    );
  });
});

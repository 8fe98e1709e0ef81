import { describe, expect, it } from 'vitest';
import {
  csvColumns,
  detectLogFormat,
  newLogRecord,
  parseCombinedLine,
  parseCsvLine,
  parseLogpushLine,
  toUnixSeconds,
} from '../../src/detect/parse.ts';

const T = 1_793_606_400; // 2026-11-02T08:00:00Z

describe('toUnixSeconds (EdgeStartTimestamp formats)', () => {
  it.each([
    ['2026-11-02T08:00:00Z', T],
    ['2026-11-02T08:00:00.250Z', T],
    ['2026-11-02T09:00:00+01:00', T],
    [T, T],
    [T * 1000, T],
    [T * 1e9, T],
    [String(T * 1e9), T],
    [String(T), T],
  ])('%s → %i', (input, expected) => {
    expect(Math.floor(toUnixSeconds(input))).toBe(expected);
  });

  it.each([[''], ['yesterday'], [null], [-5], [{}]])('%s → NaN', (input) => {
    expect(toUnixSeconds(input)).toBeNaN();
  });

  it('keeps minutes and seconds when the hour is cached', () => {
    expect(toUnixSeconds('2026-11-02T08:00:00Z')).toBe(T);
    expect(toUnixSeconds('2026-11-02T08:59:30Z')).toBe(T + 59 * 60 + 30);
  });
});

describe('parseLogpushLine', () => {
  it('reads every field it needs', () => {
    const r = newLogRecord();
    const line = JSON.stringify({
      ClientIP: '81.2.69.7',
      ClientSrcPort: 51234,
      ClientRequestUserAgent: 'Mozilla/5.0 "quoted" \\ ua',
      EdgeStartTimestamp: T * 1e9,
      BotScore: 12,
      VerifiedBotCategory: 'Search Engine Crawler',
      ClientASN: 64500,
      ClientRequestPath: '/x',
    });
    expect(parseLogpushLine(line, r)).toBeUndefined();
    expect(r).toEqual({
      ip: '81.2.69.7',
      port: 51234,
      ua: 'Mozilla/5.0 "quoted" \\ ua',
      time: T,
      botScore: 12,
      verifiedBot: 'Search Engine Crawler',
      asn: 64500,
    });
  });

  it('treats every field but ClientIP as optional', () => {
    const r = newLogRecord();
    expect(parseLogpushLine('{"ClientIP":"2001:db8::1"}', r)).toBeUndefined();
    expect(r.port).toBe(-1);
    expect(r.time).toBeNaN();
    expect(r.botScore).toBeNaN();
  });

  it.each([
    ['{"ClientIP":"81.2.69.7"', 'not JSON'],
    ['[1,2]', 'missing ClientIP'],
    ['42', 'not a JSON object'],
    ['{"ClientSrcPort":1}', 'missing ClientIP'],
    ['{"ClientIP":7}', 'missing ClientIP'],
  ])('%s is malformed (%s)', (line, reason) => {
    expect(parseLogpushLine(line, newLogRecord())).toBe(reason);
  });

  it('ignores out-of-range values rather than trusting them', () => {
    const r = newLogRecord();
    parseLogpushLine('{"ClientIP":"81.2.69.7","ClientSrcPort":70000,"BotScore":0,"ClientASN":-3}', r);
    expect([r.port, r.botScore, r.asn]).toEqual([-1, Number.NaN, 0]);
  });
});

describe('parseCombinedLine', () => {
  it('reads address, time (with offset) and user agent; no port', () => {
    const r = newLogRecord();
    const line =
      '83.149.9.216 - - [17/May/2015:12:05:03 +0200] "GET /a HTTP/1.1" 200 203023 "http://x/" "Mozilla/5.0 (Macintosh) \\"q\\" Safari/537.36"';
    expect(parseCombinedLine(line, r)).toBeUndefined();
    expect(r.ip).toBe('83.149.9.216');
    expect(r.time).toBe(Date.UTC(2015, 4, 17, 10, 5, 3) / 1000);
    expect(r.ua).toBe('Mozilla/5.0 (Macintosh) "q" Safari/537.36');
    expect(r.port).toBe(-1);
  });

  it('accepts the common log format (no referer / agent)', () => {
    const r = newLogRecord();
    expect(parseCombinedLine('10.1.1.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /a.gif HTTP/1.0" 200 2326', r)).toBeUndefined();
    expect(r.ua).toBe('');
  });

  it.each([['garbage'], ['1.2.3.4 - - [99/Foo/2015:10:05:03 +0000] "GET / HTTP/1.1" 200 1 "-" "x"']])('rejects %s', (line) => {
    expect(parseCombinedLine(line, newLogRecord())).toBeDefined();
  });
});

describe('CSV logs', () => {
  it('reads the header to know the optional columns', () => {
    expect(csvColumns('timestamp,ip,port,user_agent,bot_score,asn')).toEqual({ botScore: true, asn: true, header: true });
    expect(csvColumns('2026-11-02T08:00:00Z,1.2.3.4,5,x')).toEqual({ botScore: false, asn: false, header: false });
  });

  it.each([
    [
      '2026-11-02T08:00:00Z,81.2.69.7,51234,"Mozilla/5.0 (X11, Linux) ""q""",55,64500',
      { botScore: true, asn: true },
      'Mozilla/5.0 (X11, Linux) "q"',
      55,
      64500,
    ],
    [
      '2026-11-02T08:00:00Z,81.2.69.7,51234,Mozilla/5.0 (KHTML, like Gecko),55,64500',
      { botScore: true, asn: true },
      'Mozilla/5.0 (KHTML, like Gecko)',
      55,
      64500,
    ],
    [
      '2026-11-02T08:00:00Z,81.2.69.7,51234,Mozilla/5.0 (KHTML, like Gecko)',
      { botScore: false, asn: false },
      'Mozilla/5.0 (KHTML, like Gecko)',
      Number.NaN,
      0,
    ],
  ])('%s', (line, cols, ua, score, asn) => {
    const r = newLogRecord();
    expect(parseCsvLine(line, r, cols)).toBeUndefined();
    expect([r.ip, r.port, r.ua, r.botScore, r.asn, r.time]).toEqual(['81.2.69.7', 51234, ua, score, asn, T]);
  });

  it.each([
    ['2026-11-02T08:00:00Z,81.2.69.7', /expected/],
    ['2026-11-02T08:00:00Z,81.2.69.7,port,ua', /bad port/],
    ['2026-11-02T08:00:00Z,81.2.69.7,1,"unterminated', /unterminated/],
  ])('rejects %s', (line, reason) => {
    expect(parseCsvLine(line, newLogRecord(), { botScore: false, asn: false })).toMatch(reason);
  });
});

describe('detectLogFormat', () => {
  it.each([
    ['{"ClientIP":"1.2.3.4"}', 'logpush'],
    ['timestamp,ip,port,user_agent,bot_score', 'csv'],
    ['1793606400,81.2.69.7,51234,Mozilla/5.0', 'csv'],
    ['83.149.9.216 - - [17/May/2015:10:05:03 +0000] "GET / HTTP/1.1" 200 1 "-" "Mozilla/5.0"', 'combined'],
    ['hello world', undefined],
  ])('%s → %s', (line, format) => {
    expect(detectLogFormat(line)).toBe(format);
  });
});

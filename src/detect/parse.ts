/**
 * Log-line parsers for the three input formats. Each fills a reused {@link LogRecord} (no allocation
 * per line beyond what `JSON.parse` does) and returns `undefined` on success or a short reason.
 */

/**
 * One request, as the detector needs it. Fields a format lacks hold their "absent" value.
 *
 * @example
 * ```ts
 * const r = newLogRecord();
 * parseLogpushLine('{"ClientIP":"198.51.100.7","ClientSrcPort":51234}', r); // undefined (ok)
 * r.ip; // '198.51.100.7'
 * ```
 */
export interface LogRecord {
  ip: string;
  /** Source port, or -1 when the format has none. */
  port: number;
  ua: string;
  /** Unix seconds, or NaN when absent. */
  time: number;
  /** Cloudflare bot score 1–99 (low = bot), or NaN when absent. */
  botScore: number;
  /** Cloudflare verified-bot category, or '' when absent. */
  verifiedBot: string;
  /** Client ASN from the log, or 0 when absent. */
  asn: number;
}

/** The formats {@link detectLogFormat} recognises. */
export type LogFormat = 'logpush' | 'combined' | 'csv';

/**
 * A fresh record with every field absent.
 *
 * @example
 * ```ts
 * newLogRecord().port; // -1
 * ```
 */
export function newLogRecord(): LogRecord {
  return { ip: '', port: -1, ua: '', time: Number.NaN, botScore: Number.NaN, verifiedBot: '', asn: 0 };
}

function reset(r: LogRecord): void {
  r.ip = '';
  r.port = -1;
  r.ua = '';
  r.time = Number.NaN;
  r.botScore = Number.NaN;
  r.verifiedBot = '';
  r.asn = 0;
}

const COMBINED = /^(\S+) \S+ \S+ \[([^\]]+)\] "(?:[^"\\]|\\.)*" (?:\d{3}|-) (?:\d+|-)(?: "(?:[^"\\]|\\.)*" "((?:[^"\\]|\\.)*)")?/;
const CSV_HEADER = /^timestamp,ip,port,user_agent(,bot_score)?(,asn)?\s*$/i;

/**
 * Guesses the format from the first non-empty line of a file, or `undefined` when none fits.
 *
 * @example
 * ```ts
 * detectLogFormat('{"ClientIP":"203.0.113.9"}'); // 'logpush'
 * detectLogFormat('timestamp,ip,port,user_agent'); // 'csv'
 * ```
 */
export function detectLogFormat(line: string): LogFormat | undefined {
  const t = line.trimStart();
  if (t.startsWith('{')) return 'logpush';
  if (CSV_HEADER.test(t)) return 'csv';
  if (COMBINED.test(t)) return 'combined';
  if (/^[^,]+,[0-9a-fA-F:.]+,\d*,/.test(t)) return 'csv';
  return undefined;
}

/**
 * Converts a Logpush `EdgeStartTimestamp` (RFC 3339 string, Unix seconds, or Unix nanoseconds, as a
 * number or a string; milliseconds accepted too) to Unix seconds, or NaN.
 *
 * @example
 * ```ts
 * toUnixSeconds('2026-11-02T08:00:00Z'); // 1793606400
 * toUnixSeconds(1793606400000000000); // 1793606400
 * ```
 */
export function toUnixSeconds(v: unknown): number {
  let n: number;
  if (typeof v === 'number') n = v;
  else if (typeof v === 'string') {
    if (v.length === 0) return Number.NaN;
    const c = v.charCodeAt(0);
    if (v.length >= 10 && c >= 48 && c <= 57 && v.charCodeAt(4) === 45) return rfc3339Seconds(v);
    n = Number(v);
  } else return Number.NaN;
  if (!Number.isFinite(n) || n < 0) return Number.NaN;
  // Magnitude tells the unit: seconds until the year 5138, then ms, µs, ns.
  if (n >= 1e17) return n / 1e9;
  if (n >= 1e14) return n / 1e6;
  if (n >= 1e11) return n / 1e3;
  return n;
}

/**
 * Parses one Cloudflare Logpush `http_requests` NDJSON line. `ClientIP` is required; every other
 * field is optional (Logpush jobs choose their fields).
 *
 * @example
 * ```ts
 * const r = newLogRecord();
 * parseLogpushLine('{"ClientIP":"2001:db8::1","ClientRequestUserAgent":"curl/8"}', r); // undefined
 * ```
 */
export function parseLogpushLine(line: string, r: LogRecord): string | undefined {
  reset(r);
  let o: unknown;
  try {
    o = JSON.parse(line);
  } catch {
    return 'not JSON';
  }
  if (typeof o !== 'object' || o === null) return 'not a JSON object';
  const rec = o as Record<string, unknown>;
  const ip = rec.ClientIP;
  if (typeof ip !== 'string' || ip.length === 0) return 'missing ClientIP';
  r.ip = ip;
  const port = rec.ClientSrcPort;
  if (typeof port === 'number' && port >= 0 && port <= 65535) r.port = port | 0;
  else if (typeof port === 'string' && /^\d{1,5}$/.test(port) && +port <= 65535) r.port = +port;
  const ua = rec.ClientRequestUserAgent;
  if (typeof ua === 'string') r.ua = ua;
  r.time = toUnixSeconds(rec.EdgeStartTimestamp);
  const score = rec.BotScore;
  if (typeof score === 'number' && score >= 1 && score <= 99) r.botScore = score;
  const vb = rec.VerifiedBotCategory;
  if (typeof vb === 'string') r.verifiedBot = vb;
  const asn = rec.ClientASN;
  if (typeof asn === 'number' && Number.isInteger(asn) && asn > 0 && asn < 2 ** 32) r.asn = asn;
  return undefined;
}

let cachedHourKey = '\0'; // matches no timestamp until the first one is parsed
let cachedHourStart = 0;

/** RFC 3339 → Unix seconds; the hour is cached because consecutive lines share it. */
function rfc3339Seconds(s: string): number {
  // 2026-11-02T08:15:30Z / 2026-11-02T08:15:30.123Z (UTC, as Logpush writes it); others via Date.parse.
  if (s.length >= 20 && s.charCodeAt(10) === 84 && s.charCodeAt(s.length - 1) === 90 && s.charCodeAt(13) === 58) {
    if (!s.startsWith(cachedHourKey)) {
      const key = s.slice(0, 13);
      const h = Date.parse(`${key}:00:00Z`);
      if (Number.isNaN(h)) return Date.parse(s) / 1000;
      cachedHourKey = key;
      cachedHourStart = h / 1000;
    }
    const mm = (s.charCodeAt(14) - 48) * 10 + (s.charCodeAt(15) - 48);
    const ss = (s.charCodeAt(17) - 48) * 10 + (s.charCodeAt(18) - 48);
    if (mm >= 0 && mm < 60 && ss >= 0 && ss < 61) return cachedHourStart + mm * 60 + ss;
  }
  return Date.parse(s) / 1000;
}

const MONTHS: Record<string, number> = {
  Jan: 0,
  Feb: 1,
  Mar: 2,
  Apr: 3,
  May: 4,
  Jun: 5,
  Jul: 6,
  Aug: 7,
  Sep: 8,
  Oct: 9,
  Nov: 10,
  Dec: 11,
};

/** `17/May/2015:10:05:03 +0000` → Unix seconds, or NaN. */
function parseClfTime(s: string): number {
  const m = /^(\d{2})\/([A-Z][a-z]{2})\/(\d{4}):(\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})$/.exec(s);
  if (m === null) return Number.NaN;
  const month = MONTHS[m[2]!];
  if (month === undefined) return Number.NaN;
  const utc = Date.UTC(+m[3]!, month, +m[1]!, +m[4]!, +m[5]!, +m[6]!) / 1000;
  const offset = (+m[8]! * 60 + +m[9]!) * 60 * (m[7] === '-' ? -1 : 1);
  return utc - offset;
}

/**
 * Parses one Apache/nginx combined (or common) log line. These formats carry no source port.
 *
 * @example
 * ```ts
 * const r = newLogRecord();
 * parseCombinedLine('192.0.2.1 - - [17/May/2015:10:05:03 +0000] "GET / HTTP/1.1" 200 5 "-" "Mozilla/5.0"', r);
 * r.ua; // 'Mozilla/5.0'
 * ```
 */
export function parseCombinedLine(line: string, r: LogRecord): string | undefined {
  reset(r);
  const m = COMBINED.exec(line);
  if (m === null) return 'not in combined log format';
  r.ip = m[1]!;
  r.time = parseClfTime(m[2]!);
  if (Number.isNaN(r.time)) return 'bad timestamp';
  r.ua = m[3] === undefined ? '' : m[3].replace(/\\(.)/g, '$1');
  return undefined;
}

/**
 * Column layout of a plain CSV log, from its header (`timestamp,ip,port,user_agent[,bot_score][,asn]`).
 *
 * @example
 * ```ts
 * csvColumns('timestamp,ip,port,user_agent,asn'); // { botScore: false, asn: true, header: true }
 * ```
 */
export function csvColumns(firstLine: string): { botScore: boolean; asn: boolean; header: boolean } {
  const m = CSV_HEADER.exec(firstLine.trim());
  if (m === null) return { botScore: false, asn: false, header: false };
  return { botScore: m[1] !== undefined, asn: m[2] !== undefined, header: true };
}

/**
 * Parses one line of the plain CSV format. The user agent may be quoted (`"…""…"`); unquoted, it runs
 * to the optional trailing numeric columns the header announced.
 *
 * @example
 * ```ts
 * const r = newLogRecord();
 * parseCsvLine('2026-11-02T08:00:00Z,198.51.100.7,51234,"Mozilla/5.0 (X11, Linux)"', r, { botScore: false, asn: false });
 * r.port; // 51234
 * ```
 */
export function parseCsvLine(line: string, r: LogRecord, cols: { botScore: boolean; asn: boolean }): string | undefined {
  reset(r);
  const a = line.indexOf(',');
  const b = a < 0 ? -1 : line.indexOf(',', a + 1);
  const c = b < 0 ? -1 : line.indexOf(',', b + 1);
  if (c < 0) return 'expected timestamp,ip,port,user_agent';
  r.time = toUnixSeconds(line.slice(0, a));
  r.ip = line.slice(a + 1, b).trim();
  if (r.ip.length === 0) return 'empty ip';
  const portText = line.slice(b + 1, c).trim();
  if (portText.length > 0) {
    if (!/^\d{1,5}$/.test(portText) || +portText > 65535) return `bad port "${portText.slice(0, 20)}"`;
    r.port = +portText;
  }
  let rest = line.slice(c + 1);
  let tail: string[] = [];
  if (rest.startsWith('"')) {
    let i = 1;
    let ua = '';
    for (;;) {
      const q = rest.indexOf('"', i);
      if (q < 0) return 'unterminated quoted user_agent';
      ua += rest.slice(i, q);
      if (rest.charCodeAt(q + 1) === 34) {
        ua += '"';
        i = q + 2;
        continue;
      }
      r.ua = ua;
      rest = rest.slice(q + 1);
      break;
    }
    tail = rest.length > 0 ? rest.slice(1).split(',') : [];
  } else {
    const extra = (cols.botScore ? 1 : 0) + (cols.asn ? 1 : 0);
    for (let k = 0; k < extra; k++) {
      const j = rest.lastIndexOf(',');
      if (j < 0) break;
      tail.unshift(rest.slice(j + 1));
      rest = rest.slice(0, j);
    }
    r.ua = rest;
  }
  let t = 0;
  if (cols.botScore) {
    const s = Number(tail[t++]);
    if (s >= 1 && s <= 99) r.botScore = s;
  }
  if (cols.asn) {
    const n = Number(tail[t++]);
    if (Number.isInteger(n) && n > 0 && n < 2 ** 32) r.asn = n;
  }
  return undefined;
}

import { MULTI_USER_KINDS, type MultiUserKind } from '../table/types.ts';
import { splitCsvLine } from './csv.ts';
import { parseIPv4PrefixFast, parsePrefix, type FastPrefix } from './prefix.ts';

/**
 * One prefix of a multi-user list, with where it came from.
 *
 * @example
 * ```ts
 * const e: PrefixEntry = { prefix: '198.51.100.0/24', family: 4, bits: 24, kind: 'cgnat', users: 1200, file: 'data/x.csv', line: 7 };
 * ```
 */
export interface PrefixEntry {
  /** Canonical CIDR text (RFC 5952 for IPv6; IPv4-mapped prefixes become IPv4). */
  prefix: string;
  family: 4 | 6;
  bits: number;
  kind: MultiUserKind;
  /** Estimated people behind each address; `undefined` when the list does not say. */
  users: number | undefined;
  file: string;
  /** 1-based line number in `file`. */
  line: number;
}

/**
 * A problem in a prefix list. The message starts with `file:line: ` and says what was expected.
 *
 * @example
 * ```ts
 * new PrefixListError('lists/a.csv', 3, 'expected …').message; // 'lists/a.csv:3: expected …'
 * ```
 */
export class PrefixListError extends Error {
  readonly file: string;
  readonly line: number;
  constructor(file: string, line: number, expected: string) {
    super(`${file}:${line}: ${expected}`);
    this.name = 'PrefixListError';
    this.file = file;
    this.line = line;
  }
}

/** The formats {@link parsePrefixList} recognises (detected per file). */
export type PrefixListFormat = 'csv' | 'plain' | 'geofeed' | 'json' | 'empty';

/** Options for {@link parsePrefixList}. */
export interface ParsePrefixListOptions {
  /** Name used in entries and error messages (required). */
  file: string;
  /** Kind for plain lists, MISP JSON and empty `kind` cells; default for geofeeds is `relay`. No default otherwise. */
  kind?: MultiUserKind;
  /** Accept the documentation ranges (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32, 3fff::/20). Default `false`. */
  allowDocumentation?: boolean;
}

/** What {@link parsePrefixList} returns. */
export interface ParsedPrefixList {
  entries: PrefixEntry[];
  errors: PrefixListError[];
  format: PrefixListFormat;
}

const PREFIX_COLUMNS = ['prefix', 'cidr', 'network', 'ip', 'address', 'ip_address', 'iprange', 'ip_range', 'exitip'];
const ADDRESS_LIKE = /^[0-9A-Fa-f:.]+(?:\/[0-9]+)?$/;
const USERS = /^[1-9][0-9]{0,9}$/;
const KINDS: readonly string[] = MULTI_USER_KINDS;

/**
 * Parses the text of one prefix list. Pure: no I/O; never throws for bad content (each bad line is
 * one error, good lines are kept). The format is detected from the first line that is neither blank
 * nor a `#` comment:
 *
 * - `csv`: a header naming a prefix column (`prefix`, or `cidr`, `network`, `ip`, `address`, `exitip`…)
 *   and optionally `kind` and `users`; other columns are ignored; quoted fields allowed. Empty `kind`
 *   cells take `options.kind`.
 * - `geofeed`: headerless `prefix,country,region,city,` rows (RFC 8805; Apple's Private Relay egress
 *   list): kind `options.kind`, default `relay`.
 * - `plain`: one CIDR or bare address per line (bare = /32 or /128), `# comments` after it allowed;
 *   kind from `options.kind` (required).
 * - `json`: a MISP warninglist (`{"list": ["prefix", …]}`); kind from `options.kind` (required).
 *
 * Trailing whitespace, CRLF line ends and a byte-order mark are accepted.
 *
 * @example
 * ```ts
 * const { entries, errors } = parsePrefixList('prefix,kind,users\n198.51.100.0/24,cgnat,1200\n', {
 *   file: 'example.csv',
 *   allowDocumentation: true,
 * });
 * // entries[0] → { prefix: '198.51.100.0/24', family: 4, bits: 24, kind: 'cgnat', users: 1200, file: 'example.csv', line: 2 }
 * ```
 */
export function parsePrefixList(text: string, options: ParsePrefixListOptions): ParsedPrefixList {
  if (typeof options?.file !== 'string') throw new TypeError('parsePrefixList: options.file must be a string');
  if (options.kind !== undefined && !KINDS.includes(options.kind)) {
    throw new TypeError(`parsePrefixList: options.kind must be one of ${MULTI_USER_KINDS.join(', ')}`);
  }
  const { file } = options;
  const entries: PrefixEntry[] = [];
  const errors: PrefixListError[] = [];
  const fail = (line: number, expected: string) => errors.push(new PrefixListError(file, line, expected));
  const lines = (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text).split('\n');

  const allowDocumentation = options.allowDocumentation === true;
  const fast: FastPrefix = { prefix: '', bits: 0, address: 0 };
  const add = (lineNo: number, prefixText: string, kind: MultiUserKind, users: number | undefined) => {
    if (parseIPv4PrefixFast(prefixText, allowDocumentation, fast)) {
      entries.push({ prefix: fast.prefix, family: 4, bits: fast.bits, kind, users, file, line: lineNo });
      return;
    }
    const parsed = parsePrefix(prefixText, options);
    if (!parsed.ok) return fail(lineNo, parsed.message);
    entries.push({ prefix: parsed.prefix, family: parsed.family, bits: parsed.bits, kind, users, file, line: lineNo });
  };

  let first = -1;
  for (let i = 0; i < lines.length; i++) {
    const t = lines[i]!.trim();
    if (t !== '' && !t.startsWith('#')) {
      first = i;
      break;
    }
  }
  if (first < 0) return { entries, errors, format: 'empty' };
  const head = lines[first]!.trim();

  if (head.startsWith('{')) {
    parseMisp(text, lines, options, fail, add);
    return { entries, errors, format: 'json' };
  }

  if (head.includes(',')) {
    const fields = splitCsvLine(head);
    const firstField = fields?.[0]?.trim() ?? '';
    if (fields && ADDRESS_LIKE.test(firstField) && /[.:]/.test(firstField)) {
      const kind = options.kind ?? 'relay';
      forData(lines, first, (lineNo, t) => {
        const row = splitCsvLine(t);
        if (!row) return fail(lineNo, 'expected a CSV row (prefix,country,region,city,), found an unbalanced quote');
        add(lineNo, row[0]!.trim(), kind, undefined);
      });
      return { entries, errors, format: 'geofeed' };
    }
    parseCsv(lines, first, options, fail, add);
    return { entries, errors, format: 'csv' };
  }

  if (options.kind === undefined) {
    fail(first + 1, 'expected a kind for a plain list of prefixes: pass options.kind (build-table: --kind K after --in FILE)');
    return { entries, errors, format: 'plain' };
  }
  const kind = options.kind;
  forData(lines, first, (lineNo, t) => {
    const hash = t.indexOf('#');
    const token = (hash < 0 ? t : t.slice(0, hash)).trim();
    if (/\s|,/.test(token)) {
      return fail(lineNo, `expected one CIDR prefix or address per line, got ${JSON.stringify(token)}`);
    }
    add(lineNo, token, kind, undefined);
  });
  return { entries, errors, format: 'plain' };
}

type Fail = (line: number, expected: string) => void;
type Add = (line: number, prefix: string, kind: MultiUserKind, users: number | undefined) => void;

function forData(lines: string[], from: number, fn: (lineNo: number, trimmed: string) => void): void {
  for (let i = from; i < lines.length; i++) {
    const t = lines[i]!.trim();
    if (t === '' || t.startsWith('#')) continue;
    fn(i + 1, t);
  }
}

function parseCsv(lines: string[], first: number, options: ParsePrefixListOptions, fail: Fail, add: Add): void {
  const header = splitCsvLine(lines[first]!.trim())?.map((h) => h.trim().toLowerCase());
  const headerLine = first + 1;
  if (!header) return fail(headerLine, 'expected a CSV header (prefix,kind,users), found an unbalanced quote');
  const prefixCol = header.findIndex((h) => PREFIX_COLUMNS.includes(h));
  if (prefixCol < 0) {
    return fail(
      headerLine,
      `expected a CSV header with a prefix column (prefix,kind,users) or a first column holding a prefix, got ${JSON.stringify(lines[first]!.trim())}`,
    );
  }
  const kindCol = header.indexOf('kind');
  const usersCol = header.indexOf('users');
  if (kindCol < 0 && options.kind === undefined) {
    return fail(headerLine, 'expected a "kind" column in the header or a kind for the whole file (options.kind / --kind K)');
  }
  forData(lines, first + 1, (lineNo, t) => {
    const row = splitCsvLine(t);
    if (!row) return fail(lineNo, 'expected a CSV row, found an unbalanced quote');
    const need = Math.max(prefixCol, kindCol, usersCol);
    if (row.length <= need) {
      return fail(lineNo, `expected at least ${need + 1} fields (${header.slice(0, need + 1).join(',')}), got ${row.length}`);
    }
    let kind: MultiUserKind | undefined = options.kind;
    if (kindCol >= 0) {
      const cell = row[kindCol]!;
      const k = KINDS.includes(cell) ? cell : cell.trim().toLowerCase();
      if (k !== '') {
        if (!KINDS.includes(k)) {
          return fail(lineNo, `expected kind to be one of ${MULTI_USER_KINDS.join(', ')}, got ${JSON.stringify(row[kindCol])}`);
        }
        kind = k as MultiUserKind;
      }
    }
    if (kind === undefined) return fail(lineNo, `expected a kind (one of ${MULTI_USER_KINDS.join(', ')}), got an empty field`);
    let users: number | undefined;
    if (usersCol >= 0) {
      const u = row[usersCol]!.length === 0 || USERS.test(row[usersCol]!) ? row[usersCol]! : row[usersCol]!.trim();
      if (u !== '') {
        if (!USERS.test(u) || Number(u) > 0xffffffff) {
          return fail(lineNo, `expected users to be a positive integer (1 to 4294967295) or empty, got ${JSON.stringify(row[usersCol])}`);
        }
        users = Number(u);
      }
    }
    add(lineNo, row[prefixCol]!.trim(), kind, users);
  });
}

function parseMisp(text: string, lines: string[], options: ParsePrefixListOptions, fail: Fail, add: Add): void {
  let doc: unknown;
  try {
    doc = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (e) {
    return fail(1, `expected a MISP warninglist JSON document ({"list": [...]}): ${(e as Error).message}`);
  }
  const list = (doc as { list?: unknown } | null)?.list;
  if (!Array.isArray(list) || !list.every((x) => typeof x === 'string')) {
    return fail(1, 'expected a MISP warninglist JSON document with a "list" array of prefix strings');
  }
  if (options.kind === undefined) {
    return fail(1, 'expected a kind for a MISP warninglist: pass options.kind (build-table: --kind K after --in FILE)');
  }
  // Line numbers for messages: the first line on which each quoted string appears.
  const lineOf = new Map<string, number>();
  const quoted = /"((?:[^"\\]|\\.)*)"/g;
  lines.forEach((l, i) => {
    for (const m of l.matchAll(quoted)) if (!lineOf.has(m[1]!)) lineOf.set(m[1]!, i + 1);
  });
  for (const item of list as string[]) add(lineOf.get(item) ?? 1, item.trim(), options.kind, undefined);
}

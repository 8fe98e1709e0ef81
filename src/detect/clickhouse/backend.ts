import { randomUUID } from 'node:crypto';

/**
 * What the clickhouse engine needs from ClickHouse: run a query and read its rows, run DDL, insert
 * rows, close. Two implementations: chDB in this process ({@link openChdb}) and a server or cluster
 * over HTTP ({@link openClickHouseServer}); both keep one session, so temporary tables live across calls.
 *
 * @example
 * ```ts
 * const ch = await openChdb();
 * const rows = await ch.rows('SELECT 1');
 * await ch.close();
 * ```
 */
export interface ClickHouseBackend {
  /** `embedded` (chDB) or `server`. */
  readonly kind: 'embedded' | 'server';
  /** Runs a SELECT; rows as arrays (JSONCompactEachRow, 64-bit integers as strings). */
  rows(sql: string): Promise<unknown[][]>;
  /** Runs a statement without result (DDL). */
  command(sql: string): Promise<void>;
  /** Inserts rows (arrays in `columns` order). */
  insert(table: string, columns: readonly string[], rows: readonly unknown[][]): Promise<void>;
  close(): Promise<void>;
}

/**
 * An optional peer dependency is not installed: the message says how to install it.
 *
 * @example
 * ```ts
 * new MissingPeerError('chdb', 'about 540 MB').message; // 'the clickhouse engine needs chdb …: npm install chdb'
 * ```
 */
export class MissingPeerError extends Error {
  constructor(pkg: string, note: string) {
    super(`the clickhouse engine needs ${pkg} (${note}), an optional peer dependency: npm install ${pkg}`);
    this.name = 'MissingPeerError';
  }
}

/**
 * A ClickHouse error, shortened to its message (no stack trace, no "DB::Exception" noise).
 *
 * @example
 * ```ts
 * new ClickHouseError('Code: 107. DB::Exception: File x doesn\'t exist. (FILE_DOESNT_EXIST)').message; // "File x doesn't exist"
 * ```
 */
export class ClickHouseError extends Error {
  /** The ClickHouse error name, e.g. `FILE_DOESNT_EXIST`, `S3_ERROR`. */
  readonly code: string;

  /** `code`: the error name when the caller already has it (`@clickhouse/client` strips it from the message). */
  constructor(raw: string, code?: string) {
    code ??= /\(([A-Z0-9_]+)\)\s*(?:\(version [^)]*\))?\s*$/m.exec(raw)?.[1] ?? '';
    let text = raw.replace(/^[\s\S]*?DB::Exception:\s*/, '').replace(/\s*\([A-Z0-9_]+\)\s*(\(version [^)]*\))?\s*$/, '');
    text = text
      .split('\n')[0]!
      .replace(/: In scope [\s\S]*$/, '')
      .replace(/\. Stack trace:[\s\S]*$/, '');
    super(text.trim());
    this.name = 'ClickHouseError';
    this.code = code;
  }
}

function parseCompact(text: string): unknown[][] {
  const out: unknown[][] = [];
  let start = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', start)) {
    if (i > start) out.push(JSON.parse(text.slice(start, i)) as unknown[]);
    start = i + 1;
  }
  if (start < text.length && text.slice(start).trim().length > 0) out.push(JSON.parse(text.slice(start)) as unknown[]);
  return out;
}

// pread rather than chDB's default mmap for local files: mapped pages count in the process's RSS (a
// 4 GB log showed as 4.8 GB peak RSS), and pread measured faster here too.
const SETTINGS = { output_format_json_quote_64bit_integers: 1, max_query_size: 16 * 2 ** 20, storage_file_read_method: "'pread'" };

/**
 * Opens chDB (ClickHouse in this process) with a temporary session directory. chDB is loaded on
 * demand: without it installed this rejects with a {@link MissingPeerError}.
 *
 * @example
 * ```ts
 * const ch = await openChdb();
 * ```
 */
export async function openChdb(): Promise<ClickHouseBackend> {
  let mod: typeof import('chdb');
  try {
    mod = await import('chdb');
  } catch {
    throw new MissingPeerError('chdb', 'ClickHouse in-process, about 540 MB');
  }
  const session = new mod.Session();
  const settings = Object.entries(SETTINGS)
    .map(([k, v]) => `${k} = ${v}`)
    .join(', ');
  const run = async (sql: string, format: string) => {
    try {
      return (await session.queryAsync(`${sql}\nSETTINGS ${settings}`, { format })).text();
    } catch (e) {
      throw new ClickHouseError(e instanceof Error ? e.message : String(e));
    }
  };
  return {
    kind: 'embedded',
    rows: async (sql) => parseCompact(await run(sql, 'JSONCompactEachRow')),
    command: async (sql) => {
      try {
        await session.queryAsync(sql, { format: 'TSV' });
      } catch (e) {
        throw new ClickHouseError(e instanceof Error ? e.message : String(e));
      }
    },
    insert: async (table, columns, rows) => {
      for (let i = 0; i < rows.length; i += 20_000) {
        try {
          await session.insert({ table, columns, values: rows.slice(i, i + 20_000) });
        } catch (e) {
          throw new ClickHouseError(e instanceof Error ? e.message : String(e));
        }
      }
    },
    close: async () => session.cleanup(),
  };
}

/**
 * Where and how to reach a ClickHouse server.
 *
 * @example
 * ```ts
 * const o: ClickHouseServerOptions = { url: 'https://ch.example:8443', env: process.env };
 * ```
 */
export interface ClickHouseServerOptions {
  /** HTTP(S) endpoint, e.g. `http://localhost:8123`. Credentials never go in the URL. */
  url: string;
  /** Environment with `CLICKHOUSE_USER`, `CLICKHOUSE_PASSWORD`, `CLICKHOUSE_DATABASE` (default: process.env). */
  env?: NodeJS.ProcessEnv;
}

/** Six hours: the longest a single aggregation query may run on a server. */
const SERVER_TIMEOUT_MS = 6 * 3600_000;

const AUTH_ERRORS = new Set(['AUTHENTICATION_FAILED', 'REQUIRED_PASSWORD', 'UNKNOWN_USER', 'WRONG_PASSWORD']);
const NETWORK_ERRORS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'no such host',
  EAI_AGAIN: 'host name lookup failed',
  ECONNRESET: 'connection reset',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
};

/**
 * An error of `@clickhouse/client` in the user's terms: the server named for authentication and
 * network failures (what to check), ClickHouse's own errors as {@link ClickHouseError}.
 */
function serverError(e: unknown, server: string): Error {
  const err = e as { message?: string; type?: string; code?: string };
  const message = typeof err?.message === 'string' ? err.message : String(e);
  if (typeof err?.type === 'string') {
    if (AUTH_ERRORS.has(err.type)) {
      return new Error(`${server}: ${message.trim().replace(/\.+$/, '')} (${err.type}); check CLICKHOUSE_USER and CLICKHOUSE_PASSWORD`);
    }
    return new ClickHouseError(message, err.type);
  }
  if (typeof err?.code === 'string' && NETWORK_ERRORS[err.code] !== undefined) {
    return new Error(`${server}: cannot reach the ClickHouse server: ${NETWORK_ERRORS[err.code]} (${err.code})`);
  }
  if (/^Timeout error/i.test(message))
    return new Error(`${server}: no answer from the ClickHouse server within ${SERVER_TIMEOUT_MS / 3600_000} h`);
  return new Error(`${server}: ${message.split('\n')[0]!.slice(0, 300)}`);
}

/**
 * Connects to a ClickHouse server or cluster through `@clickhouse/client` (loaded on demand: a
 * {@link MissingPeerError} without it). One session, so the verdict table is a temporary table.
 *
 * @example
 * ```ts
 * const ch = await openClickHouseServer({ url: 'http://localhost:8123' });
 * ```
 */
export async function openClickHouseServer(options: ClickHouseServerOptions): Promise<ClickHouseBackend> {
  const env = options.env ?? process.env;
  let url: URL;
  try {
    url = new URL(options.url);
  } catch {
    throw new TypeError(`--clickhouse-url: expected an http(s) URL, got "${options.url}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new TypeError(`--clickhouse-url: expected http:// or https://, got "${url.protocol}"`);
  if (url.username !== '' || url.password !== '') {
    throw new TypeError('--clickhouse-url: put credentials in CLICKHOUSE_USER / CLICKHOUSE_PASSWORD, not in the URL');
  }
  let mod: typeof import('@clickhouse/client');
  try {
    mod = await import('@clickhouse/client');
  } catch {
    throw new MissingPeerError('@clickhouse/client', 'the official ClickHouse HTTP client');
  }
  const client = mod.createClient({
    url: url.href,
    ...(env.CLICKHOUSE_USER !== undefined ? { username: env.CLICKHOUSE_USER } : {}),
    ...(env.CLICKHOUSE_PASSWORD !== undefined ? { password: env.CLICKHOUSE_PASSWORD } : {}),
    ...(env.CLICKHOUSE_DATABASE !== undefined ? { database: env.CLICKHOUSE_DATABASE } : {}),
    session_id: randomUUID(),
    // The client logs every failed request to stderr with its stack; our errors say it once, plainly.
    log: { level: mod.ClickHouseLogLevel.OFF },
    // The aggregation over billions of lines runs for minutes, past the client's 30 s default; the
    // progress headers keep proxies and load balancers from closing the idle connection meanwhile.
    request_timeout: SERVER_TIMEOUT_MS,
    clickhouse_settings: {
      output_format_json_quote_64bit_integers: 1,
      send_progress_in_http_headers: 1,
      http_headers_progress_interval_ms: '110000',
      // Without it a query that fails after its first rows answers 200 with the error appended to
      // the rows; with it the server buffers the result and answers the error as an error.
      wait_end_of_query: 1,
    },
  });
  const wrap = async <T>(f: () => Promise<T>): Promise<T> => {
    try {
      return await f();
    } catch (e) {
      throw serverError(e, url.origin);
    }
  };
  return {
    kind: 'server',
    rows: (sql) => wrap(async () => parseCompact(await (await client.query({ query: sql, format: 'JSONCompactEachRow' })).text())),
    command: (sql) => wrap(async () => void (await client.command({ query: sql }))),
    insert: (table, columns, rows) =>
      wrap(
        async () =>
          void (await client.insert({
            table,
            columns: [...columns] as [string, ...string[]],
            values: rows as unknown[][],
            format: 'JSONCompactEachRow',
          })),
      ),
    close: () => client.close(),
  };
}

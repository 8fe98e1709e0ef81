/**
 * A stand-in for a ClickHouse server's HTTP interface, for testing the clickhouse engine's server path
 * (`--clickhouse-url`, `@clickhouse/client`) on a machine where no ClickHouse server can run (Debian's
 * package is from 2018 and nothing on npm ships a server). Only the network front is a stand-in: every
 * query is executed for real by chDB (ClickHouse in this process), so the SQL is real ClickHouse SQL on
 * a real ClickHouse engine. It listens on loopback only.
 *
 * What it implements (the part of the HTTP interface `@clickhouse/client` 1.x uses, read from its source):
 * - `POST /` (and `GET /`): the query in the body, or in the `query` URL parameter with the body
 *   appended (`INSERT … FORMAT F` in `query` and the rows in the body go through chDB's raw insert);
 *   `GET /ping` and a bare `GET /` → `Ok.`;
 * - credentials as ClickHouse reads them: `Authorization: Basic`, `X-ClickHouse-User` /
 *   `X-ClickHouse-Key` headers, or `user` / `password` URL parameters; a wrong user or password is
 *   answered as ClickHouse does: `Code: 516. DB::Exception: <user>: Authentication failed: …
 *   (AUTHENTICATION_FAILED)`, HTTP 403, `X-ClickHouse-Exception-Code: 516`;
 * - URL parameters: `database` (USE; back to the starting database without it), `default_format` (default TabSeparated), `session_id` (recorded),
 *   the other reserved HTTP parameters (`query_id`, `wait_end_of_query`, `compress`, …) accepted and
 *   ignored; every other parameter is a setting, applied with `SET` (so an unknown one fails as it would);
 * - `Content-Encoding: gzip` request bodies; gzip responses when `enable_http_compression=1` and the
 *   client accepts gzip;
 * - response headers `X-ClickHouse-Query-Id`, `X-ClickHouse-Format`, `X-ClickHouse-Summary`,
 *   `X-ClickHouse-Timezone`; errors as `Code: N. DB::Exception: … (NAME)` bodies with
 *   `X-ClickHouse-Exception-Code` and the HTTP status ClickHouse gives the code (403 for authentication,
 *   400 for syntax errors, 404 for unknown tables, … ; 500 for codes outside the subset mapped here).
 *
 * What it does not implement:
 * - sessions are not isolated: chDB allows one live session per process, so all `session_id`s share one
 *   chDB session (temporary tables of one session are visible to another; `session_timeout`,
 *   `session_check` and the "session is locked" error of concurrent use are not emulated). Requests
 *   run one at a time.
 * - settings applied with `SET` stay set for later requests (ClickHouse applies URL settings per query);
 * - no streaming: results are buffered (as ClickHouse with `wait_end_of_query=1`), so no
 *   `X-ClickHouse-Progress` headers and no exception appended to a 200 response mid-stream;
 * - no query parameters (`param_*`, multipart bodies): refused with a clear 400;
 * - no zstd/lz4/ClickHouse-native compression, no TLS, no JWT, no roles, quotas, readonly or grants;
 * - no cluster (`s3Cluster`, Distributed tables need a real cluster).
 *
 * @example
 * ```ts
 * const ch = await startClickHouseStandIn({ users: { default: '', alice: 'secret' } });
 * // createClient({ url: ch.url, username: 'alice', password: 'secret' }) …
 * await ch.close();
 * ```
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync, gzipSync } from 'node:zlib';
import { Session } from 'chdb';

/** One request as the stand-in understood it (for tests to check what reached the server). */
export interface StandInRequest {
  user: string;
  /** false: refused as AUTHENTICATION_FAILED. */
  authenticated: boolean;
  sessionId: string | undefined;
  /** The `database` parameter (the client sends it unless it is `default`). */
  database: string | undefined;
  query: string;
  settings: Record<string, string>;
}

/** A running stand-in. */
export interface ClickHouseStandIn {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  /** Every query request (refused ones too), in order. */
  requests: StandInRequest[];
  /** Runs SQL directly in the stand-in's chDB session (to set up tables). */
  exec(sql: string): Promise<void>;
  close(): Promise<void>;
}

/** URL parameters ClickHouse's HTTP handler reads itself; the rest are settings. */
const RESERVED = new Set([
  'query',
  'query_id',
  'session_id',
  'session_timeout',
  'session_check',
  'close_session',
  'database',
  'default_format',
  'user',
  'password',
  'quota_key',
  'role',
  'compress',
  'decompress',
  'buffer_size',
  'wait_end_of_query',
  'stacktrace',
  'client_protocol_version',
]);

/** A subset of ClickHouse's src/Server/HTTP/exceptionCodeToHTTPStatus.cpp; other codes answer 500. */
const HTTP_STATUS: Record<number, number> = {
  194: 401, // REQUIRED_PASSWORD
  192: 403, // UNKNOWN_USER
  193: 403, // WRONG_PASSWORD
  516: 403, // AUTHENTICATION_FAILED
  497: 403, // ACCESS_DENIED
  36: 400, // BAD_ARGUMENTS
  53: 400, // TYPE_MISMATCH
  62: 400, // SYNTAX_ERROR
  117: 400, // INCORRECT_DATA
  46: 404, // UNKNOWN_FUNCTION
  47: 404, // UNKNOWN_IDENTIFIER
  60: 404, // UNKNOWN_TABLE
  81: 404, // UNKNOWN_DATABASE
  115: 404, // UNKNOWN_SETTING
  48: 501, // NOT_IMPLEMENTED
  159: 408, // TIMEOUT_EXCEEDED
};

class HttpError extends Error {
  constructor(
    readonly chCode: number,
    readonly chName: string,
    message: string,
  ) {
    super(message);
  }
}

function errorBody(e: unknown): { code: number; body: string } {
  if (e instanceof HttpError) return { code: e.chCode, body: `Code: ${e.chCode}. DB::Exception: ${e.message}. (${e.chName})\n` };
  const message = e instanceof Error ? e.message : String(e);
  const code = Number(/^Code: (\d+)\./.exec(message)?.[1] ?? (e as { clickhouseCode?: number }).clickhouseCode ?? 1001);
  return {
    code,
    body: /^Code: \d+\./.test(message) ? `${message.trimEnd()}\n` : `Code: ${code}. DB::Exception: ${message}. (STD_EXCEPTION)\n`,
  };
}

function credentials(req: IncomingMessage, params: URLSearchParams): { user: string; password: string } {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Basic ')) {
    const text = Buffer.from(auth.slice(6), 'base64').toString('utf8');
    const i = text.indexOf(':');
    return { user: text.slice(0, i < 0 ? text.length : i), password: i < 0 ? '' : text.slice(i + 1) };
  }
  const user = req.headers['x-clickhouse-user'];
  if (typeof user === 'string') return { user, password: String(req.headers['x-clickhouse-key'] ?? '') };
  return { user: params.get('user') ?? 'default', password: params.get('password') ?? '' };
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const body = Buffer.concat(chunks);
  const encoding = req.headers['content-encoding'];
  if (encoding === undefined || encoding === 'identity') return body;
  if (encoding === 'gzip') return gunzipSync(body);
  throw new HttpError(1001, 'STD_EXCEPTION', `the stand-in does not decode Content-Encoding ${encoding}`);
}

/**
 * Starts the stand-in on 127.0.0.1 (a free port) with its own chDB session.
 *
 * @example
 * ```ts
 * const ch = await startClickHouseStandIn();
 * ```
 */
export async function startClickHouseStandIn(o: { users?: Record<string, string> } = {}): Promise<ClickHouseStandIn> {
  const users = o.users ?? { default: '' };
  const session = new Session();
  const home = (await session.queryAsync('SELECT currentDatabase()', { format: 'TabSeparated' })).text().trim();
  const requests: StandInRequest[] = [];
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(f: () => Promise<T>): Promise<T> => {
    const next = queue.then(f, f);
    queue = next.catch(() => undefined);
    return next;
  };

  async function run(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname === '/ping' || (req.method === 'GET' && url.pathname === '/' && !url.searchParams.has('query'))) {
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=UTF-8' }).end('Ok.\n');
      return;
    }
    if (url.pathname !== '/') throw new HttpError(1001, 'STD_EXCEPTION', `the stand-in serves / and /ping only, not ${url.pathname}`);
    const params = url.searchParams;
    const { user, password } = credentials(req, params);
    const body = (await readBody(req)).toString('utf8');
    const inUrl = params.get('query') ?? '';
    const query = inUrl.length > 0 ? inUrl : body;
    const settings = Object.fromEntries([...params].filter(([k]) => !RESERVED.has(k)));
    const authenticated = users[user] !== undefined && users[user] === password;
    requests.push({
      user,
      authenticated,
      sessionId: params.get('session_id') ?? undefined,
      database: params.get('database') ?? undefined,
      query,
      settings,
    });
    if (!authenticated) {
      throw new HttpError(
        516,
        'AUTHENTICATION_FAILED',
        `${user}: Authentication failed: password is incorrect, or there is no user with such name`,
      );
    }
    if ([...params.keys()].some((k) => k.startsWith('param_')) || req.headers['content-type']?.startsWith('multipart/')) {
      throw new HttpError(1001, 'STD_EXCEPTION', 'the stand-in does not implement query parameters (param_*)');
    }
    const format = /\bFORMAT\s+(\w+)\s*;?\s*$/i.exec(query)?.[1] ?? params.get('default_format') ?? 'TabSeparated';
    const queryId = params.get('query_id') ?? randomUUID();

    const { out, summary } = await serial(async () => {
      await session.queryAsync(`USE \`${params.get('database') ?? home}\``);
      for (const [k, v] of Object.entries(settings)) {
        await session.queryAsync(`SET ${k} = ${/^-?\d+(\.\d+)?$/.test(v) ? v : `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`}`);
      }
      const insert = /^\s*INSERT\s+INTO\s+([\w.`"]+)\s*(?:\(([^)]*)\))?\s*FORMAT\s+(\w+)\s*$/i.exec(inUrl);
      if (insert !== null && body.length > 0) {
        const r = await session.insert({
          table: insert[1]!,
          ...(insert[2] !== undefined ? { columns: insert[2].split(',').map((c) => c.trim()) } : {}),
          values: body,
          format: insert[3] as 'JSONCompactEachRow',
        });
        return {
          out: '',
          summary: { read_rows: 0, read_bytes: 0, written_rows: r.rowsWritten, written_bytes: r.bytesWritten, elapsed: r.elapsed },
        };
      }
      const text = inUrl.length > 0 && body.length > 0 ? `${inUrl}\n${body}` : query;
      const r = await session.queryAsync(text, { format: params.get('default_format') ?? 'TabSeparated' });
      return {
        out: r.text(),
        summary: { read_rows: r.rowsRead, read_bytes: r.bytesRead, written_rows: 0, written_bytes: 0, elapsed: r.elapsed },
      };
    });
    const headers: Record<string, string> = {
      'Content-Type': /^JSON/i.test(format) ? 'application/json; charset=UTF-8' : 'text/plain; charset=UTF-8',
      'X-ClickHouse-Query-Id': queryId,
      'X-ClickHouse-Format': format,
      'X-ClickHouse-Timezone': 'UTC',
      'X-ClickHouse-Summary': JSON.stringify({
        read_rows: String(summary.read_rows),
        read_bytes: String(summary.read_bytes),
        written_rows: String(summary.written_rows),
        written_bytes: String(summary.written_bytes),
        total_rows_to_read: String(summary.read_rows),
        result_rows: '0',
        result_bytes: '0',
        elapsed_ns: String(Math.round(summary.elapsed * 1e9)),
      }),
    };
    let payload: Buffer = Buffer.from(out, 'utf8');
    if (settings.enable_http_compression === '1' && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) {
      payload = gzipSync(payload);
      headers['Content-Encoding'] = 'gzip';
    }
    res.writeHead(200, headers).end(payload);
  }

  const server = createServer((req, res) => {
    run(req, res).catch((e: unknown) => {
      const { code, body } = errorBody(e);
      if (res.headersSent) {
        res.end();
        return;
      }
      res
        .writeHead(HTTP_STATUS[code] ?? 500, { 'Content-Type': 'text/plain; charset=UTF-8', 'X-ClickHouse-Exception-Code': String(code) })
        .end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    exec: (sql) => serial(async () => void (await session.queryAsync(sql))),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      session.cleanup();
    },
  };
}

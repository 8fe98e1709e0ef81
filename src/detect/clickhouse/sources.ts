import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { sqlString } from './sql.ts';

/**
 * How one input is read by ClickHouse, and how its files are named in messages.
 *
 * @example
 * ```ts
 * const s: InputSource = { input: 'logs/a.ndjson.gz', tableFunction: "file('/abs/logs/a.ndjson.gz', 'LineAsString')", names: new Map() };
 * ```
 */
export interface InputSource {
  /** As the user gave it. */
  input: string;
  tableFunction: string;
  /** ClickHouse `_path` → the name the user knows (for inputs naming one file or object). */
  names: Map<string, string>;
  /** How `_path`s of this input that are not in `names` are shown (globs). */
  prefix: string;
}

const GLOB = /[*?{}[\]]/;

/**
 * Turns the inputs (local paths and globs, `s3://bucket/key`, `https://…` object URLs) into
 * ClickHouse table functions that read them as lines. S3 credentials and endpoint come from the
 * environment: `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, `AWS_ENDPOINT_URL`
 * (R2: `https://<account>.r2.cloudflarestorage.com`). Throws, naming the input, for a local file
 * that does not exist, and for local files when the engine is a remote server (it cannot read them).
 *
 * @example
 * ```ts
 * inputSources(['s3://logs/2026/11/02/*.log.gz'], { env: process.env, local: true, cluster: undefined });
 * ```
 */
export function inputSources(
  inputs: readonly string[],
  o: { env: NodeJS.ProcessEnv; local: boolean; cluster: string | undefined },
): InputSource[] {
  return inputs.map((input) => {
    const remote = /^(s3|https?):\/\//i.test(input);
    if (!remote) {
      if (!o.local)
        throw new Error(
          `${input}: a ClickHouse server cannot read local files; upload to S3/R2 and pass s3:// URLs, or use --clickhouse-table`,
        );
      if (o.cluster !== undefined) throw new Error(`${input}: --clickhouse-cluster reads s3:// or https:// inputs only`);
      const abs = resolve(input);
      if (!GLOB.test(input)) statSync(abs); // ENOENT names the file, as the Node engine's error does
      return { input, tableFunction: `file(${sqlString(abs)}, 'LineAsString')`, names: new Map([[abs, input]]), prefix: '' };
    }
    let url = input;
    let prefix = '';
    const s3 = /^s3:\/\/([^/]+)\/(.*)$/i.exec(input);
    if (s3 !== null) {
      const endpoint = o.env.AWS_ENDPOINT_URL?.replace(/\/+$/, '');
      url = endpoint !== undefined && endpoint.length > 0 ? `${endpoint}/${s3[1]}/${s3[2]}` : `https://${s3[1]}.s3.amazonaws.com/${s3[2]}`;
      prefix = 's3://';
    } else prefix = `${new URL(input).origin}/`;
    const key = o.env.AWS_ACCESS_KEY_ID;
    const secret = o.env.AWS_SECRET_ACCESS_KEY;
    const token = o.env.AWS_SESSION_TOKEN;
    const auth =
      key !== undefined && secret !== undefined
        ? `, ${sqlString(key)}, ${sqlString(secret)}${token !== undefined ? `, ${sqlString(token)}` : ''}`
        : ', NOSIGN';
    const fn = o.cluster !== undefined ? `s3Cluster(${sqlString(o.cluster)}, ` : 's3(';
    const names = new Map<string, string>();
    if (!GLOB.test(new URL(url).pathname)) names.set(decodeURIComponent(new URL(url).pathname.replace(/^\/+/, '')), input);
    return { input, tableFunction: `${fn}${sqlString(url)}${auth}, 'LineAsString')`, names, prefix };
  });
}

/**
 * The union of the inputs as one line source (`line`, `_path`, `_row_number`).
 *
 * @example
 * ```ts
 * linesFrom(inputSources(['a.ndjson'], { env: {}, local: true, cluster: undefined }));
 * ```
 */
export function linesFrom(sources: readonly InputSource[]): string {
  return `(${sources.map((s) => `SELECT line, _path, _row_number FROM ${s.tableFunction}`).join('\n  UNION ALL ')})`;
}

/**
 * The name to show for a `_path` ClickHouse reports.
 *
 * @example
 * ```ts
 * displayName(sources, '/abs/logs/a.ndjson'); // 'logs/a.ndjson'
 * ```
 */
export function displayName(sources: readonly InputSource[], path: string): string {
  for (const s of sources) {
    const n = s.names.get(path);
    if (n !== undefined) return n;
  }
  const remote = sources.find((s) => s.prefix.length > 0);
  return remote !== undefined && !path.startsWith('/') ? `${remote.prefix}${path}` : path;
}

/**
 * The clickhouse engine's server path (`--clickhouse-url`, through `@clickhouse/client` over real
 * HTTP on loopback). No ClickHouse server can run on this machine (Debian's is from 2018 and nothing
 * on npm ships one), so the server is a stand-in (test/support/clickhouse-http-standin.ts): a small
 * HTTP front that speaks the part of ClickHouse's HTTP interface the client uses and executes every
 * query for real in chDB. The SQL, the engine and the client are real; only the network front is
 * mocked, and what it does not emulate (session isolation, streaming, clusters) is listed there.
 * Its own file because chDB allows one live session per process: the embedded run comes first here.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type S3rver from 's3rver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDetect } from '../../scripts/detect.ts';
import { aggregateWithClickHouse } from '../../src/detect/clickhouse/index.ts';
import type { DetectResult } from '../../src/detect/detector.ts';
import { newLogRecord, parseLogpushLine } from '../../src/detect/parse.ts';
import { type ClickHouseStandIn, startClickHouseStandIn } from '../support/clickhouse-http-standin.ts';
import { startS3, writeSimulation } from './clickhouse-helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'detect-clickhouse-server-'));
const KEY = '20261102/20261102T000000Z_20261109T000000Z_a.log.gz';
const { lines, base } = writeSimulation(dir, 1);
// Cloudflare's http_requests fields the detection reads, typed as a user's table would type them.
const SCHEMA =
  'ClientIP Nullable(String), ClientSrcPort Nullable(UInt16), ClientRequestUserAgent Nullable(String), EdgeStartTimestamp Nullable(String), BotScore Nullable(UInt8), VerifiedBotCategory Nullable(String), ClientASN Nullable(UInt32)';
const ALICE = { CLICKHOUSE_USER: 'alice', CLICKHOUSE_PASSWORD: 'pa:ss wörd' };

let s3: S3rver;
let s3env: NodeJS.ProcessEnv;
let standIn: ClickHouseStandIn;
let embedded: DetectResult;

beforeAll(async () => {
  let put: (key: string, body: Buffer) => Promise<number>;
  ({ server: s3, env: s3env, put } = await startS3(join(dir, 's3'), 'logpush'));
  expect(await put(KEY, readFileSync(base.logs[0]!))).toBe(200);
  // The reference: the embedded engine (chDB in this process) on the same object, run and closed
  // before the stand-in opens its own chDB session.
  embedded = await runDetect({
    ...base,
    logs: [`s3://logpush/${KEY}`],
    out: join(dir, 'embedded.csv'),
    engine: 'clickhouse',
    clickhouse: { env: s3env },
  });
  standIn = await startClickHouseStandIn({ users: { default: 'not-empty', alice: ALICE.CLICKHOUSE_PASSWORD } });
}, 120_000);
afterAll(async () => {
  await standIn?.close();
  await s3?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('detect --engine clickhouse --clickhouse-url (a ClickHouse HTTP stand-in running chDB)', () => {
  it('writes the same list as the embedded engine, byte for byte', async () => {
    const from = standIn.requests.length;
    const r = await runDetect({
      ...base,
      logs: [`s3://logpush/${KEY}`],
      out: join(dir, 'server.csv'),
      engine: 'clickhouse',
      clickhouse: { url: standIn.url, env: { ...s3env, ...ALICE } },
    });
    // Same SQL on the same ClickHouse build (chDB) over the same bytes gives the same per-unit
    // states (uniqExact, exact sums); the shared TypeScript classifier then gives the same prefixes,
    // and the CSV is a function of the prefixes alone.
    expect(embedded.prefixes.length).toBeGreaterThan(20);
    expect(r.prefixes).toEqual(embedded.prefixes);
    expect(readFileSync(join(dir, 'server.csv'), 'utf8')).toBe(readFileSync(join(dir, 'embedded.csv'), 'utf8'));
    expect(r.files).toEqual(embedded.files);
    expect([r.requests, r.units, r.excluded]).toEqual([embedded.requests, embedded.units, embedded.excluded]);

    // What reached the server: alice's credentials from CLICKHOUSE_USER / CLICKHOUSE_PASSWORD, one
    // session for all queries (the verdicts are a temporary table), the rows inserted, 64-bit quoting.
    const seen = standIn.requests.slice(from);
    expect(seen.map((q) => q.query.split(/\s+/)[0])).toEqual(['SELECT', 'CREATE', 'INSERT', 'SELECT']);
    expect(seen.every((q) => q.user === 'alice' && q.authenticated)).toBe(true);
    expect(new Set(seen.map((q) => q.sessionId)).size).toBe(1);
    expect(seen[0]!.sessionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(seen.every((q) => q.settings.output_format_json_quote_64bit_integers === '1')).toBe(true);
    expect(seen[2]!.query).toMatch(/^INSERT INTO ua_verdicts_[0-9a-f]{32} \(uah, id, cls\) FORMAT JSONCompactEachRow$/);
  }, 60_000);

  it('reads an existing table on the server (--clickhouse-table) like the lines it was loaded from', async () => {
    // The table holds the lines the Node parser accepts (the simulator also writes malformed ones,
    // which a table of typed columns cannot hold); those malformed lines add nothing to any unit, so
    // the list is the one read from the log.
    const r = newLogRecord();
    const good = lines.filter((l) => parseLogpushLine(l, r) === undefined);
    expect(good.length).toBeLessThan(lines.length);
    const file = join(dir, 'good.ndjson');
    writeFileSync(file, `${good.join('\n')}\n`);
    const from = standIn.requests.length;
    await standIn.exec('CREATE DATABASE weblogs');
    await standIn.exec(
      `CREATE TABLE weblogs.requests ENGINE = MergeTree ORDER BY tuple() AS SELECT * FROM file('${file}', 'JSONEachRow', '${SCHEMA}')`,
    );
    const t = await runDetect({
      ...base,
      logs: [],
      out: join(dir, 'table.csv'),
      engine: 'clickhouse',
      clickhouse: { url: standIn.url, table: 'requests', env: { ...ALICE, CLICKHOUSE_DATABASE: 'weblogs' } },
    });
    expect(t.prefixes).toEqual(embedded.prefixes);
    expect(t.files.map((f) => [f.file, f.lines])).toEqual([['requests', good.length]]);
    // CLICKHOUSE_DATABASE reached the server as the `database` parameter of every query.
    expect(standIn.requests.slice(from).map((q) => q.database)).toEqual(Array(5).fill('weblogs'));
    await expect(aggregateWithClickHouse([], {}, { url: standIn.url, table: 'weblogs.nope', env: ALICE })).rejects.toThrow(
      /^--clickhouse-table weblogs\.nope: Table weblogs\.nope does not exist/,
    );
  }, 60_000);

  it('names a missing object as the embedded engine does', async () => {
    await expect(
      aggregateWithClickHouse(['s3://logpush/20261103/b.log.gz'], {}, { url: standIn.url, env: { ...s3env, ...ALICE } }),
    ).rejects.toThrow(/^s3:\/\/logpush\/20261103\/b\.log\.gz: no such object \(HTTP 404\)$/);
  });

  it('refuses local files before connecting (the server cannot read them)', async () => {
    await expect(aggregateWithClickHouse([base.logs[0]!], {}, { url: standIn.url, env: ALICE })).rejects.toThrow(
      /logs\.ndjson\.gz: a ClickHouse server cannot read local files/,
    );
  });
});

describe('detect --clickhouse-url with wrong credentials, as a command', () => {
  const run = async (env: Record<string, string>) => {
    try {
      const args = ['scripts/detect.ts', '--engine', 'clickhouse', '--clickhouse-url', standIn.url, '--logs', `s3://logpush/${KEY}`];
      const childEnv: NodeJS.ProcessEnv = { ...process.env, ...s3env };
      delete childEnv.CLICKHOUSE_USER;
      delete childEnv.CLICKHOUSE_PASSWORD;
      await promisify(execFile)('node_modules/.bin/tsx', [...args, '--out', join(dir, 'denied.csv')], { env: { ...childEnv, ...env } });
      return { code: 0, stderr: '' };
    } catch (e) {
      const err = e as { code: number; stderr: string };
      return { code: err.code, stderr: err.stderr };
    }
  };

  it.each([
    ['a wrong password', { CLICKHOUSE_USER: 'alice', CLICKHOUSE_PASSWORD: 'wrong' }, 'alice'],
    ['an unknown user', { CLICKHOUSE_USER: 'mallory', CLICKHOUSE_PASSWORD: 'x' }, 'mallory'],
    // No CLICKHOUSE_USER: the client signs in as "default", whose password here is not empty.
    ['no credentials', {}, 'default'],
  ])(
    '%s: names the server and the variables to check, exits 1, no stack trace',
    async (_name, env, user) => {
      const from = standIn.requests.length;
      const { code, stderr } = await run(env);
      expect(code).toBe(1);
      expect(stderr).toBe(
        `detect: ${standIn.url}: ${user}: Authentication failed: password is incorrect, or there is no user with such name (AUTHENTICATION_FAILED); check CLICKHOUSE_USER and CLICKHOUSE_PASSWORD\n`,
      );
      expect(standIn.requests.slice(from).map((q) => [q.user, q.authenticated])).toEqual([[user, false]]);
    },
    60_000,
  );

  it('names the server it cannot reach', async () => {
    await expect(
      aggregateWithClickHouse([`s3://logpush/${KEY}`], {}, { url: 'http://127.0.0.1:9', env: { ...s3env, ...ALICE } }),
    ).rejects.toThrow(/^http:\/\/127\.0\.0\.1:9: cannot reach the ClickHouse server: connection refused \(ECONNREFUSED\)$/);
  });
});

/**
 * The clickhouse engine against the Node engine, with real chDB (ClickHouse in this process) and a
 * real S3-compatible server (s3rver) on loopback. The server path (`--clickhouse-url`) is tested in
 * clickhouse-server.test.ts, against an HTTP stand-in running chDB: no ClickHouse server can run here.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import fc from 'fast-check';
import type S3rver from 's3rver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDetectArgs, runDetect } from '../../scripts/detect.ts';
import { parseRebuildArgs } from '../../scripts/rebuild.ts';
import { Aggregator, type UnitState } from '../../src/detect/aggregate.ts';
import { aggregateWithClickHouse, openChdb } from '../../src/detect/clickhouse/index.ts';
import type { DetectResult } from '../../src/detect/detector.ts';
import { newLogRecord, parseLogpushLine } from '../../src/detect/parse.ts';
import { evaluate } from '../../src/detect/simulate/evaluate.ts';
import { createUserAgentClassifier } from '../../src/detect/user-agent.ts';
import { startS3, writeSimulation } from './clickhouse-helpers.ts';
import { agents } from './helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'detect-clickhouse-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('clickhouse engine on the simulator, against the Node engine', () => {
  const { sim, base } = writeSimulation(dir, 1);
  let node: DetectResult;
  let ch: DetectResult;
  beforeAll(async () => {
    node = await runDetect({ ...base, out: join(dir, 'node.csv'), threads: 1 });
    ch = await runDetect({ ...base, out: join(dir, 'ch.csv'), engine: 'clickhouse' });
  }, 180_000);

  it('lists ≥ 95 % of the same prefixes, with the same kinds and users within 10 %', () => {
    const n = new Map(node.prefixes.map((p) => [p.prefix, p]));
    const c = new Map(ch.prefixes.map((p) => [p.prefix, p]));
    const union = new Set([...n.keys(), ...c.keys()]);
    const shared = [...n.keys()].filter((k) => c.has(k));
    expect(n.size).toBeGreaterThan(20);
    expect(shared.length / union.size).toBeGreaterThanOrEqual(0.95);
    for (const k of shared) {
      expect(c.get(k)!.kind, k).toBe(n.get(k)!.kind);
      expect(Math.abs(c.get(k)!.users - n.get(k)!.users), k).toBeLessThanOrEqual(0.1 * n.get(k)!.users);
    }
  });

  it('meets the Node engine thresholds: precision ≥ 0.95, recall ≥ 0.9, kinds ≥ 0.9, users ×2 ≥ 0.8', () => {
    const s = evaluate(ch.prefixes, sim.truth);
    expect(s.falseAlarms).toEqual([]);
    expect(s.precision).toBeGreaterThanOrEqual(0.95);
    expect(s.recall).toBeGreaterThanOrEqual(0.9);
    expect(s.kindAccuracy).toBeGreaterThanOrEqual(0.9);
    expect(s.usersWithin2x).toBeGreaterThanOrEqual(0.8);
    expect(s.attackersListed).toEqual([]);
  });

  it('counts lines, malformed lines and exclusions as the Node engine does', () => {
    expect(ch.files.map((f) => [f.file, f.lines, f.malformed])).toEqual([[base.logs[0], node.files[0]!.lines, sim.malformed]]);
    expect(ch.files[0]!.examples).toEqual(node.files[0]!.examples);
    expect(ch.excluded).toEqual(node.excluded);
    expect([ch.requests, ch.browserRequests, ch.units, ch.portCoverage]).toEqual([
      node.requests,
      node.browserRequests,
      node.units,
      node.portCoverage,
    ]);
    expect(ch.timeRange).toEqual(node.timeRange);
  });

  describe('reading s3:// objects from a local S3-compatible server', () => {
    let server: S3rver;
    let env: NodeJS.ProcessEnv;
    beforeAll(async () => {
      let put: (key: string, body: Buffer) => Promise<number>;
      ({ server, env, put } = await startS3(join(dir, 's3'), 'logpush'));
      expect(await put('20261102/20261102T000000Z_20261109T000000Z_a.log.gz', readFileSync(base.logs[0]!))).toBe(200);
    }, 60_000);
    afterAll(() => server?.close());

    it('gives the same list from a glob of objects as from the local file', async () => {
      const r = await runDetect({
        ...base,
        logs: ['s3://logpush/2026*/*.log.gz'],
        out: join(dir, 's3.csv'),
        engine: 'clickhouse',
        clickhouse: { env },
      });
      expect(r.prefixes).toEqual(ch.prefixes);
      expect(r.files.map((f) => f.file)).toEqual(['s3://logpush/20261102/20261102T000000Z_20261109T000000Z_a.log.gz']);
    }, 120_000);

    it.each([
      ['a missing object', 's3://logpush/20261103/b.log.gz', {}, /^s3:\/\/logpush\/20261103\/b\.log\.gz: no such object \(HTTP 404\)$/],
      // s3rver checks the access key id but not SigV4 signatures, so a wrong secret cannot be tested here.
      [
        'an unknown access key',
        's3://logpush/20261102/20261102T000000Z_20261109T000000Z_a.log.gz',
        { AWS_ACCESS_KEY_ID: 'nobody' },
        /: access denied \(HTTP 403\); check AWS_ACCESS_KEY_ID/,
      ],
    ])(
      'names the object for %s',
      async (_name, input, extra, message) => {
        await expect(aggregateWithClickHouse([input], {}, { env: { ...env, ...extra } })).rejects.toThrow(message);
      },
      60_000,
    );
  });
});

describe('clickhouse engine per-unit state', () => {
  const browsers = agents.browsers.slice(0, 40).map((b) => b.ua);
  const uas = [...browsers, ...agents.crawlers.slice(0, 5), '', '-', 'curl/8.5.0'];
  const line = fc
    .record({
      ip: fc.oneof(
        fc.constantFrom('81.2.69.7', '81.2.69.8', '81.2.70.1', '::ffff:81.2.69.7'),
        fc.constantFrom('2001:db8:1:2::1', '2001:db8:1:2:ffff::9', '2001:db8:1:3::1'),
        fc.constantFrom('not-an-ip', ''),
      ),
      port: fc.option(fc.integer({ min: 0, max: 65535 }), { nil: undefined }),
      ua: fc.constantFrom(...uas),
      t: fc.option(fc.integer({ min: 1793577600, max: 1793577600 + 20 * 86400 }), { nil: undefined }),
      fmt: fc.constantFrom('rfc3339', 'unix', 'unixnano'),
      botScore: fc.option(fc.integer({ min: 1, max: 99 }), { nil: undefined }),
      verified: fc.constantFrom('', '', '', 'Search Engine Crawler'),
      asn: fc.option(fc.constantFrom(64500, 64501), { nil: undefined }),
    })
    .map((r) =>
      JSON.stringify({
        ClientIP: r.ip,
        ClientSrcPort: r.port,
        ClientRequestUserAgent: r.ua,
        EdgeStartTimestamp:
          r.t === undefined
            ? undefined
            : r.fmt === 'rfc3339'
              ? new Date(r.t * 1000).toISOString().replace('.000', '')
              : r.fmt === 'unix'
                ? r.t
                : `${r.t}000000000`,
        BotScore: r.botScore,
        VerifiedBotCategory: r.verified,
        ClientASN: r.asn,
      }),
    );

  const view = (s: UnitState) => ({
    asn: s.asn,
    requests: s.requests,
    browser: s.browserRequests,
    bot: s.botRequests,
    weekend: s.weekendBrowserRequests,
    blocks: [s.portBlocksLo, s.portBlocksHi],
    ports: s.ports?.count(),
    days: s.days?.count(),
    hours: s.hours?.count(),
    uaDays: s.uaDays?.count(),
    uas: s.uas === undefined ? undefined : [...s.uas.sample()].sort((a, b) => a - b),
    uaCount: s.uas?.count(),
  });

  it('equals the Node aggregator unit by unit on random logs (IPv4, IPv6 /64, mapped, bots, three time formats)', async () => {
    const ch = await openChdb();
    try {
      let run = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(line, { minLength: 1, maxLength: 400 }), async (lines) => {
          const file = join(dir, `random-${run++}.ndjson`);
          writeFileSync(file, `${lines.join('\n')}\n`);
          const node = new Aggregator(29, createUserAgentClassifier());
          const r = newLogRecord();
          for (const l of lines) if (parseLogpushLine(l, r) === undefined) node.add(r);
          const got = (await aggregateWithClickHouse([file], { maxMalformedShare: 1 }, { backend: ch })).aggregator;
          expect(got.excluded).toEqual(node.excluded);
          expect([got.requests, got.browserRequests, got.withPort, got.withTime, got.weekdaysSeen]).toEqual([
            node.requests,
            node.browserRequests,
            node.withPort,
            node.withTime,
            node.weekdaysSeen,
          ]);
          for (const [k, s] of node.v4) expect(view(got.v4.get(k)!), String(k)).toEqual(view(s));
          for (const [k, s] of node.v6) expect(view(got.v6.get(k)!), k).toEqual(view(s));
          expect([got.v4.size, got.v6.size]).toEqual([node.v4.size, node.v6.size]);
        }),
        { numRuns: 4, seed: 11 },
      );
    } finally {
      await ch.close();
    }
  }, 120_000);

  it('reads an existing table (--clickhouse-table) like the lines it was loaded from', async () => {
    const ch = await openChdb();
    try {
      const { base } = { base: join(dir, 'table.ndjson') };
      const lines = ['81.2.69.7', '81.2.69.7', '2001:db8:1:2::1'].map((ip, i) =>
        JSON.stringify({
          ClientIP: ip,
          ClientSrcPort: 40000 + i,
          ClientRequestUserAgent: browsers[i],
          EdgeStartTimestamp: 1793577600 + i * 90000,
        }),
      );
      writeFileSync(base, `${lines.join('\n')}\n`);
      await ch.command(`CREATE TABLE logs ENGINE = MergeTree ORDER BY tuple() AS SELECT * FROM file('${base}', 'JSONEachRow')`);
      const fromTable = (await aggregateWithClickHouse([], {}, { backend: ch, table: 'logs' })).aggregator;
      const fromLines = (await aggregateWithClickHouse([base], {}, { backend: ch })).aggregator;
      expect([...fromTable.v4.values()].map(view)).toEqual([...fromLines.v4.values()].map(view));
      expect([...fromTable.v6.values()].map(view)).toEqual([...fromLines.v6.values()].map(view));
      expect(fromTable.v4.get(0x51024507)!.requests).toBe(2);
      await expect(aggregateWithClickHouse([], {}, { backend: ch, table: 'nope' })).rejects.toThrow(/nope/);
    } finally {
      await ch.close();
    }
  }, 60_000);
});

describe('detect --engine clickhouse on bad input, as a command', () => {
  const run = async (engine: string, logs: string) => {
    try {
      await promisify(execFile)('node_modules/.bin/tsx', [
        'scripts/detect.ts',
        '--engine',
        engine,
        '--logs',
        logs,
        '--out',
        join(dir, 'bad-out.csv'),
      ]);
      return { code: 0, stderr: '' };
    } catch (e) {
      const err = e as { code: number; stderr: string };
      return { code: err.code, stderr: err.stderr };
    }
  };

  it.each([
    [
      'a file of malformed lines',
      'garbage.ndjson',
      '{"ClientIP":"81.2.69.7"}\n{oops\n{"ClientIP":"nope"}\n',
      /garbage\.ndjson: 2 of 3 lines malformed \(limit 50%\).*first at line 2: not JSON/,
    ],
    ['a missing file', 'missing.ndjson', undefined, /missing\.ndjson: no such file or directory \(ENOENT\)/],
  ])(
    '%s: exits non-zero with the Node engine’s message, no stack trace',
    async (_name, file, content, message) => {
      if (content !== undefined) writeFileSync(join(dir, file), content);
      const [node, ch] = await Promise.all([run('node', join(dir, file)), run('clickhouse', join(dir, file))]);
      expect(node.code).toBe(1);
      expect(ch.code).toBe(1);
      expect(ch.stderr).toMatch(message);
      expect(ch.stderr).toBe(node.stderr);
      expect(ch.stderr).not.toMatch(/\n\s+at /);
    },
    60_000,
  );
});

describe('--engine clickhouse on the command line', () => {
  it('detect and rebuild read the engine, server, table and cluster', () => {
    const argv = [
      '--engine',
      'clickhouse',
      '--clickhouse-url',
      'https://ch.example:8443',
      '--clickhouse-cluster',
      'logs',
      '--logs',
      's3://logpush/2026*/*.log.gz',
    ];
    expect(parseDetectArgs([...argv, '--out', 'o.csv'])).toMatchObject({
      engine: 'clickhouse',
      clickhouse: { url: 'https://ch.example:8443', cluster: 'logs' },
      logs: ['s3://logpush/2026*/*.log.gz'],
    });
    expect(parseRebuildArgs(argv)).toMatchObject({
      engine: 'clickhouse',
      clickhouse: { url: 'https://ch.example:8443', cluster: 'logs' },
      logs: ['s3://logpush/2026*/*.log.gz'],
    });
    expect(parseDetectArgs(['--engine', 'clickhouse', '--clickhouse-table', 'db.requests', '--out', 'o.csv'])).toMatchObject({
      logs: [],
      clickhouse: { table: 'db.requests' },
    });
  });

  it.each([
    [['--clickhouse-url', 'http://h:8123', '--logs', 'a', '--out', 'o'], /need --engine clickhouse/],
    [['--engine', 'duckdb', '--logs', 'a', '--out', 'o'], /--engine: expected node or clickhouse/],
  ])('rejects %j', (argv, message) => {
    expect(() => parseDetectArgs(argv)).toThrow(message);
    expect(() => parseRebuildArgs(argv.filter((a) => a !== '--out' && a !== 'o'))).toThrow(message);
  });

  it('refuses credentials in the server URL and local files on a server (before connecting)', async () => {
    await expect(aggregateWithClickHouse(['s3://b/k'], {}, { url: 'http://user:secret@127.0.0.1:1' })).rejects.toThrow(/CLICKHOUSE_USER/);
    await expect(aggregateWithClickHouse(['s3://b/k'], {}, { url: 'ftp://127.0.0.1' })).rejects.toThrow(/expected http/);
  });
});

/**
 * The worker's own cost on workerd: requests/s and CPU per request of the deployable bundle
 * (`wrangler deploy --dry-run`) served by `workerd serve` directly, against a worker that only answers,
 * in the same run. Each variant is its own workerd process; rounds alternate so drift hits all alike.
 * No `wrangler dev`: its proxy and dev tooling cost ~2 ms of CPU per request and hid the worker's cost.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildTable } from '../../scripts/build-table.ts';
import { benchPrefixes, benchQueries } from '../table/data.ts';
import { CLIENT_KEY_VARIANTS, variantHeaders } from './client-key-variants.ts';
import { bundle, load, median, serve, type Bundle, type ServeOptions, type Workerd } from './workerd.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
// The pieces: shorter samples at a fixed rate, so every piece is measured under the same load pattern.
const PIECE_SECONDS = Number(process.env.BENCH_PIECE_SECONDS ?? 2);
const PIECE_RATE = 800;
const CONNECTIONS = 16;
// A mix of addresses: single-user, carrier NAT (in the example table), IPv6; a limit nobody reaches.
const ADDRESSES = ['192.0.2.201', '198.51.100.7', '192.0.2.77', '2001:db8:1::5', '8.8.4.4', '1.1.1.1', '9.9.9.9', '2606:4700::1'];
const HIGH = JSON.stringify([{ id: 'bench', limit: 1_000_000_000, period: 60 }]);
const DO = { binding: 'RATE_LIMIT_COUNTER', className: 'RateLimitCounter' };

interface Variant {
  name: string;
  bundle: 'floor' | 'worker';
  options: ServeOptions;
  /** Client addresses (default ADDRESSES); `big` variants ask the ≈600k-prefix table about its own data. */
  big?: boolean;
  /** Fixed request headers instead of the address rotation (the client-key variants). */
  headers?: Record<string, string>;
}

const variants: Variant[] = [
  { name: 'empty worker: only answers (bench/worker/floor)', bundle: 'floor', options: {} },
  { name: 'this worker, no rules (`RULES=[]`)', bundle: 'worker', options: { vars: { RULES: '[]', STORE: 'memory' } } },
  { name: 'one rule, memory store', bundle: 'worker', options: { vars: { RULES: HIGH, STORE: 'memory' } } },
  {
    name: 'one rule, Durable Object store',
    bundle: 'worker',
    options: { vars: { RULES: HIGH, STORE: 'durable-object' }, durableObject: DO },
  },
  { name: 'one rule, memory store, ≈600k-prefix table', bundle: 'worker', options: { vars: { RULES: HIGH, STORE: 'memory' } }, big: true },
  ...(await Promise.all(
    CLIENT_KEY_VARIANTS.map(async (v) => ({
      name: v.name,
      bundle: 'worker' as const,
      options: { vars: { ...v.vars } },
      headers: await variantHeaders(v.keyed),
    })),
  )),
];

const requests = (addresses: string[]) =>
  addresses.map((ip) => ({ method: 'GET' as const, path: '/bench', headers: { 'cf-connecting-ip': ip } }));

/**
 * A table from real routing data (the table benchmark's ≈600k prefixes: 500k IPv4 + 100k IPv6 from
 * @ip-location-db/asn) and 32 client addresses for it, half of them inside a prefix. The worker
 * bundle is the same; only its Data module is swapped for this table.
 */
async function bigTable(dir: string): Promise<{ file: string; addresses: string[] }> {
  const prefixes = benchPrefixes();
  const csv = join(dir, 'prefixes.csv');
  writeFileSync(csv, `prefix,kind,users\n${prefixes.map((p) => `${p.prefix},${p.kind},${p.users ?? ''}`).join('\n')}\n`);
  const file = join(dir, 'big.bin');
  await buildTable({ inputs: [{ file: csv }], out: file });
  return { file, addresses: [...benchQueries(prefixes, 4, 24, 1), ...benchQueries(prefixes, 6, 8, 2)] };
}

const scratch = mkdtempSync(join(tmpdir(), 'multi-user-ip-bench-worker-'));
const servers: Workerd[] = [];
const rps = variants.map(() => [] as number[]);
const cpu = variants.map(() => [] as number[]);
let pieces: { repeat: number; pieces: string[] } = { repeat: 1, pieces: [] };
const pieceCost: number[][] = [];
try {
  console.error('bundling with wrangler deploy --dry-run…');
  const bundles: Record<Variant['bundle'] | 'pieces', Bundle> = {
    floor: bundle(join(scratch, 'floor'), new URL('floor/wrangler.toml', import.meta.url).pathname),
    worker: bundle(join(scratch, 'worker')),
    pieces: bundle(join(scratch, 'pieces'), new URL('pieces/wrangler.toml', import.meta.url).pathname),
  };
  console.error('building the ≈600k-prefix table…');
  const big = await bigTable(scratch);
  const tableModule = bundles.worker.modules.find((m) => m.kind === 'data')!.name;
  for (const v of variants) {
    servers.push(await serve(bundles[v.bundle], v.big ? { ...v.options, replaceData: { [tableModule]: big.file } } : v.options));
  }
  const measure = (i: number, seconds: number) => {
    const v = variants[i]!;
    const reqs = v.headers ? [{ method: 'GET' as const, path: '/bench', headers: v.headers }] : requests(v.big ? big.addresses : ADDRESSES);
    return load(servers[i]!, seconds, reqs, CONNECTIONS);
  };
  for (let i = 0; i < servers.length; i++) await measure(i, 2); // warm-up: JIT, the Durable Objects, the table checksum
  for (let round = 0; round < ROUNDS; round++) {
    for (let i = 0; i < variants.length; i++) {
      const m = await measure(i, SECONDS);
      rps[i]!.push(m.rps);
      cpu[i]!.push(m.cpuUs);
      console.error(`round ${round + 1}: ${variants[i]!.name}: ${m.rps.toFixed(0)} req/s, ${m.cpuUs.toFixed(0)} µs CPU/request`);
    }
  }

  console.error('pieces of the request path…');
  const pw = await serve(bundles.pieces);
  servers.push(pw);
  pieces = (await (await fetch(`${pw.url}/pieces`)).json()) as typeof pieces;
  const pieceLoad = (i: number, seconds: number) =>
    load(
      pw,
      seconds,
      ADDRESSES.map((ip) => ({ method: 'GET' as const, path: `/piece/${i}`, headers: { 'cf-connecting-ip': ip } })),
      CONNECTIONS,
      PIECE_RATE,
    );
  for (let i = 0; i < pieces.pieces.length; i++) await pieceLoad(i, 1); // warm-up
  pieces.pieces.forEach(() => pieceCost.push([]));
  for (let round = 0; round < ROUNDS; round++) {
    // Each piece against the `none` piece (index 0) measured just before it: paired, so drift cancels.
    for (let i = 1; i < pieces.pieces.length; i++) {
      const none = await pieceLoad(0, PIECE_SECONDS);
      const with_ = await pieceLoad(i, PIECE_SECONDS);
      pieceCost[i]!.push((with_.cpuUs - none.cpuUs) / pieces.repeat);
    }
    console.error(
      `round ${round + 1}: pieces ${pieceCost
        .slice(1)
        .map((c) => c.at(-1)!.toFixed(1))
        .join(', ')} µs`,
    );
  }
} finally {
  for (const s of servers) await s.stop();
  rmSync(scratch, { recursive: true, force: true });
}

const floorCpu = median(cpu[0]!);
const noRulesRps = median(rps[1]!);
console.log('## Worker on workerd\n');
console.log(
  `The deployable bundle (\`wrangler deploy --dry-run --outdir\`, the table as a Data module) served by \`workerd serve\` ` +
    `(node_modules/.bin/workerd) with a generated capnp config, one workerd process per variant, on loopback; the Durable ` +
    `Object variant stores on local disk (SQLite), as on Cloudflare. autocannon, ${CONNECTIONS} connections, ${SECONDS} s per ` +
    `sample, ${ROUNDS} interleaved rounds, medians; the built-in demo origin; a limit no one reaches, so every request is ` +
    `counted and forwarded. The example table (12 prefixes) with ${ADDRESSES.length} client addresses in rotation (single-user, ` +
    'carrier NAT, IPv6), and in the last row the same bundle with a ≈600k-prefix table from real routing data ' +
    '(@ip-location-db/asn, as in the table benchmark) and 32 addresses, half inside a prefix. ' +
    `"CPU" is the workerd process's user + system time (from /proc) divided by the requests it served; the load generator ` +
    `runs beside it on the same 2 cores (shared with other work during the run), so requests/s move more than CPU per request.\n`,
);
console.log('| worker | requests/s (median) | samples | vs no rules | CPU µs / request (median) | samples | vs empty worker |');
console.log('|---|---:|---|---:|---:|---|---:|');
variants.forEach((v, i) => {
  const r = median(rps[i]!);
  const c = median(cpu[i]!);
  console.log(
    `| ${v.name} | ${r.toFixed(0)} | ${rps[i]!.map((x) => x.toFixed(0)).join(', ')} | ${(r / noRulesRps).toFixed(2)} | ` +
      `${c.toFixed(0)} | ${cpu[i]!.map((x) => x.toFixed(0)).join(', ')} | ${(c / floorCpu).toFixed(2)} |`,
  );
});

console.log(
  `\n### Where the time goes\n\nEach piece of the request path run ${pieces.repeat} times per request in one worker ` +
    `(bench/worker/pieces), at a fixed ${PIECE_RATE} requests/s for ${PIECE_SECONDS} s, against the same worker doing nothing ` +
    `extra measured just before it; cost = (CPU per request − nothing's) / ${pieces.repeat}, median of ${ROUNDS} rounds. ` +
    'Pieces overlap (originRequest includes a Headers copy; demoOrigin the path slicing and a JSON response; the Hono rows a ' +
    "c.text response), so they do not add up. The worker's ordinary request path is requestTarget + pathForms, the rateLimiter " +
    'row per matching rule, formatVerdict and demoOrigin (or originRequest and one copy of the fetched response); the Hono ' +
    'rows are what the Hono middleware adds for comparison (the worker no longer routes ordinary requests through Hono).\n',
);
console.log('| piece | CPU µs per call (median) | rounds |');
console.log('|---|---:|---|');
pieces.pieces.forEach((name, i) => {
  if (i === 0) return;
  console.log(`| ${name} | ${median(pieceCost[i]!).toFixed(1)} | ${pieceCost[i]!.map((x) => x.toFixed(1)).join(', ')} |`);
});

const memCpu = median(cpu[2]!) / floorCpu;
const memRps = median(rps[2]!) / noRulesRps;
console.log(
  `\nTargets (issue 10), memory store: CPU per request ≤ 1.3 × the empty worker's — ${memCpu.toFixed(2)} ×, ` +
    `${memCpu <= 1.3 ? 'met' : 'not met'}; throughput ≥ 0.9 × the no-rules worker's — ${memRps.toFixed(2)} ×, ${memRps >= 0.9 ? 'met' : 'not met'}.`,
);

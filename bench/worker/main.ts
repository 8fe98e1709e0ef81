/**
 * The worker's own cost on workerd: requests/s and CPU per request of the deployable bundle
 * (`wrangler deploy --dry-run`) served by `workerd serve` directly, against a worker that only answers,
 * in the same run. Each variant is its own workerd process. No `wrangler dev`: its proxy and dev
 * tooling cost ~2 ms of CPU per request and hid the worker's cost.
 *
 * The machine this runs on is noisy (2 cores, the load generator beside workerd, other work): one
 * sample of the same process moves by ±30 % from one second to the next. So the figures are paired:
 * every round measures the empty worker, a second identical empty worker (the A/A check, which shows
 * the run's resolution), the worker with no rules, the one with the memory store, the empty worker
 * giving the memory store's answer (what the bigger answer alone costs) and the memory store with
 * the rule's `headers: false` (what the two rate-limit headers cost) back to back,
 * in an order rotated (and reversed every other cycle) from round to round, then the other variants;
 * a ratio is taken within a round, and the ratios of many short rounds are summarised by their
 * median, its interval and their quartiles (bench/worker/ratios.ts). Every sample counts. Every
 * BENCH_BLOCK rounds all variants get fresh workerd processes: a process keeps whatever offset its
 * start gave it (the A/A pair of one run differed by 4 % over all its rounds, with an interval that
 * excluded 1), and pairing rounds cannot cancel that; fresh processes spread it over the run. Each
 * fresh process serves BENCH_WARM_REQUESTS unmeasured requests first, so that every variant is
 * measured on the code V8 has finished optimising (workerd.ts `warmUp`).
 *
 * Environment: BENCH_ROUNDS (default 26), BENCH_SECONDS per sample (default 1), BENCH_BLOCK rounds
 * per set of processes (default 4), BENCH_WARM_REQUESTS per fresh process (default 80000),
 * BENCH_PIECE_ROUNDS (default 5), BENCH_PIECE_SECONDS (default 1).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildTable } from '../../scripts/build-table.ts';
import { benchPrefixes, benchQueries } from '../table/data.ts';
import { CLIENT_KEY_VARIANTS, variantHeaders } from './client-key-variants.ts';
import {
  ADDRESSES,
  addressRequests,
  CONNECTIONS,
  CORE_VARIANTS,
  HIGH_RULE,
  WAKE_SECONDS,
  WARM_MAX_SECONDS,
  type WorkerVariant,
} from './load-mix.ts';
import { pairedRounds } from './paired.ts';
import { describeRatios, median, medianInterval, quantile, roundRatios, verdict } from './ratios.ts';
import { bundle, load, serve, WARM_REQUESTS as DEFAULT_WARM_REQUESTS, type Bundle, type Workerd } from './workerd.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 26);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 1);
// The pieces: short samples at a fixed rate, so every piece is measured under the same load pattern.
const PIECE_ROUNDS = Number(process.env.BENCH_PIECE_ROUNDS ?? 5);
const PIECE_SECONDS = Number(process.env.BENCH_PIECE_SECONDS ?? 1);
const PIECE_RATE = 800;
const BLOCK = Number(process.env.BENCH_BLOCK ?? 4);
// Unmeasured requests on a fresh process before its first sample (the table checksum, and V8 optimising
// the request path: workerd.ts `warmUp`), at most WARM_MAX_SECONDS for the slowest variants.
const WARM_REQUESTS = Number(process.env.BENCH_WARM_REQUESTS ?? DEFAULT_WARM_REQUESTS);
const DO = { binding: 'RATE_LIMIT_COUNTER', className: 'RateLimitCounter' };

interface Variant extends WorkerVariant {
  /** Client addresses (default ADDRESSES); `big` variants ask the ≈600k-prefix table about its own data. */
  big?: boolean;
  /** Fixed request headers instead of the address rotation (the client-key variants). */
  headers?: Record<string, string>;
}

// The first six are measured back to back in every round (the paired core); their indices:
const EMPTY = 0;
const EMPTY_AGAIN = 1;
const NO_RULES = 2;
const MEMORY = 3;
const ANSWER = 4;
const MEMORY_QUIET = 5;
const CORE = 6;
const variants: Variant[] = [
  CORE_VARIANTS.empty,
  CORE_VARIANTS.emptyAgain,
  CORE_VARIANTS.noRules,
  CORE_VARIANTS.memory,
  { name: "empty worker giving the memory store's answer (bench/worker/floor-answer)", bundle: 'floor-answer', options: {} },
  CORE_VARIANTS.quiet,
  {
    name: 'one rule, Durable Object store',
    bundle: 'worker',
    options: { vars: { RULES: HIGH_RULE, STORE: 'durable-object' }, durableObject: DO },
  },
  {
    name: 'one rule, memory store, ≈600k-prefix table',
    bundle: 'worker',
    options: { vars: { RULES: HIGH_RULE, STORE: 'memory' } },
    big: true,
  },
  ...(await Promise.all(
    CLIENT_KEY_VARIANTS.map(async (v) => ({
      name: v.name,
      bundle: 'worker' as const,
      options: { vars: { ...v.vars } },
      headers: await variantHeaders(v.keyed),
    })),
  )),
];

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
let rps: number[][] = [];
let cpu: number[][] = [];
let pieces: { repeat: number; pieces: string[] } = { repeat: 1, pieces: [] };
const pieceCost: number[][] = [];
// Requests each fresh process served while warming up (fewer than WARM_REQUESTS only where the time ran out).
let warmed: number[] = [];
try {
  console.error('bundling with wrangler deploy --dry-run…');
  const bundles: Record<Variant['bundle'] | 'pieces', Bundle> = {
    floor: bundle(join(scratch, 'floor'), new URL('floor/wrangler.toml', import.meta.url).pathname),
    'floor-answer': bundle(join(scratch, 'floor-answer'), new URL('floor-answer/wrangler.toml', import.meta.url).pathname),
    worker: bundle(join(scratch, 'worker')),
    pieces: bundle(join(scratch, 'pieces'), new URL('pieces/wrangler.toml', import.meta.url).pathname),
  };
  console.error('building the ≈600k-prefix table…');
  const big = await bigTable(scratch);
  const tableModule = bundles.worker.modules.find((m) => m.kind === 'data')!.name;
  const variantRequests = (v: Variant) =>
    v.headers ? [{ method: 'GET' as const, path: '/bench', headers: v.headers }] : addressRequests(v.big ? big.addresses : ADDRESSES);
  ({ rps, cpu, warmed } = await pairedRounds({
    variants: variants.length,
    serve: (i) => {
      const v = variants[i]!;
      return serve(bundles[v.bundle], v.big ? { ...v.options, replaceData: { [tableModule]: big.file } } : v.options);
    },
    requests: (i) => variantRequests(variants[i]!),
    // The paired core back to back, then the rest (compared with the same round's core, a few seconds away).
    groups: [variants.slice(0, CORE).map((_, i) => i), variants.slice(CORE).map((_, i) => CORE + i)],
    servers,
    rounds: ROUNDS,
    seconds: SECONDS,
    block: BLOCK,
    warmRequests: WARM_REQUESTS,
    warmMaxSeconds: WARM_MAX_SECONDS,
    wakeSeconds: WAKE_SECONDS,
    connections: CONNECTIONS,
  }));

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
  for (let round = 0; round < PIECE_ROUNDS; round++) {
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

const cpuVsEmpty = cpu.map((c) => roundRatios(c, cpu[EMPTY]!));
const rpsVsNoRules = rps.map((r) => roundRatios(r, rps[NO_RULES]!));
const range = (xs: number[]) => `${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)}`;
const quartiles = (xs: number[]) => `${quantile(xs, 0.25).toFixed(2)}–${quantile(xs, 0.75).toFixed(2)}`;
console.log('## Worker on workerd\n');
console.log(
  `The deployable bundle (\`wrangler deploy --dry-run --outdir\`, the table as a Data module) served by \`workerd serve\` ` +
    `(node_modules/.bin/workerd) with a generated capnp config, one workerd process per variant (fresh ones every ${BLOCK} rounds), on loopback; the Durable ` +
    `Object variant stores on local disk (SQLite), as on Cloudflare. autocannon, ${CONNECTIONS} connections; the built-in ` +
    'demo origin; a limit no one reaches, so every request is counted and forwarded. The example table (12 prefixes) with ' +
    `${ADDRESSES.length} client addresses in rotation (single-user, carrier NAT, IPv6); the ≈600k-prefix row is the same ` +
    'bundle with a table from real routing data (@ip-location-db/asn, as in the table benchmark) and 32 addresses, half ' +
    'inside a prefix. "CPU" is the workerd process\'s run time (the sum of its threads\' /proc schedstat, nanoseconds) ' +
    'divided by the requests it served; the load generator runs beside it on the same 2 cores (shared with other work ' +
    'during the run).\n',
);
console.log(
  `**Method: paired rounds.** On this machine one ${SECONDS}-second sample of the same process moves by tens of per cent ` +
    `from one second to the next, so ${ROUNDS} rounds of ${SECONDS}-second samples: in each round the empty worker, a ` +
    'second identical empty worker (the A/A check), no rules, the memory store, the empty worker giving the memory ' +
    "store's answer (the same JSON members and rate-limit headers, none of the work) and the memory store with the rule's " +
    '`headers: false` are measured back to back, in an order ' +
    'shifted every round and reversed every other cycle, then the other variants in the same way; each sample follows ' +
    `${WAKE_SECONDS} s of unmeasured load on the same process, which wakes it from the pause while the others ran. Every ` +
    `${BLOCK} rounds each variant gets a fresh process, warmed up with ${WARM_REQUESTS} unmeasured requests (at most ` +
    `${WARM_MAX_SECONDS} s; the fewest any process got: ${Math.min(...warmed)}), because V8 optimises the request path by the ` +
    'work done, not by time: with `--trace-opt` its last TurboFan compile came after ~21k requests with no rules, ~39k with ' +
    'the memory store and ~57–68k for the `headers: false` and client-key variants, so a warm-up in seconds measured a slower ' +
    'variant half-compiled (bench/worker/workerd.ts `warmUp`). A process ' +
    'keeps the offset its start gave it (memory layout, where its threads run) for its whole life, which pairing within a ' +
    'round cannot cancel; fresh processes spread it over the rounds, so the A/A check also shows what is left of it. A ratio ' +
    'is taken within a round (CPU against the empty worker, requests/s against no rules; the rows below the first six are a few ' +
    'seconds away from their reference, not adjacent), and the ratios are summarised by their median, their quartiles and ' +
    "a distribution-free interval of the median (order statistics, at least 95 % coverage by the exact binomial; less below 6 rounds, and the coverage is printed). The ratio of the two columns' medians is given " +
    'beside it. No sample is dropped. A target counts as met (or not met) only when that whole interval lies on one side ' +
    'of it; otherwise the run cannot settle it.\n',
);
console.log(
  '| worker | requests/s (median, range) | vs no rules: median of per-round ratios (quartiles) | ratio of medians | ' +
    'CPU µs / request (median, range) | vs empty worker: median of per-round ratios (quartiles) | ratio of medians |',
);
console.log('|---|---:|---:|---:|---:|---:|---:|');
variants.forEach((v, i) => {
  console.log(
    `| ${v.name} | ${median(rps[i]!).toFixed(0)} (${range(rps[i]!)}) | ${median(rpsVsNoRules[i]!).toFixed(2)} (${quartiles(rpsVsNoRules[i]!)}) | ` +
      `${(median(rps[i]!) / median(rps[NO_RULES]!)).toFixed(2)} | ${median(cpu[i]!).toFixed(0)} (${range(cpu[i]!)}) | ` +
      `${median(cpuVsEmpty[i]!).toFixed(2)} (${quartiles(cpuVsEmpty[i]!)}) | ${(median(cpu[i]!) / median(cpu[EMPTY]!)).toFixed(2)} |`,
  );
});
const aa = cpuVsEmpty[EMPTY_AGAIN]!;
const aaRps = roundRatios(rps[EMPTY_AGAIN]!, rps[EMPTY]!);
console.log(
  `\n**Resolution (A/A check).** Two identical empty workers, per-round ratio of their CPU per request: ${describeRatios(aa)}; ` +
    `of their requests/s: ${describeRatios(aaRps)}. A single round's ratio strays about as far as those quartiles ` +
    'say; the median of the rounds is what the targets are read from, and its interval is how far it may be off.\n',
);
console.log(
  `\n### Where the time goes\n\nEach piece of the request path run ${pieces.repeat} times per request in one worker ` +
    `(bench/worker/pieces), at a fixed ${PIECE_RATE} requests/s for ${PIECE_SECONDS} s, against the same worker doing nothing ` +
    `extra measured just before it; cost = (CPU per request − nothing's) / ${pieces.repeat}, median of ${PIECE_ROUNDS} rounds. ` +
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

console.log(
  "\n**Answer or work.** CPU per request of the empty worker giving the memory store's answer against the empty worker — " +
    `what the bigger answer (the demo origin's JSON members and two rate-limit headers) costs workerd: ` +
    `${describeRatios(cpuVsEmpty[ANSWER]!)}; of the memory store against that worker — what the worker's own work ` +
    `(table, rule, limiter, verdict) costs on top: ${describeRatios(roundRatios(cpu[MEMORY]!, cpu[ANSWER]!))}.`,
);
console.log(
  "\n**The rate-limit headers.** The same rule with `headers: false` (the limiter's work, the verdict and the demo origin's answer " +
    'without `RateLimit-Policy` and `RateLimit`): CPU per request against the no-rules worker ' +
    `${describeRatios(roundRatios(cpu[MEMORY_QUIET]!, cpu[NO_RULES]!))}, requests/s against it ${describeRatios(rpsVsNoRules[MEMORY_QUIET]!)}; ` +
    `the memory store (with the headers) against it, CPU per request — what the two headers cost workerd: ` +
    `${describeRatios(roundRatios(cpu[MEMORY]!, cpu[MEMORY_QUIET]!))}.`,
);
const memCpu = cpuVsEmpty[MEMORY]!;
const memRps = rpsVsNoRules[MEMORY]!;
const memVsNoRules = roundRatios(cpu[MEMORY]!, cpu[NO_RULES]!);
const aaInterval = medianInterval(aa);
console.log(
  `\nTargets (issue 10), memory store, medians of per-round ratios with their intervals:\n\n` +
    `- CPU per request ≤ 1.3 × the empty worker's: ${describeRatios(memCpu, 3)}; ratio of medians ` +
    `${(median(cpu[MEMORY]!) / median(cpu[EMPTY]!)).toFixed(2)}: **${verdict(memCpu, 1.3, 'at most')}**.\n` +
    `- Requests/s ≥ 0.9 × the no-rules worker's: ${describeRatios(memRps, 3)}; ratio of medians ` +
    `${(median(rps[MEMORY]!) / median(rps[NO_RULES]!)).toFixed(2)}: **${verdict(memRps, 0.9, 'at least')}**.\n` +
    `- For reference, CPU per request against the no-rules worker: ${describeRatios(memVsNoRules)} ` +
    `(the A/A ratio's interval: ${aaInterval.low.toFixed(2)}–${aaInterval.high.toFixed(2)}).`,
);

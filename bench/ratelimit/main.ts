/**
 * `npm run bench -- ratelimit`: the rate limiter's cost per request and one Durable Object's
 * throughput. Prints one Markdown section to stdout (progress to stderr).
 *
 * 1. Per-request CPU time of the same Hono app (one GET route) without a limiter, with `rateLimit`
 *    (MemoryStore + a compiled MultiUserTable of 2,001 prefixes), and with `hono-rate-limiter`
 *    (its memory store), each in its own child process, the variants interleaved, ROUNDS rounds;
 *    medians. Added cost = variant − bare.
 * 2. One RateLimitCounter object, one key, in workerd (bench/ratelimit/durable-object.ts).
 * 3. MemoryStore heap per key, IPv4 and IPv6 (bench/ratelimit/memory.ts, `--expose-gc`), MEMORY_RUNS runs.
 *
 * Environment: RL_BENCH_REQUESTS (default 200000), RL_BENCH_ROUNDS (default 5),
 * RL_BENCH_DO_HITS (default 5000), RL_BENCH_DO_RUNS (default 3).
 */
import { spawnSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { VARIANTS, type Variant } from './overhead.ts';

const REQUESTS = Number(process.env.RL_BENCH_REQUESTS ?? 200_000);
const ROUNDS = Number(process.env.RL_BENCH_ROUNDS ?? 5);
const DO_HITS = Number(process.env.RL_BENCH_DO_HITS ?? 5000);
const DO_RUNS = Number(process.env.RL_BENCH_DO_RUNS ?? 3);
const MEMORY_KEYS = Number(process.env.RL_BENCH_MEMORY_KEYS ?? 50_000);
const MEMORY_RUNS = 3;

function child(script: string, args: string[], nodeFlags: string[] = []): string {
  const run = spawnSync(process.execPath, [...nodeFlags, '--import', 'tsx', fileURLToPath(new URL(script, import.meta.url)), ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 16 * 2 ** 20,
  });
  if (run.status !== 0) throw new Error(`${script} ${args.join(' ')} failed (exit ${run.status ?? run.signal})`);
  const last = run.stdout.trim().split('\n').pop() ?? '';
  return last;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

const times: Record<Variant, number[]> = { bare: [], ours: [], 'hono-rate-limiter': [] };
for (let round = 0; round < ROUNDS; round++) {
  for (const variant of VARIANTS) {
    const { nsPerRequest } = JSON.parse(child('./overhead.ts', [variant, String(REQUESTS)])) as { nsPerRequest: number };
    times[variant].push(nsPerRequest);
  }
  process.stderr.write(
    `  overhead round ${round + 1}/${ROUNDS}: ${VARIANTS.map((v) => `${v} ${times[v].at(-1)!.toFixed(0)} ns`).join(', ')}\n`,
  );
}
const bare = median(times.bare);
const us = (ns: number) => (ns / 1000).toFixed(2);

let durable: { hitsPerSecond: Record<string, number[]>; rpcsPerHit: Record<string, number[]> } | undefined;
let durableError: string | undefined;
try {
  durable = JSON.parse(child('./durable-object.ts', [String(DO_HITS), String(DO_RUNS)])) as typeof durable;
} catch (error) {
  durableError = (error as Error).message;
}

const memory = { ipv4: [] as number[], ipv6: [] as number[], ipv6Per64: [] as number[] };
for (let run = 0; run < MEMORY_RUNS; run++) {
  const r = JSON.parse(child('./memory.ts', [String(MEMORY_KEYS)], ['--expose-gc'])) as Record<keyof typeof memory, number>;
  for (const k of Object.keys(memory) as (keyof typeof memory)[]) memory[k].push(r[k]);
}

const lines: string[] = [];
lines.push('## Rate-limit middleware (`src/ratelimit`)');
lines.push('');
lines.push(
  `CPU time per request (user + system, of the measuring process) of one Hono app served in-process with \`app.fetch\` (${REQUESTS.toLocaleString('en-US')} requests over 1,000 client ` +
    `addresses, 10% of them in carrier-NAT prefixes, nothing blocked), each variant in its own child process, ` +
    `${ROUNDS} interleaved rounds, medians. *Added* = variant − no limiter: the limiter's own cost per request.`,
);
lines.push('');
lines.push('| variant | CPU µs / request (median) | added µs / request | runs (µs) |');
lines.push('| --- | ---: | ---: | --- |');
const label: Record<Variant, string> = {
  bare: 'no limiter',
  ours: '`rateLimit` + `MemoryStore` + `MultiUserTable` (lookup, count, 2 headers)',
  'hono-rate-limiter': '`hono-rate-limiter` 0.5 (memory store, draft-7 headers)',
};
for (const v of VARIANTS) {
  const m = median(times[v]);
  lines.push(`| ${label[v]} | ${us(m)} | ${v === 'bare' ? '—' : us(m - bare)} | ${times[v].map(us).join(', ')} |`);
}
const ours = median(times.ours) - bare;
const theirs = median(times['hono-rate-limiter']) - bare;
lines.push('');
lines.push(
  `Target (added cost ≤ hono-rate-limiter's): **${ours <= theirs ? 'met' : 'missed'}** — ${us(ours)} µs vs ${us(theirs)} µs per request.`,
);
lines.push('');
lines.push('### One Durable Object, one key (workerd, local)');
lines.push('');
if (durable) {
  lines.push(
    `Hits per second decided by one \`RateLimitCounter\` for one key, driven from a worker in the same workerd ` +
      `(\`wrangler\` \`unstable_startWorker\`, local SQLite storage, the state persisted before each RPC's answer), ` +
      `${DO_HITS.toLocaleString('en-US')} hits per run, ${DO_RUNS} runs, medians:`,
  );
  lines.push('');
  lines.push('| caller | hits / s (median) | RPCs per 1,000 hits | runs (hits / s) |');
  lines.push('| --- | ---: | ---: | --- |');
  for (const [name, values] of Object.entries(durable.hitsPerSecond)) {
    const rpcs = median(durable.rpcsPerHit[name] ?? [Number.NaN]) * 1000;
    lines.push(`| ${name} | ${median(values).toFixed(0)} | ${rpcs.toFixed(0)} | ${values.map((v) => v.toFixed(0)).join(', ')} |`);
  }
  lines.push('');
  lines.push(
    'With leases, a key hit often in the isolate reserves up to 16 hits per RPC, used locally until the lease ends; ' +
      'the object never allows more than the limit (see docs/ratelimit.md, "Hot keys").',
  );
} else {
  lines.push(`Not measured: ${durableError}`);
}
lines.push('');
lines.push('### MemoryStore heap per key');
lines.push('');
lines.push(
  `Heap held by a \`MemoryStore\` filled with ${MEMORY_KEYS.toLocaleString('en-US')} keys as the middleware makes them ` +
    `(\`<id> <address key>\`, one sliding-window hit each), after a full GC, minus the empty store, per key; ` +
    `${MEMORY_RUNS} runs in child processes, medians:`,
);
lines.push('');
lines.push('| keys | bytes / key (median) | MB at the default 50,000 keys | runs (bytes / key) |');
lines.push('| --- | ---: | ---: | --- |');
const memoryLabel = { ipv4: 'IPv4 addresses (`/32`)', ipv6: 'IPv6 per `/56` (the default)', ipv6Per64: 'IPv6 per `/64`' };
for (const k of Object.keys(memory) as (keyof typeof memory)[]) {
  const m = median(memory[k]);
  lines.push(
    `| ${memoryLabel[k]} | ${m.toFixed(0)} | ${((m * 50_000) / 1e6).toFixed(1)} | ${memory[k].map((v) => v.toFixed(0)).join(', ')} |`,
  );
}
lines.push('');
// Throughput figures depend on what else the machine runs: say so beside them.
lines.push(
  `Load average when the run ended: ${loadavg()
    .map((l) => l.toFixed(1))
    .join(', ')} (1, 5, 15 min) on ${cpus().length} CPUs.`,
);
process.stdout.write(`${lines.join('\n')}\n`);

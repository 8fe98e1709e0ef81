/**
 * The worker's own cost on workerd: requests/s and CPU per request of the deployable bundle
 * (`wrangler deploy --dry-run`) served by `workerd serve` directly, against a worker that only answers,
 * in the same run. Each variant is its own workerd process; rounds alternate so drift hits all alike.
 * No `wrangler dev`: its proxy and dev tooling cost ~2 ms of CPU per request and hid the worker's cost.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundle, load, median, serve, type Bundle, type ServeOptions, type Workerd } from './workerd.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = 16;
// A mix of addresses: single-user, carrier NAT (in the example table), IPv6; a limit nobody reaches.
const ADDRESSES = ['192.0.2.201', '198.51.100.7', '192.0.2.77', '2001:db8:1::5', '8.8.4.4', '1.1.1.1', '9.9.9.9', '2606:4700::1'];
const HIGH = JSON.stringify([{ id: 'bench', limit: 1_000_000_000, period: 60 }]);
const DO = { binding: 'RATE_LIMIT_COUNTER', className: 'RateLimitCounter' };

interface Variant {
  name: string;
  bundle: 'floor' | 'worker';
  options: ServeOptions;
}

const variants: Variant[] = [
  { name: 'empty worker: only answers (bench/worker/floor)', bundle: 'floor', options: {} },
  { name: 'this worker, no rules (`RULES=[]`)', bundle: 'worker', options: { vars: { RULES: '[]', STORE: 'memory' } } },
  { name: 'one rule, memory store', bundle: 'worker', options: { vars: { RULES: HIGH, STORE: 'memory' } } },
  { name: 'one rule, Durable Object store', bundle: 'worker', options: { vars: { RULES: HIGH, STORE: 'durable-object' }, durableObject: DO } },
];

const REQUESTS = ADDRESSES.map((ip) => ({ method: 'GET' as const, path: '/bench', headers: { 'cf-connecting-ip': ip } }));
const measure = (w: Workerd, seconds: number) => load(w, seconds, REQUESTS, CONNECTIONS);

const scratch = mkdtempSync(join(tmpdir(), 'multi-user-ip-bench-worker-'));
const servers: Workerd[] = [];
const rps = variants.map(() => [] as number[]);
const cpu = variants.map(() => [] as number[]);
try {
  console.error('bundling with wrangler deploy --dry-run…');
  const bundles: Record<Variant['bundle'], Bundle> = {
    floor: bundle(join(scratch, 'floor'), new URL('floor/wrangler.toml', import.meta.url).pathname),
    worker: bundle(join(scratch, 'worker')),
  };
  for (const v of variants) servers.push(await serve(bundles[v.bundle], v.options));
  for (const s of servers) await measure(s, 2); // warm-up: JIT, the Durable Objects, the table checksum
  for (let round = 0; round < ROUNDS; round++) {
    for (let i = 0; i < variants.length; i++) {
      const m = await measure(servers[i]!, SECONDS);
      rps[i]!.push(m.rps);
      cpu[i]!.push(m.cpuUs);
      console.error(`round ${round + 1}: ${variants[i]!.name}: ${m.rps.toFixed(0)} req/s, ${m.cpuUs.toFixed(0)} µs CPU/request`);
    }
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
    `sample, ${ROUNDS} interleaved rounds, medians; the built-in demo origin; the example table; ${ADDRESSES.length} client ` +
    `addresses in rotation (single-user, carrier NAT, IPv6); a limit no one reaches, so every request is counted and forwarded. ` +
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
const memCpu = median(cpu[2]!) / floorCpu;
const memRps = median(rps[2]!) / noRulesRps;
console.log(
  `\nTargets (issue 10), memory store: CPU per request ≤ 1.3 × the empty worker's — ${memCpu.toFixed(2)} ×, ` +
    `${memCpu <= 1.3 ? 'met' : 'not met'}; throughput ≥ 0.9 × the no-rules worker's — ${memRps.toFixed(2)} ×, ${memRps >= 0.9 ? 'met' : 'not met'}.`,
);

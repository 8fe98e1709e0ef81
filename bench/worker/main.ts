/**
 * Requests per second through `wrangler dev` (real workerd) with the limiter on a memory store and on
 * the Durable Object store, against the same worker with no rule (limiter off), in the same run.
 * Each configuration gets its own wrangler process; rounds alternate so drift hits all alike.
 */
import autocannon from 'autocannon';
import { startWranglerDev } from '../../test/support/wrangler-dev.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const CONNECTIONS = 16;
// A mix of addresses: single-user, carrier NAT (in the example table), IPv6; a limit nobody reaches.
const ADDRESSES = ['192.0.2.201', '198.51.100.7', '192.0.2.77', '2001:db8:1::5', '8.8.4.4', '1.1.1.1', '9.9.9.9', '2606:4700::1'];
const HIGH = JSON.stringify([{ id: 'bench', limit: 1_000_000_000, period: 60 }]);

const configs = [
  { name: 'no limiter (RULES=[])', vars: { RULES: '[]', STORE: 'memory' } },
  { name: 'limiter, memory store', vars: { RULES: HIGH, STORE: 'memory' } },
  { name: 'limiter, Durable Object store', vars: { RULES: HIGH, STORE: 'durable-object' } },
] as const;

async function measure(url: string): Promise<number> {
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: SECONDS,
    requests: ADDRESSES.map((ip) => ({ method: 'GET', path: '/bench', headers: { 'cf-connecting-ip': ip } })),
  });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return result.requests.average;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const samples = configs.map(() => [] as number[]);
const servers = [];
for (const c of configs) servers.push(await startWranglerDev(c.vars));
try {
  for (const s of servers) await measure(s.url); // warm-up: JIT and the Durable Object
  for (let round = 0; round < ROUNDS; round++) {
    for (let i = 0; i < configs.length; i++) {
      const rps = await measure(servers[i]!.url);
      samples[i]!.push(rps);
      console.error(`round ${round + 1}: ${configs[i]!.name}: ${rps.toFixed(0)} req/s`);
    }
  }
} finally {
  for (const s of servers) await s.stop();
}

const base = median(samples[0]!);
console.log('## Worker throughput through `wrangler dev`\n');
console.log(
  `autocannon, ${CONNECTIONS} connections, ${SECONDS} s per sample, median of ${ROUNDS} rounds; the built-in demo origin; ` +
    `${ADDRESSES.length} client addresses in rotation (single-user, carrier NAT, IPv6); a limit no one reaches, so every request ` +
    'is counted and forwarded. All three workers run at the same time on this machine, each in its own workerd.\n',
);
console.log('| worker | requests/s (median) | samples | vs no limiter |');
console.log('|---|---:|---|---:|');
configs.forEach((c, i) => {
  const m = median(samples[i]!);
  console.log(`| ${c.name} | ${m.toFixed(0)} | ${samples[i]!.map((x) => x.toFixed(0)).join(', ')} | ${(m / base).toFixed(2)} |`);
});
console.log('\nTarget (issue 4): the memory store keeps ≥ 0.9 of the unlimited throughput.');

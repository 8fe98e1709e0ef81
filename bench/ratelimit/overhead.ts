/**
 * Child process of bench/ratelimit/main.ts: the time per request of one Hono app variant, served
 * in-process with `app.fetch` (no sockets: the limiter's cost is not drowned in HTTP parsing).
 * Usage: `overhead.ts VARIANT REQUESTS` → prints `{ "nsPerRequest": number }` (CPU time of the process).
 *
 * Variants: `bare` (no limiter), `ours` (rateLimit + MemoryStore + a compiled MultiUserTable),
 * `hono-rate-limiter` (its default memory store). Both limiters count per address over 1,000
 * addresses (10% in carrier-NAT prefixes) with a limit high enough that nothing is blocked.
 */
import { Hono } from 'hono';
import { rateLimiter } from 'hono-rate-limiter';
import { pathToFileURL } from 'node:url';
import { MemoryStore, rateLimit } from '../../src/ratelimit/index.ts';
import { compileTable, MultiUserTable, type TableEntry } from '../../src/table/index.ts';

export type Variant = 'bare' | 'ours' | 'hono-rate-limiter';
export const VARIANTS: readonly Variant[] = ['bare', 'ours', 'hono-rate-limiter'];

interface NodeEnv {
  incoming: { socket: { remoteAddress: string } };
}

function table(): MultiUserTable {
  const entries: TableEntry[] = [];
  for (let i = 0; i < 2000; i++) entries.push({ prefix: `100.${64 + (i % 64)}.${(i >> 6) & 255}.0/24`, kind: 'cgnat', users: 100 + i });
  entries.push({ prefix: '2001:db8::/32', kind: 'vpn', users: undefined });
  return MultiUserTable.from(compileTable(entries).bytes);
}

export function buildApp(variant: Variant): Hono<{ Bindings: NodeEnv }> {
  const app = new Hono<{ Bindings: NodeEnv }>();
  if (variant === 'ours') {
    app.use(rateLimit({ id: 'bench', limit: 1_000_000, period: 60, table: table(), store: new MemoryStore() }));
  } else if (variant === 'hono-rate-limiter') {
    app.use(
      rateLimiter<{ Bindings: NodeEnv }>({
        windowMs: 60_000,
        limit: 1_000_000,
        standardHeaders: 'draft-7',
        keyGenerator: (c) => c.env.incoming.socket.remoteAddress,
      }),
    );
  }
  app.get('/', (c) => c.text('ok'));
  return app;
}

export function addresses(): string[] {
  return Array.from({ length: 1000 }, (_, i) => (i % 10 === 0 ? `100.${64 + (i % 64)}.0.${i & 255}` : `203.0.${i >> 8}.${i & 255}`));
}

export async function measure(variant: Variant, requests: number): Promise<number> {
  const app = buildApp(variant);
  const ips = addresses();
  const reqs = ips.map(() => new Request('http://bench.local/'));
  const envs: NodeEnv[] = ips.map((ip) => ({ incoming: { socket: { remoteAddress: ip } } }));
  const round = async (count: number) => {
    for (let i = 0; i < count; i++) {
      const j = i % reqs.length;
      const res = await app.fetch(reqs[j]!, envs[j]!);
      if (res.status !== 200) throw new Error(`${variant}: status ${res.status}`);
    }
  };
  // Sanity check: the limiter really ran and answered with its headers.
  const probe = await app.fetch(new Request('http://bench.local/'), envs[0]!);
  if (variant !== 'bare' && !probe.headers.has('ratelimit')) throw new Error(`${variant}: no RateLimit header`);
  await round(Math.min(requests, 20_000)); // warm up (JIT, maps filled)
  // CPU time of this process rather than wall time: the machine is shared, and time spent
  // preempted by other processes would otherwise land on whichever variant was running.
  const cpu = process.cpuUsage();
  await round(requests);
  const used = process.cpuUsage(cpu);
  return ((used.user + used.system) * 1000) / requests;
}

if (import.meta.url === pathToFileURL(process.argv[1]!).href) {
  const variant = process.argv[2] as Variant;
  if (!VARIANTS.includes(variant)) throw new Error(`overhead.ts: unknown variant ${variant} (expected ${VARIANTS.join(', ')})`);
  const ns = await measure(variant, Number(process.argv[3] ?? 100_000));
  process.stdout.write(`${JSON.stringify({ nsPerRequest: ns })}\n`);
}

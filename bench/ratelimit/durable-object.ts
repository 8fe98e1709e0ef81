/**
 * Child process of bench/ratelimit/main.ts: one RateLimitCounter Durable Object's throughput for one
 * key, in workerd (wrangler's unstable_startWorker on loopback, local SQLite storage). Prints JSON
 * `{ hitsPerSecond: { label: number[] }, rpcsPerHit: { label: number[] } }` to stdout.
 */
import { pathToFileURL } from 'node:url';
import { unstable_startWorker } from 'wrangler';

export async function measureDurableObject(
  n: number,
  runs: number,
): Promise<{ hitsPerSecond: Record<string, number[]>; rpcsPerHit: Record<string, number[]> }> {
  const config = new URL('./wrangler.toml', import.meta.url).pathname;
  const worker = await unstable_startWorker({ config, dev: { server: { port: 0 }, inspector: false, persist: false } as never });
  await worker.ready;
  const out: Record<string, number[]> = {};
  const rpcsPerHit: Record<string, number[]> = {};
  try {
    const cases = [
      ['one RPC per hit, sequential', 'rpc', 1],
      ['one RPC per hit, 50 concurrent', 'rpc', 50],
      ['DurableObjectStore (leases of 16), sequential', 'leased', 1],
      ['DurableObjectStore (leases of 16), 4 concurrent', 'leased', 4],
    ] as const;
    // Each case warms up right before its runs, so a leased key is measured with its steady demand.
    for (const [label, mode, c] of cases) {
      for (let run = -1; run < runs; run++) {
        const count = run < 0 ? Math.min(n, 2000) : n;
        const started = performance.now();
        const res = await worker.fetch(`http://bench/?n=${count}&c=${c}&mode=${mode}&key=${mode}-${c}`);
        const body = (await res.json()) as { allowed: number; rpcs: number };
        const ms = performance.now() - started;
        if (body.allowed !== count) throw new Error(`${label}: ${body.allowed} of ${count} hits allowed`);
        if (run >= 0) (out[label] ??= []).push((count / ms) * 1000);
        if (run >= 0) (rpcsPerHit[label] ??= []).push(body.rpcs / count);
        process.stderr.write(`  ${label}: ${count} hits, ${body.rpcs} RPCs, ${ms.toFixed(0)} ms\n`);
      }
    }
  } finally {
    await worker.dispose();
  }
  return { hitsPerSecond: out, rpcsPerHit };
}

if (import.meta.url === pathToFileURL(process.argv[1]!).href) {
  const n = Number(process.argv[2] ?? 5000);
  const runs = Number(process.argv[3] ?? 3);
  process.stdout.write(`${JSON.stringify(await measureDurableObject(n, runs))}\n`);
}

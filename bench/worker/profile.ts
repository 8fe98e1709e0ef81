/**
 * Where the worker's CPU goes on workerd: a V8 CPU profile taken through workerd's inspector while
 * autocannon loads one variant. Not part of `npm run bench` (a profile is a diagnosis, not a figure):
 *
 *   node_modules/.bin/node --import tsx bench/worker/profile.ts [no-rules|memory|durable-object|empty] [seconds]
 *
 * Prints the functions with the most self time (and, per source file, the total) and writes the
 * profile to worker.cpuprofile in the temp directory (open it in Chrome DevTools → Performance).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { freePort } from '../../test/support/wrangler-dev.ts';
import { bundle, serve, WARM_REQUESTS, warmUp } from './workerd.ts';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

const variant = process.argv[2] ?? 'memory';
const seconds = Number(process.argv[3] ?? 5);
const HIGH = JSON.stringify([{ id: 'bench', limit: 1_000_000_000, period: 60 }]);
const vars: Record<string, Record<string, string>> = {
  'no-rules': { RULES: '[]', STORE: 'memory' },
  memory: { RULES: HIGH, STORE: 'memory' },
  'durable-object': { RULES: HIGH, STORE: 'durable-object' },
  empty: {},
};
if (!(variant in vars)) throw new Error(`profile: unknown variant "${variant}" (expected one of ${Object.keys(vars).join(', ')})`);

const scratch = mkdtempSync(join(tmpdir(), 'multi-user-ip-profile-'));
const b =
  variant === 'empty' ? bundle(join(scratch, 'b'), new URL('floor/wrangler.toml', import.meta.url).pathname) : bundle(join(scratch, 'b'));
const inspectorPort = await freePort();
const w = await serve(b, {
  vars: vars[variant],
  inspectorPort,
  ...(variant === 'durable-object' ? { durableObject: { binding: 'RATE_LIMIT_COUNTER', className: 'RateLimitCounter' } } : {}),
});
const requests = ['192.0.2.201', '198.51.100.7', '2001:db8:1::5', '8.8.4.4'].map((ip) => ({
  method: 'GET' as const,
  path: '/bench',
  headers: { 'cf-connecting-ip': ip },
}));
const load = (duration: number) => autocannon({ url: w.url, connections: 16, duration, requests });
try {
  await warmUp(w, WARM_REQUESTS, requests); // the profile is of optimised code, as a busy isolate runs it
  const targets = (await (await fetch(`http://127.0.0.1:${inspectorPort}/json/list`)).json()) as {
    webSocketDebuggerUrl: string;
    title: string;
  }[];
  const target = targets.find((t) => t.title === 'main') ?? targets[0];
  if (!target) throw new Error('workerd inspector lists no target');
  const ws = new WebSocket(target.webSocketDebuggerUrl);
  await new Promise((resolve, reject) => {
    ws.onopen = resolve;
    ws.onerror = reject;
  });
  let next = 0;
  const waiting = new Map<number, (v: unknown) => void>();
  ws.onmessage = (e) => {
    const msg = JSON.parse(String(e.data)) as { id?: number; result?: unknown };
    if (msg.id !== undefined) waiting.get(msg.id)?.(msg.result);
  };
  const send = (method: string, params: object = {}) =>
    new Promise<unknown>((resolve) => {
      const id = ++next;
      waiting.set(id, resolve);
      ws.send(JSON.stringify({ id, method, params }));
    });
  await send('Profiler.enable');
  await send('Profiler.setSamplingInterval', { interval: 50 });
  await send('Profiler.start');
  const result = await load(seconds);
  const { profile } = (await send('Profiler.stop')) as { profile: { nodes: ProfileNode[]; startTime: number; endTime: number } };
  ws.close();
  writeFileSync(join(tmpdir(), 'worker.cpuprofile'), JSON.stringify(profile));

  const total = profile.nodes.reduce((n, x) => n + (x.hitCount ?? 0), 0);
  const byFunction = new Map<string, number>();
  const byFile = new Map<string, number>();
  for (const n of profile.nodes) {
    const where = `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.split('/').pop()}:${n.callFrame.lineNumber + 1}`;
    byFunction.set(where, (byFunction.get(where) ?? 0) + (n.hitCount ?? 0));
    const file = n.callFrame.url || n.callFrame.functionName;
    byFile.set(file, (byFile.get(file) ?? 0) + (n.hitCount ?? 0));
  }
  const us = (profile.endTime - profile.startTime) / result.requests.total;
  console.log(
    `${variant}: ${result.requests.total} requests in ${seconds} s; ${total} samples; ${us.toFixed(0)} µs wall per request on the isolate thread`,
  );
  console.log('\nself time by function (share of samples):');
  for (const [k, v] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, 40))
    console.log(`${((v / total) * 100).toFixed(1).padStart(5)} %  ${k}`);
  // Inclusive time: a function's own samples plus its callees', counted once per stack even when recursive.
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const inclusive = new Map<string, number>();
  const walk = (id: number, onStack: Set<string>): number => {
    const n = byId.get(id)!;
    let hits = n.hitCount ?? 0;
    const key = `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.split('/').pop()}:${n.callFrame.lineNumber + 1}`;
    const fresh = !onStack.has(key);
    if (fresh) onStack.add(key);
    for (const c of n.children ?? []) hits += walk(c, onStack);
    if (fresh) {
      onStack.delete(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + hits);
    }
    return hits;
  };
  walk(profile.nodes[0]!.id, new Set());
  console.log('\ninclusive time by function (share of samples):');
  for (const [k, v] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, 40))
    console.log(`${((v / total) * 100).toFixed(1).padStart(5)} %  ${k}`);
  console.log(`\nprofile: ${join(tmpdir(), 'worker.cpuprofile')}`);
} finally {
  await w.stop();
  rmSync(scratch, { recursive: true, force: true });
}

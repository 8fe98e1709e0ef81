/**
 * Child process of bench/ratelimit/main.ts (run with `--expose-gc`): the heap a `MemoryStore` holds
 * per key, for keys as the middleware makes them (`<id> <address key>`), one hit each with the
 * default sliding-window algorithm. Usage: `memory.ts KEYS` → prints
 * `{ "ipv4": bytesPerKey, "ipv6": bytesPerKey, "ipv6Per64": bytesPerKey }` (heapUsed after a full GC,
 * filled store minus empty store, divided by KEYS; key strings built the way the middleware builds them).
 */
import { addressKey, MemoryStore } from '../../src/ratelimit/index.ts';
import type { StoreRule } from '../../src/ratelimit/index.ts';

const KEYS = Number(process.argv[2] ?? 50_000);
const rule: StoreRule = { algorithm: 'sliding-window', limit: 600, periodMs: 60_000, mitigationMs: 0 };
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');

function heap(): number {
  for (let i = 0; i < 3; i++) gc!();
  return process.memoryUsage().heapUsed;
}

function bytesPerKey(address: (i: number) => string, ipv6Subnet?: number): number {
  const store = new MemoryStore({ maxKeys: KEYS + 1 });
  const now = Date.now();
  const before = heap();
  for (let i = 0; i < KEYS; i++) store.hit(`default ${addressKey(address(i), 32, ipv6Subnet).key}`, rule, now);
  const after = heap();
  if (store.size !== KEYS) throw new Error(`expected ${KEYS} keys, got ${store.size}`);
  return (after - before) / KEYS;
}

// Distinct addresses: IPv4 from 1.0.0.0 upwards; IPv6 one address per /56 (or per /64) under 2a00::/12.
const ipv4 = (i: number) => `${1 + (i >>> 24)}.${(i >>> 16) & 255}.${(i >>> 8) & 255}.${i & 255}`;
const ipv6 = (i: number) => `2a00:${(i >>> 16).toString(16)}:${(i & 0xffff).toString(16)}:${(i & 0xff).toString(16)}00::1`;
const ipv6Per64 = (i: number) => `2a00:1450:${(i >>> 16).toString(16)}:${(i & 0xffff).toString(16)}::1`;

const result = { ipv4: bytesPerKey(ipv4), ipv6: bytesPerKey(ipv6), ipv6Per64: bytesPerKey(ipv6Per64, 64) };
process.stdout.write(`${JSON.stringify(result)}\n`);

/**
 * What the worker benchmarks (bench/worker, bench/worker-targets) share, so that their figures are of
 * the same requests, workers and load settings: the client addresses, the rules, the variants both
 * measure and the load generator's settings.
 */
import type autocannon from 'autocannon';
import type { ServeOptions } from './workerd.ts';

/** autocannon connections per sample. */
export const CONNECTIONS = 16;

/**
 * Unmeasured load on a variant right before each of its samples (a process idle while the others
 * ran wakes up slowly: bench/worker/paired.ts), in seconds.
 */
export const WAKE_SECONDS = 0.3;

/** The longest a fresh process's warm-up may take (workerd.ts `warmUp`), for the slowest variants. */
export const WARM_MAX_SECONDS = 30;

/** A mix of client addresses: single-user, carrier NAT (in the example table), IPv6. */
export const ADDRESSES = ['192.0.2.201', '198.51.100.7', '192.0.2.77', '2001:db8:1::5', '8.8.4.4', '1.1.1.1', '9.9.9.9', '2606:4700::1'];

/** `RULES` with one rule for every path and a limit nobody reaches, so every request is counted and forwarded. */
export const HIGH_RULE = JSON.stringify([{ id: 'bench', limit: 1_000_000_000, period: 60 }]);

/** The same rule without its rate-limit headers (`headers: false`): the limiter's work without workerd's per-header work. */
export const QUIET_RULE = JSON.stringify([{ id: 'bench', limit: 1_000_000_000, period: 60, headers: false }]);

/**
 * `GET /bench` from each address in turn, as `CF-Connecting-IP` (what Cloudflare's edge sets).
 *
 * @example
 * ```ts
 * await load(w, 1, addressRequests(ADDRESSES));
 * ```
 */
export function addressRequests(addresses: readonly string[]): autocannon.Request[] {
  return addresses.map((ip) => ({ method: 'GET' as const, path: '/bench', headers: { 'cf-connecting-ip': ip } }));
}

/**
 * A worker a benchmark serves: which bundle (`floor`: only answers; `floor-answer`: the memory store's
 * answer without its work; `worker`: the project's deploy bundle) with which bindings.
 *
 * @example
 * ```ts
 * const v: WorkerVariant = { name: 'one rule, memory store', bundle: 'worker', options: { vars: { RULES: HIGH_RULE } } };
 * ```
 */
export interface WorkerVariant {
  name: string;
  bundle: 'floor' | 'floor-answer' | 'worker';
  options: ServeOptions;
}

/**
 * The variants both worker benchmarks measure, named as their tables print them: the empty worker and
 * its A/A twin, the worker with no rules, with one rule and the memory store, and the same rule with
 * `headers: false`.
 *
 * @example
 * ```ts
 * const variants = [CORE_VARIANTS.empty, CORE_VARIANTS.emptyAgain, CORE_VARIANTS.noRules, CORE_VARIANTS.memory];
 * ```
 */
export const CORE_VARIANTS = {
  empty: { name: 'empty worker: only answers (bench/worker/floor)', bundle: 'floor', options: {} },
  emptyAgain: { name: 'empty worker again, a second process (A/A check)', bundle: 'floor', options: {} },
  noRules: { name: 'this worker, no rules (`RULES=[]`)', bundle: 'worker', options: { vars: { RULES: '[]', STORE: 'memory' } } },
  memory: { name: 'one rule, memory store', bundle: 'worker', options: { vars: { RULES: HIGH_RULE, STORE: 'memory' } } },
  quiet: {
    name: 'one rule, memory store, `headers: false` (no rate-limit headers)',
    bundle: 'worker',
    options: { vars: { RULES: QUIET_RULE, STORE: 'memory' } },
  },
} as const satisfies Record<string, WorkerVariant>;

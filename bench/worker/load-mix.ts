/**
 * The load the worker benchmarks send (bench/worker, bench/worker-targets), so that their figures
 * are of the same requests.
 */
import type autocannon from 'autocannon';

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

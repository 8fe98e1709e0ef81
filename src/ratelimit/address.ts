import ipaddr from 'ipaddr.js';
import type { Context } from 'hono';

/**
 * A counted key derived from an address: `key` is what is counted (`192.0.2.1`, `2001:db8:1:2::/64`),
 * `address` the address the multi-user table is asked about (the counted network's first address),
 * `undefined` when the input was not an address.
 *
 * @example
 * ```ts
 * const k: AddressKey = { key: '2001:db8:1:2::/64', address: '2001:db8:1:2::' };
 * ```
 */
export interface AddressKey {
  key: string;
  address: string | undefined;
}

/** The shared key of every request whose address is missing or malformed (factor 1, one counter). */
export const UNKNOWN_ADDRESS_KEY = 'unknown-address';

const STRICT_IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
const BRACKETED = /^\[([^\]]+)\](?::\d{1,5})?$/;
const IPV4_PORT = /^([\d.]+):\d{1,5}$/;

/**
 * Normalises an address string (as found in a header or on a socket) into the key it is counted
 * under: IPv4 per `/ipv4Subnet` (default 32), IPv6 per `/ipv6Subnet` (default 64); IPv4-mapped IPv6
 * counts as IPv4; brackets, ports and zone ids are dropped. Anything else (classful `127.1`, hex,
 * octal, garbage) is not an address: it gets {@link UNKNOWN_ADDRESS_KEY} and no table lookup, so a
 * malformed or spoofed value can never buy a bigger limit or a fresh counter.
 *
 * @example
 * ```ts
 * addressKey('2001:db8:1:2:3:4:5:6'); // { key: '2001:db8:1:2::/64', address: '2001:db8:1:2::' }
 * addressKey('::ffff:192.0.2.1');     // { key: '192.0.2.1', address: '192.0.2.1' }
 * addressKey('nonsense');            // { key: 'unknown-address', address: undefined }
 * ```
 */
export function addressKey(raw: string | undefined | null, ipv4Subnet = 32, ipv6Subnet = 64): AddressKey {
  if (typeof raw !== 'string') return { key: UNKNOWN_ADDRESS_KEY, address: undefined };
  let s = raw.trim();
  // Hot path: a canonical dotted quad needs no parsing when counted per /32 (measured in bench/ratelimit).
  if (ipv4Subnet === 32 && STRICT_IPV4.test(s)) return { key: s, address: s };
  const bracketed = BRACKETED.exec(s);
  if (bracketed) s = bracketed[1]!;
  else {
    const withPort = IPV4_PORT.exec(s);
    if (withPort) s = withPort[1]!;
  }
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  let addr: ipaddr.IPv4 | ipaddr.IPv6;
  if (ipaddr.IPv4.isValidFourPartDecimal(s)) addr = ipaddr.IPv4.parse(s);
  else if (s.includes(':') && ipaddr.IPv6.isValid(s)) {
    const v6 = ipaddr.IPv6.parse(s);
    addr = v6.isIPv4MappedAddress() ? v6.toIPv4Address() : v6;
  } else return { key: UNKNOWN_ADDRESS_KEY, address: undefined };
  const bits = addr.kind() === 'ipv4' ? ipv4Subnet : ipv6Subnet;
  const full = addr.kind() === 'ipv4' ? 32 : 128;
  if (bits >= full) {
    const text = addr.toString();
    return { key: text, address: text };
  }
  const text = masked(addr, bits).toString();
  return { key: `${text}/${bits}`, address: text };
}

function masked(addr: ipaddr.IPv4 | ipaddr.IPv6, bits: number): ipaddr.IPv4 | ipaddr.IPv6 {
  if (addr.kind() === 'ipv4') {
    const octets = (addr as ipaddr.IPv4).octets.slice();
    for (let i = 0; i < 4; i++) octets[i] = octets[i]! & maskByte(bits - i * 8, 8);
    return new ipaddr.IPv4(octets);
  }
  const parts = (addr as ipaddr.IPv6).parts.slice();
  for (let i = 0; i < 8; i++) parts[i] = parts[i]! & maskByte(bits - i * 16, 16);
  return new ipaddr.IPv6(parts);
}

function maskByte(keep: number, width: number): number {
  if (keep >= width) return (1 << width) - 1;
  if (keep <= 0) return 0;
  return ((1 << width) - 1) ^ ((1 << (width - keep)) - 1);
}

const ON_WORKERS = typeof navigator !== 'undefined' && navigator.userAgent === 'Cloudflare-Workers';

/**
 * The connection's address as the runtime reports it: `CF-Connecting-IP` on Cloudflare Workers
 * (set by Cloudflare's edge, not by the client), the socket elsewhere (`@hono/node-server`, Bun's
 * `server.requestIP`, Deno's `remoteAddr`). `undefined` when the runtime does not tell.
 *
 * @example
 * ```ts
 * app.get('/ip', (c) => c.text(connectionAddress(c) ?? 'unknown'));
 * ```
 */
export function connectionAddress(c: Context): string | undefined {
  if (ON_WORKERS) return c.req.header('cf-connecting-ip');
  const env = c.env as Record<string, unknown> | undefined;
  if (!env || typeof env !== 'object') return undefined;
  const incoming = env.incoming as { socket?: { remoteAddress?: unknown } } | undefined;
  if (typeof incoming?.socket?.remoteAddress === 'string') return incoming.socket.remoteAddress;
  const server = (env.server ?? env) as { requestIP?: (r: Request) => { address?: unknown } | null };
  if (typeof server.requestIP === 'function') {
    const address = server.requestIP(c.req.raw)?.address;
    return typeof address === 'string' ? address : undefined;
  }
  const remoteAddr = env.remoteAddr as { hostname?: unknown } | undefined;
  return typeof remoteAddr?.hostname === 'string' ? remoteAddr.hostname : undefined;
}

/**
 * The client's address: with `trustProxy = n > 0`, the n-th `X-Forwarded-For` entry from the right
 * (each trusted proxy appends the address it saw; entries further left are client-supplied and
 * ignored); otherwise the connection's address. `undefined` when the header has fewer than n entries.
 *
 * @example
 * ```ts
 * // Behind one load balancer: X-Forwarded-For: "spoofed, 198.51.100.7" → "198.51.100.7"
 * clientAddress(c, 1, connectionAddress);
 * ```
 */
export function clientAddress(
  c: Context,
  trustProxy: number,
  getAddress: (c: Context) => string | undefined = connectionAddress,
): string | undefined {
  if (trustProxy > 0) {
    const header = c.req.header('x-forwarded-for');
    if (!header) return undefined;
    const entries = header.split(',');
    return entries.length >= trustProxy ? entries[entries.length - trustProxy]!.trim() : undefined;
  }
  return getAddress(c);
}

import type { Context } from 'hono';
import { SUBNET_DEFAULTS } from './option-checks.ts';
import { embeddedIPv4, formatIPv4, formatIPv6, maskIPv4, maskIPv6, parseAddress, parseIPv4 } from '../ip/index.ts';

/**
 * A counted key derived from an address: `key` is what is counted (`192.0.2.1`, `2001:db8:1::/56`),
 * `address` the client's own address in canonical form, which the multi-user table is asked about
 * (so a listed /96 or /128 inside a counted /56 applies to exactly its addresses), `undefined` when
 * the input was not an address.
 *
 * @example
 * ```ts
 * const k: AddressKey = { key: '2001:db8:1::/56', address: '2001:db8:1:2::7' };
 * ```
 */
export interface AddressKey {
  key: string;
  address: string | undefined;
}

/** The shared key of every request whose address is missing or malformed (factor 1, one counter). */
export const UNKNOWN_ADDRESS_KEY = 'unknown-address';

const BRACKETED = /^\[([^\]]+)\](?::\d{1,5})?$/;
const IPV4_PORT = /^([\d.]+):\d{1,5}$/;
// Scratch words for the allocation-free parser (addressKey is synchronous, so never shared).
const words = new Uint32Array(4);
const masked = new Uint32Array(4);

/**
 * Normalises an address string (as found in a header or on a socket) into the key it is counted
 * under: IPv4 per `/ipv4Subnet` (default 32), IPv6 per `/ipv6Subnet` (default 56); IPv4-mapped IPv6
 * counts as IPv4, and so does IPv6 that embeds an IPv4 address (6to4, Teredo, NAT64, IPv4-compatible:
 * counted under that address, the table still asked about the IPv6 one); brackets, ports and zone ids are dropped. Anything else (classful `127.1`, hex,
 * octal, leading zeros, garbage) is not an address: it gets {@link UNKNOWN_ADDRESS_KEY} and no table
 * lookup, so a malformed or spoofed value can never buy a bigger limit or a fresh counter.
 * Parsing uses the project's strict parser (`src/ip`): ipaddr.js took ~25 µs per IPv6 key in
 * bench/ratelimit, `src/ip` ~1 µs.
 *
 * @example
 * ```ts
 * addressKey('2001:db8:1:2:3:4:5:6'); // { key: '2001:db8:1::/56', address: '2001:db8:1:2:3:4:5:6' }
 * addressKey('::ffff:192.0.2.1');     // { key: '192.0.2.1', address: '192.0.2.1' }
 * addressKey('2002:c000:201::1');     // { key: '192.0.2.1', address: '2002:c000:201::1' } (6to4)
 * addressKey('nonsense');            // { key: 'unknown-address', address: undefined }
 * ```
 */
export function addressKey(
  raw: string | undefined | null,
  ipv4Subnet = SUBNET_DEFAULTS.ipv4Subnet,
  ipv6Subnet = SUBNET_DEFAULTS.ipv6Subnet,
): AddressKey {
  if (typeof raw !== 'string') return { key: UNKNOWN_ADDRESS_KEY, address: undefined };
  let s = raw.trim();
  // Hot path: the strict parser accepts only canonical dotted quads, so the text is its own key per /32.
  if (ipv4Subnet === 32 && parseIPv4(s) >= 0) return { key: s, address: s };
  const bracketed = BRACKETED.exec(s);
  if (bracketed) s = bracketed[1]!;
  else {
    const withPort = IPV4_PORT.exec(s);
    if (withPort) s = withPort[1]!;
  }
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  const kind = parseAddress(s, words);
  if (kind === 4) {
    const address = formatIPv4(words[3]!);
    return { key: ipv4Key(words[3]!, ipv4Subnet, address), address };
  }
  if (kind === 6) {
    const address = formatIPv6(words);
    // Counted with the IPv4 address it embeds (6to4, Teredo, NAT64…); the table is still asked about the IPv6 address.
    const v4 = embeddedIPv4(words);
    if (v4 >= 0) return { key: ipv4Key(v4, ipv4Subnet, undefined), address };
    if (ipv6Subnet === 128) return { key: address, address };
    maskIPv6(words, ipv6Subnet, masked);
    return { key: `${formatIPv6(masked)}/${ipv6Subnet}`, address };
  }
  return { key: UNKNOWN_ADDRESS_KEY, address: undefined };
}

/** The counted key of an IPv4 address (`formatted`: its text when the caller has it). */
function ipv4Key(v4: number, ipv4Subnet: number, formatted: string | undefined): string {
  if (ipv4Subnet === 32) return formatted ?? formatIPv4(v4);
  return `${formatIPv4(maskIPv4(v4, ipv4Subnet))}/${ipv4Subnet}`;
}

const ON_WORKERS = typeof navigator !== 'undefined' && navigator.userAgent === 'Cloudflare-Workers';

/**
 * The connection's address as the runtime reports it: `CF-Connecting-IP` on Cloudflare Workers
 * (set by Cloudflare's edge, not by the client; see {@link requestAddress}), the socket elsewhere (`@hono/node-server`, Bun's
 * `server.requestIP`, Deno's `remoteAddr`). `undefined` when the runtime does not tell.
 *
 * @example
 * ```ts
 * app.get('/ip', (c) => c.text(connectionAddress(c) ?? 'unknown'));
 * ```
 */
export function connectionAddress(c: Context): string | undefined {
  if (ON_WORKERS) return requestAddress(c.req.raw);
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
  return trustProxy > 0 ? forwardedAddress(c.req.raw, trustProxy) : getAddress(c);
}

/**
 * The connection's address as far as a `Request` alone tells: `CF-Connecting-IP` on Cloudflare
 * Workers (set by Cloudflare's edge, not by the client), `undefined` elsewhere (the socket is not on
 * the request). The default `address` of {@link rateLimiter}.
 *
 * @example
 * ```ts
 * requestAddress(request); // '198.51.100.7' on Workers
 * ```
 */
export function requestAddress(request: Request): string | undefined {
  return ON_WORKERS ? (request.headers.get('cf-connecting-ip') ?? undefined) : undefined;
}

/**
 * The `trustProxy`-th `X-Forwarded-For` entry from the right (each trusted proxy appends the address
 * it saw; entries further left are client-supplied and ignored), `undefined` when the header has
 * fewer entries. Shared by {@link clientAddress} and the framework-free limiter.
 *
 * @example
 * ```ts
 * forwardedAddress(new Request('https://x/', { headers: { 'x-forwarded-for': 'spoofed, 198.51.100.7' } }), 1); // '198.51.100.7'
 * ```
 */
export function forwardedAddress(request: Request, trustProxy: number): string | undefined {
  const header = request.headers.get('x-forwarded-for');
  if (!header) return undefined;
  const entries = header.split(',');
  return entries.length >= trustProxy ? entries[entries.length - trustProxy]!.trim() : undefined;
}

import ipaddr from 'ipaddr.js';
import { formatIPv4, formatIPv4Prefix, formatIPv6Prefix, isIPv4Mapped, parseIPv6 } from '../ip/index.ts';

/**
 * Address helpers: a strict IPv4 parser for the hot path (every log line), IPv6 reduced to its /64
 * (the unit one subscriber gets, inside which privacy addresses rotate), and canonical, public-only
 * prefix text for the output.
 */

// One address parser for the whole project (src/ip); re-exported here for detect's callers.
export { formatIPv4, parseIPv4 } from '../ip/index.ts';

/** Scratch words for ipv6Unit (module-level so the per-line path does not allocate). */
const words = new Uint32Array(4);

/**
 * The /64 of an IPv6 address as a key (`2001:db8:0:1`, four lower-case hextets), or, for an
 * IPv4-mapped address, the IPv4 integer; `undefined` when the text is no address.
 *
 * @example
 * ```ts
 * ipv6Unit('2001:DB8::1'); // '2001:db8:0:0'
 * ipv6Unit('::ffff:192.0.2.1'); // 3221225985
 * ```
 */
export function ipv6Unit(s: string): string | number | undefined {
  if (!parseIPv6(s, words)) return undefined;
  if (isIPv4Mapped(words)) return words[3]!;
  const [a, b] = words as unknown as [number, number];
  return `${(a >>> 16).toString(16)}:${(a & 0xffff).toString(16)}:${(b >>> 16).toString(16)}:${(b & 0xffff).toString(16)}`;
}

/**
 * Canonical CIDR text (RFC 5952 for IPv6, host bits cleared) for an IPv4 integer or an IPv6 /64 key
 * and a prefix length (IPv6 lengths ≤ 64 here, as the unit is a /64).
 *
 * @example
 * ```ts
 * prefixText(4, 3325256711, 24); // '198.51.100.0/24'
 * prefixText(6, '2001:db8:1:2', 48); // '2001:db8:1::/48'
 * ```
 */
export function prefixText(family: 4 | 6, unit: number | string, bits: number): string {
  if (family === 4) return formatIPv4Prefix(unit as number, bits);
  const h = (unit as string).split(':').map((x) => Number.parseInt(x, 16));
  return formatIPv6Prefix([((h[0]! << 16) | h[1]!) >>> 0, ((h[2]! << 16) | h[3]!) >>> 0, 0, 0], bits);
}

/**
 * True when every address of the prefix is ordinary public unicast: no private, shared (100.64/10),
 * loopback, link-local, documentation, multicast, reserved, 6to4/Teredo/NAT64 … space.
 *
 * @example
 * ```ts
 * isPublicPrefix('100.64.1.0/24'); // false
 * isPublicPrefix('81.2.69.0/24'); // true
 * ```
 */
export function isPublicPrefix(cidr: string): boolean {
  let parsed: [ipaddr.IPv4 | ipaddr.IPv6, number];
  try {
    parsed = ipaddr.parseCIDR(cidr);
  } catch {
    return false;
  }
  const [addr, bits] = parsed;
  const first = addr.kind() === 'ipv4' ? ipaddr.IPv4.networkAddressFromCIDR(cidr) : ipaddr.IPv6.networkAddressFromCIDR(cidr);
  const last = addr.kind() === 'ipv4' ? ipaddr.IPv4.broadcastAddressFromCIDR(cidr) : ipaddr.IPv6.broadcastAddressFromCIDR(cidr);
  if (first.range() !== 'unicast' || last.range() !== 'unicast') return false;
  // ipaddr.js has no name for a few ranges that contain no public hosts.
  if (addr.kind() === 'ipv4') {
    const o = (first as ipaddr.IPv4).octets;
    if (o[0] === 0 || (o[0] === 192 && o[1] === 0 && o[2] === 0) || bits < 8) return false;
  } else if (!(first as ipaddr.IPv6).match(ipaddr.IPv6.parse('2000::'), 3)) {
    // Only global unicast (2000::/3) is allocated to networks that serve users.
    return false;
  }
  return true;
}

/** Integer form of an IPv6 /64 key's top 64 bits. */
function unitToBigInt(unit: string): bigint {
  let v = 0n;
  for (const h of unit.split(':')) v = (v << 16n) | BigInt(Number.parseInt(h, 16));
  return v;
}

/**
 * Longest-prefix lookup over a set of CIDRs (the `--list` inputs), keyed by detection units: IPv4
 * integers and IPv6 /64 keys. A list entry longer than /64 matches the /64 that contains it.
 *
 * @example
 * ```ts
 * const set = new PrefixMatcher<string>();
 * set.add('198.51.100.0/24', 'vpn');
 * set.match4(parseIPv4('198.51.100.9'))?.value; // 'vpn'
 * ```
 */
export class PrefixMatcher<T> {
  private v4 = new Map<number, Map<number, { prefix: string; value: T }>>();
  private v6 = new Map<number, Map<bigint, { prefix: string; value: T }>>();

  /** Adds a CIDR (or bare address); the first value added for a prefix wins. Throws on bad text. */
  add(cidr: string, value: T): void {
    const text = cidr.includes('/') ? cidr : `${cidr}/${cidr.includes(':') ? 128 : 32}`;
    const [addr, bits] = ipaddr.parseCIDR(text);
    const bytes = addr.toByteArray();
    if (addr.kind() === 'ipv4') {
      let v = 0;
      for (const b of bytes) v = v * 256 + b;
      const net = bits === 0 ? 0 : ((v >>> (32 - bits)) << (32 - bits)) >>> 0;
      let m = this.v4.get(bits);
      if (m === undefined) this.v4.set(bits, (m = new Map()));
      if (!m.has(net)) m.set(net, { prefix: `${formatIPv4(net)}/${bits}`, value });
    } else {
      let v = 0n;
      for (let i = 0; i < 8; i++) v = (v << 8n) | BigInt(bytes[i]!);
      const b = Math.min(bits, 64);
      const net = b === 0 ? 0n : (v >> BigInt(64 - b)) << BigInt(64 - b);
      let m = this.v6.get(b);
      if (m === undefined) this.v6.set(b, (m = new Map()));
      const canonical = `${ipaddr.IPv6.networkAddressFromCIDR(text).toRFC5952String()}/${bits}`;
      if (!m.has(net)) m.set(net, { prefix: canonical, value });
    }
  }

  /** Longest list prefix containing the IPv4 address, if any. */
  match4(ip: number): { prefix: string; value: T } | undefined {
    let best: { prefix: string; value: T } | undefined;
    let bestBits = -1;
    for (const [bits, m] of this.v4) {
      if (bits <= bestBits) continue;
      const net = bits === 0 ? 0 : ((ip >>> (32 - bits)) << (32 - bits)) >>> 0;
      const hit = m.get(net);
      if (hit !== undefined) {
        best = hit;
        bestBits = bits;
      }
    }
    return best;
  }

  /** Longest list prefix containing (or inside) the IPv6 /64, if any. */
  match6(unit: string): { prefix: string; value: T } | undefined {
    const v = unitToBigInt(unit);
    let best: { prefix: string; value: T } | undefined;
    let bestBits = -1;
    for (const [bits, m] of this.v6) {
      if (bits <= bestBits) continue;
      const net = bits === 0 ? 0n : (v >> BigInt(64 - bits)) << BigInt(64 - bits);
      const hit = m.get(net);
      if (hit !== undefined) {
        best = hit;
        bestBits = bits;
      }
    }
    return best;
  }
}

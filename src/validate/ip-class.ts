import ipaddr from 'ipaddr.js';

/**
 * Where an address lies, for the hop rules:
 *
 * - `private`: RFC 1918 (10/8, 172.16/12, 192.168/16); for IPv6, unique-local fc00::/7.
 * - `shared`: RFC 6598 shared address space 100.64.0.0/10 (carrier NAT's inside).
 * - `public`: globally routable unicast.
 * - `special`: anything else (loopback, link-local, documentation, multicast, reserved…): never evidence.
 *
 * @example
 * ```ts
 * classifyAddress('100.64.3.1'); // { family: 4, scope: 'shared', canonical: '100.64.3.1' }
 * classifyAddress('not an ip');  // undefined
 * ```
 */
export type AddressScope = 'private' | 'shared' | 'public' | 'special';

/**
 * A parsed address with its scope.
 *
 * @example
 * ```ts
 * const c: ClassifiedAddress = { family: 6, scope: 'public', canonical: '2001:67c:2e8::1' };
 * ```
 */
export interface ClassifiedAddress {
  family: 4 | 6;
  scope: AddressScope;
  /** Canonical text (dotted quad; RFC 5952 for IPv6), so equal addresses compare equal as strings. */
  canonical: string;
}

/**
 * Parses and classifies one address. Returns `undefined` for anything that is not a plain IPv4 or IPv6
 * address (no prefixes, no zone ids, no shortened IPv4 forms like `10.1`).
 *
 * @example
 * ```ts
 * classifyAddress('192.168.1.1')?.scope; // 'private'
 * classifyAddress('2a02:d28:667:1::2')?.scope; // 'public'
 * ```
 */
export function classifyAddress(text: string): ClassifiedAddress | undefined {
  if (typeof text !== 'string') return undefined;
  let addr: ipaddr.IPv4 | ipaddr.IPv6;
  if (ipaddr.IPv4.isValidFourPartDecimal(text)) {
    addr = ipaddr.IPv4.parse(text);
  } else if (text.includes(':') && !text.includes('%') && ipaddr.IPv6.isValid(text)) {
    addr = ipaddr.IPv6.parse(text);
    // An IPv4-mapped IPv6 address is the IPv4 address (some firmware reports hops this way).
    if (addr.isIPv4MappedAddress()) addr = addr.toIPv4Address();
  } else {
    return undefined;
  }
  const range = addr.range();
  const family = addr.kind() === 'ipv4' ? 4 : 6;
  let scope: AddressScope;
  if (range === 'unicast') scope = 'public';
  else if (range === 'private' || range === 'uniqueLocal') scope = 'private';
  else if (range === 'carrierGradeNat') scope = 'shared';
  else scope = 'special';
  return { family, scope, canonical: addr.toString() };
}

/**
 * The covering block of an address used for the "by block" metrics: the /24 for IPv4, the /48 for IPv6.
 *
 * @example
 * ```ts
 * blockOf('198.51.100.77'); // '198.51.100.0/24'
 * blockOf('2001:db8:1:2::1'); // '2001:db8:1::/48'
 * ```
 */
export function blockOf(address: string): string {
  const addr = ipaddr.parse(address);
  if (addr.kind() === 'ipv4') {
    const o = (addr as ipaddr.IPv4).octets;
    return `${o[0]}.${o[1]}.${o[2]}.0/24`;
  }
  const parts = (addr as ipaddr.IPv6).parts.slice(0, 3).concat([0, 0, 0, 0, 0]);
  return `${new ipaddr.IPv6(parts).toString()}/48`;
}

/**
 * Strict, allocation-free IP address parsing and canonical formatting, shared by the table, the
 * prefix-list parser, the rate limiter and the worker.
 *
 * Conventions: an IPv4 address is an unsigned 32-bit integer (`-1` = invalid); an IPv6 address is four
 * big-endian 32-bit words in a caller-provided `Uint32Array(4)`; parsers return `-1`/`false`/`0` for
 * invalid text and never throw.
 *
 * @example
 * ```ts
 * import { parseAddress, formatIPv6Prefix } from 'multi-user-ip/ip';
 * const w = new Uint32Array(4);
 * if (parseAddress(clientIp, w) === 6) key = formatIPv6Prefix(w, 64); // one key per /64
 * ```
 */
export { parseIPv4, parseIPv4Range, parseIPv6, parseAddress, isIPv4Mapped, embeddedIPv4 } from './parse.ts';
export { ipv4Mask, maskIPv4, maskIPv6, formatIPv4, formatIPv4Prefix, formatIPv6, formatIPv6Prefix } from './format.ts';

/**
 * Address space that can never be a client address seen at the edge, from the IANA IPv4 and IPv6
 * Special-Purpose Address Registries (RFC 6890, updated by RFC 8190) and the IANA IPv6 Address Space
 * registry. A multi-user prefix *inside* such space is a mistake (usually an internal address leaking
 * into an export), so the parser rejects it. A prefix that *contains* such space (a routed aggregate such
 * as 2001::/20 around 2001:2::/48, or 0.0.0.0/0) is real address space and is accepted: a lookup inside
 * the special block then answers the enclosing prefix, which is harmless since no client at the edge
 * has such an address.
 *
 * Globally reachable special-purpose blocks that do carry real clients (6to4 2002::/16, Teredo 2001::/32)
 * are not listed. The documentation ranges are listed with `documentation: true`: they are rejected
 * unless the caller allows them (the project's example data uses them).
 */
export interface SpecialPurposeRange {
  /** CIDR text. */
  prefix: string;
  family: 4 | 6;
  /** Network as an unsigned 32-bit integer (IPv4) or its four big-endian words (IPv6). */
  words: readonly [number, number, number, number];
  bits: number;
  name: string;
  /** Where it is defined. */
  rfc: string;
  documentation: boolean;
}

type Row = [prefix: string, name: string, rfc: string, documentation?: true];

const V4: Row[] = [
  ['0.0.0.0/8', '"this network"', 'RFC 791, RFC 1122'],
  ['10.0.0.0/8', 'private-use', 'RFC 1918'],
  ['100.64.0.0/10', 'shared address space (carrier-grade NAT inside)', 'RFC 6598'],
  ['127.0.0.0/8', 'loopback', 'RFC 1122'],
  ['169.254.0.0/16', 'link-local', 'RFC 3927'],
  ['172.16.0.0/12', 'private-use', 'RFC 1918'],
  ['192.0.0.0/24', 'IETF protocol assignments', 'RFC 6890'],
  ['192.0.2.0/24', 'documentation (TEST-NET-1)', 'RFC 5737', true],
  ['192.88.99.0/24', 'deprecated 6to4 relay anycast', 'RFC 7526'],
  ['192.168.0.0/16', 'private-use', 'RFC 1918'],
  ['198.18.0.0/15', 'benchmarking', 'RFC 2544'],
  ['198.51.100.0/24', 'documentation (TEST-NET-2)', 'RFC 5737', true],
  ['203.0.113.0/24', 'documentation (TEST-NET-3)', 'RFC 5737', true],
  ['224.0.0.0/4', 'multicast', 'RFC 5771'],
  ['240.0.0.0/4', 'reserved (incl. limited broadcast 255.255.255.255)', 'RFC 1112, RFC 919'],
];

const V6: Row[] = [
  ['::/128', 'unspecified', 'RFC 4291'],
  ['::1/128', 'loopback', 'RFC 4291'],
  ['64:ff9b::/96', 'IPv4/IPv6 translation (NAT64 well-known prefix)', 'RFC 6052'],
  ['64:ff9b:1::/48', 'local-use IPv4/IPv6 translation', 'RFC 8215'],
  ['100::/64', 'discard-only', 'RFC 6666'],
  ['2001:2::/48', 'benchmarking', 'RFC 5180'],
  ['2001:10::/28', 'deprecated ORCHID', 'RFC 4843'],
  ['2001:20::/28', 'ORCHIDv2', 'RFC 7343'],
  ['2001:db8::/32', 'documentation', 'RFC 3849', true],
  ['3fff::/20', 'documentation', 'RFC 9637', true],
  ['fc00::/7', 'unique-local', 'RFC 4193'],
  ['fe80::/10', 'link-local unicast', 'RFC 4291'],
  ['fec0::/10', 'deprecated site-local', 'RFC 3879'],
  ['ff00::/8', 'multicast', 'RFC 4291'],
  // Catch-all: IANA has allocated only 2000::/3 as global unicast (RFC 4291 §2.4); all the rest is reserved.
  ['::/3', 'outside global unicast 2000::/3 (reserved by the IETF)', 'RFC 4291, IANA IPv6 Address Space'],
  ['4000::/2', 'outside global unicast 2000::/3 (reserved by the IETF)', 'RFC 4291, IANA IPv6 Address Space'],
  ['8000::/1', 'outside global unicast 2000::/3 (reserved by the IETF)', 'RFC 4291, IANA IPv6 Address Space'],
];

import { ipv4Mask, parseIPv4, parseIPv6 } from '../ip/index.ts';

function build(rows: Row[], family: 4 | 6): SpecialPurposeRange[] {
  return rows.map(([prefix, name, rfc, documentation]) => {
    const [address, bitsText] = prefix.split('/') as [string, string];
    let words: [number, number, number, number];
    if (family === 4) {
      words = [0, 0, 0, parseIPv4(address)];
    } else {
      const w = new Uint32Array(4);
      parseIPv6(address, w);
      words = [w[0]!, w[1]!, w[2]!, w[3]!];
    }
    return { prefix, family, words, bits: Number(bitsText), name, rfc, documentation: documentation === true };
  });
}

/**
 * The special-purpose ranges, most specific first within each family (so a message names the
 * narrowest registry entry).
 *
 * @example
 * ```ts
 * SPECIAL_PURPOSE_RANGES.find((r) => r.prefix === '100.64.0.0/10')?.rfc; // 'RFC 6598'
 * ```
 */
export const SPECIAL_PURPOSE_RANGES: readonly SpecialPurposeRange[] = [...build(V4, 4), ...build(V6, 6)];

/**
 * The first special-purpose range that contains the given prefix (network words + length), or
 * `undefined`. A prefix that only contains a special-purpose range (is wider than it) is not inside it.
 *
 * @example
 * ```ts
 * findSpecialPurpose(4, [0, 0, 0, parseIPv4('100.64.1.0')], 24)?.name; // 'shared address space …'
 * findSpecialPurpose(4, [0, 0, 0, parseIPv4('96.0.0.0')], 3); // undefined: 96.0.0.0/3 contains 100.64.0.0/10
 * ```
 */
export function findSpecialPurpose(
  family: 4 | 6,
  words: ArrayLike<number>,
  bits: number,
  allowDocumentation = false,
): SpecialPurposeRange | undefined {
  for (const r of SPECIAL_PURPOSE_RANGES) {
    if (r.family !== family) continue;
    if (allowDocumentation && r.documentation) continue;
    if (bits >= r.bits && samePrefix(words, r.words, r.bits + (family === 4 ? 96 : 0))) return r;
  }
  return undefined;
}

function samePrefix(a: ArrayLike<number>, b: ArrayLike<number>, bits: number): boolean {
  for (let k = 0; k < 4; k++) {
    const n = bits - 32 * k;
    if (n <= 0) return true;
    if ((((a[k] ?? 0) ^ (b[k] ?? 0)) & ipv4Mask(n)) !== 0) return false;
  }
  return true;
}

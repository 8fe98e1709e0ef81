/**
 * Canonical text forms: dotted quad for IPv4, RFC 5952 for IPv6 (lower case, no leading zeros, the
 * longest run of two or more zero groups as `::`, the first one on a tie; IPv4-mapped as `::ffff:a.b.c.d`).
 */

/**
 * The network mask for a prefix length 0–32, as an unsigned 32-bit integer.
 *
 * @example
 * ```ts
 * ipv4Mask(24); // 0xffffff00
 * ```
 */
export function ipv4Mask(bits: number): number {
  return bits <= 0 ? 0 : bits >= 32 ? 0xffffffff : (0xffffffff << (32 - bits)) >>> 0;
}

/**
 * Clears the host bits of an IPv4 address.
 *
 * @example
 * ```ts
 * formatIPv4(maskIPv4(parseIPv4('198.51.100.77'), 24)); // '198.51.100.0'
 * ```
 */
export function maskIPv4(address: number, bits: number): number {
  return (address & ipv4Mask(bits)) >>> 0;
}

/**
 * Formats an unsigned 32-bit integer as a dotted quad.
 *
 * @example
 * ```ts
 * formatIPv4(3325256711); // '198.51.100.7'
 * ```
 */
export function formatIPv4(address: number): string {
  return `${address >>> 24}.${(address >>> 16) & 255}.${(address >>> 8) & 255}.${address & 255}`;
}

/**
 * Formats an IPv4 prefix as CIDR text, clearing any host bits first.
 *
 * @example
 * ```ts
 * formatIPv4Prefix(parseIPv4('198.51.100.77'), 24); // '198.51.100.0/24'
 * ```
 */
export function formatIPv4Prefix(address: number, bits: number): string {
  return `${formatIPv4(maskIPv4(address, bits))}/${bits}`;
}

/**
 * Clears the host bits of an IPv6 address held as four big-endian words, writing the result to `out`
 * (which may be `words` itself).
 *
 * @example
 * ```ts
 * const w = new Uint32Array(4);
 * parseIPv6('2001:db8:1:2:3:4:5:6', w);
 * maskIPv6(w, 64, w); // w now holds 2001:db8:1:2:: (e.g. to group clients per /64)
 * ```
 */
export function maskIPv6(words: ArrayLike<number>, bits: number, out: Uint32Array): void {
  for (let k = 0; k < 4; k++) {
    const b = bits - 32 * k;
    out[k] = ((words[k] ?? 0) & ipv4Mask(b)) >>> 0;
  }
}

/**
 * Formats an IPv6 address (four big-endian words) in RFC 5952 canonical form.
 *
 * @example
 * ```ts
 * formatIPv6(new Uint32Array([0x20010db8, 0, 0, 1])); // '2001:db8::1'
 * formatIPv6(new Uint32Array([0, 0, 0xffff, 0xc0000201])); // '::ffff:192.0.2.1'
 * ```
 */
export function formatIPv6(words: ArrayLike<number>): string {
  const w0 = words[0] ?? 0;
  const w1 = words[1] ?? 0;
  const w2 = words[2] ?? 0;
  const w3 = words[3] ?? 0;
  if (w0 === 0 && w1 === 0 && w2 === 0xffff) {
    return `::ffff:${formatIPv4(w3)}`;
  }
  const g = groups;
  g[0] = w0 >>> 16;
  g[1] = w0 & 0xffff;
  g[2] = w1 >>> 16;
  g[3] = w1 & 0xffff;
  g[4] = w2 >>> 16;
  g[5] = w2 & 0xffff;
  g[6] = w3 >>> 16;
  g[7] = w3 & 0xffff;
  let bestStart = -1;
  let bestLen = 1; // a single zero group is never shortened (RFC 5952 §4.2.2)
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  // Built by concatenation from a scratch array: no per-call arrays (this runs per lookup()).
  let out = '';
  let colon = false;
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      out += '::';
      i += bestLen - 1;
      colon = false;
      continue;
    }
    if (colon) out += ':';
    out += HEX16[g[i]!] ??= g[i]!.toString(16);
    colon = true;
  }
  return out;
}

/** Scratch groups for {@link formatIPv6}. */
const groups = new Uint16Array(8);
/** Hex text of 16-bit groups, filled on first use. */
const HEX16: Array<string | undefined> = new Array(65536);

/**
 * Formats an IPv6 prefix as CIDR text (RFC 5952 address), clearing any host bits first.
 *
 * @example
 * ```ts
 * const w = new Uint32Array(4);
 * parseIPv6('2001:db8:0:0:1::1', w);
 * formatIPv6Prefix(w, 64); // '2001:db8::/64'
 * ```
 */
export function formatIPv6Prefix(words: ArrayLike<number>, bits: number): string {
  const masked = new Uint32Array(4);
  maskIPv6(words, bits, masked);
  return `${formatIPv6(masked)}/${bits}`;
}

/**
 * Strict, allocation-free address parsing (hand-written: this is the lookup hot path, and a benchmark
 * in bench/table shows it runs several times faster than ipaddr.js, which allocates per call).
 *
 * Accepted forms:
 * - IPv4: exactly four decimal octets 0–255, no leading zeros (`010.0.0.1` is rejected: some parsers read
 *   it as octal), no whitespace, no port.
 * - IPv6: RFC 4291 §2.2 text forms: eight groups of 1–4 hex digits (any case), one `::`, and an embedded
 *   dotted IPv4 address in the last 32 bits. No zone id (`%eth0`), no brackets, no prefix length.
 *
 * Anything else is "invalid": `-1` or `false`, never an exception.
 */

/** Scratch space for the 16-bit groups of an IPv6 address (module-level so parsing never allocates). */
const groups = new Uint16Array(8);

/**
 * Parses `text.slice(start, end)` as a dotted-quad IPv4 address without creating the slice.
 * Returns the address as an unsigned 32-bit integer, or `-1` when it is not a strict IPv4 address.
 *
 * @example
 * ```ts
 * parseIPv4Range('[192.0.2.1]', 1, 10); // 3221225985
 * ```
 */
export function parseIPv4Range(text: string, start: number, end: number): number {
  if (!(end - start >= 7 && end - start <= 15)) return -1;
  // One octet per turn, its (at most three) digits unrolled: fewer tests per character than a
  // character loop with state (bench: ~10 % less time per address on the routing and real-list queries).
  let i = start;
  let value = 0;
  for (let part = 0; ; part++) {
    // Here i < end: the length test above for the first octet, the dot test below for the others.
    let octet = text.charCodeAt(i++) - 48;
    if (!(octet >= 0 && octet <= 9)) return -1;
    if (i < end) {
      let d = text.charCodeAt(i) - 48;
      if (d >= 0 && d <= 9) {
        if (octet === 0) return -1; // leading zero
        octet = octet * 10 + d;
        if (++i < end) {
          d = text.charCodeAt(i) - 48;
          if (d >= 0 && d <= 9) {
            octet = octet * 10 + d;
            if (octet > 255) return -1;
            i++;
          }
        }
      }
    }
    value = (value << 8) | octet;
    if (part === 3) return i === end ? value >>> 0 : -1;
    // A dot, and something after it (a fourth digit lands here too, and fails).
    if (i + 1 >= end || text.charCodeAt(i) !== 46) return -1;
    i++;
  }
}

/**
 * Parses a strict dotted-quad IPv4 address to an unsigned 32-bit integer; `-1` when invalid.
 *
 * @example
 * ```ts
 * parseIPv4('198.51.100.7'); // 3325256711
 * parseIPv4('198.51.100.07'); // -1 (leading zero)
 * ```
 */
export function parseIPv4(text: string): number {
  return parseIPv4Range(text, 0, text.length);
}

/**
 * Hex digit values by UTF-16 code unit (-1 = not a hex digit): one load instead of range tests
 * (measured ~1.7× faster), over charCodeAt's whole range so no `c < 128` test guards the load
 * (another 5–8 % of parseIPv6's time). 64 KiB.
 */
const HEX = new Int8Array(65536).fill(-1);
for (let i = 0; i < 10; i++) HEX[48 + i] = i;
for (let i = 0; i < 6; i++) HEX[65 + i] = HEX[97 + i] = 10 + i;

/**
 * Parses an IPv6 address (RFC 4291 text form, embedded IPv4 allowed, no zone id) into `out` as four
 * big-endian 32-bit words (`out[0]` holds the first 32 bits). Returns `false` (leaving `out` unspecified)
 * when the text is not a valid IPv6 address.
 *
 * @example
 * ```ts
 * const words = new Uint32Array(4);
 * parseIPv6('2001:db8::1', words); // true; words = [0x20010db8, 0, 0, 1]
 * parseIPv6('fe80::1%eth0', words); // false (zone ids are not accepted)
 * ```
 */
export function parseIPv6(text: string, out: Uint32Array): boolean {
  const len = text.length;
  if (len < 2 || len > 45) return false;
  let count = 0; // groups written
  let gap = -1; // index in groups where `::` stands
  let i = 0;
  if (text.charCodeAt(0) === 58) {
    if (text.charCodeAt(1) !== 58) return false;
    gap = 0;
    i = 2;
    if (i === len) {
      out[0] = out[1] = out[2] = out[3] = 0;
      return true;
    }
  }
  // One group per turn, its (at most four) digits unrolled rather than a digit loop (bench: ~15 % less
  // time per address on the routing and real-list queries). At the top, i < len and a group starts at i.
  for (;;) {
    const groupStart = i;
    let value = HEX[text.charCodeAt(i)]!;
    if (value < 0) return false; // an empty group: `:::`, or a stray character
    let c = 0; // the character after the group, when i < len
    if (++i < len) {
      let h = HEX[(c = text.charCodeAt(i))]!;
      if (h >= 0) {
        value = (value << 4) | h;
        if (++i < len) {
          h = HEX[(c = text.charCodeAt(i))]!;
          if (h >= 0) {
            value = (value << 4) | h;
            if (++i < len) {
              h = HEX[(c = text.charCodeAt(i))]!;
              if (h >= 0) {
                value = (value << 4) | h;
                if (++i < len) c = text.charCodeAt(i); // a fifth digit is neither `:` nor `.`: refused below
              }
            }
          }
        }
      }
    }
    if (i === len) {
      if (count === 8) return false;
      groups[count++] = value;
      break;
    }
    if (c === 58) {
      if (count === 7) return false; // an eighth group followed by more
      groups[count++] = value;
      if (++i === len) return false; // a trailing single `:`
      if (text.charCodeAt(i) === 58) {
        if (gap >= 0) return false; // a second `::`
        gap = count;
        if (++i === len) break;
      }
      continue;
    }
    if (c !== 46) return false;
    // Embedded IPv4, re-read as decimal from the group's start: must be the last 32 bits.
    if (count > 6) return false;
    const v4 = parseIPv4Range(text, groupStart, len);
    if (v4 < 0) return false;
    groups[count++] = v4 >>> 16;
    groups[count++] = v4 & 0xffff;
    break;
  }
  if (gap < 0) {
    if (count !== 8) return false;
  } else {
    if (count > 7) return false; // `::` stands for at least one group
    const shift = 8 - count;
    for (let k = count - 1; k >= gap; k--) groups[k + shift] = groups[k]!;
    for (let k = gap; k < gap + shift; k++) groups[k] = 0;
  }
  out[0] = ((groups[0]! << 16) | groups[1]!) >>> 0;
  out[1] = ((groups[2]! << 16) | groups[3]!) >>> 0;
  out[2] = ((groups[4]! << 16) | groups[5]!) >>> 0;
  out[3] = ((groups[6]! << 16) | groups[7]!) >>> 0;
  return true;
}

/**
 * True when the four words hold an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`, RFC 4291 §2.5.5.2);
 * the IPv4 address is then `words[3]`.
 *
 * @example
 * ```ts
 * const w = new Uint32Array(4);
 * parseIPv6('::ffff:192.0.2.1', w) && isIPv4Mapped(w); // true
 * ```
 */
export function isIPv4Mapped(words: Uint32Array): boolean {
  return words[0] === 0 && words[1] === 0 && words[2] === 0xffff;
}

/**
 * The IPv4 address an IPv6 address carries by a standard embedding, `-1` for none: 6to4
 * (`2002:AABB:CCDD::/48`, RFC 3056), Teredo (`2001:0::/32`, the client's public address inverted in
 * the last 32 bits, RFC 4380), NAT64's well-known prefix (`64:ff9b::/96`, RFC 6052), IPv4-compatible
 * (`::a.b.c.d`, RFC 4291; not `::` or `::1`) and IPv4-translated (`::ffff:0:a.b.c.d`, RFC 2765)
 * addresses. (IPv4-mapped `::ffff:a.b.c.d` is IPv4 already: {@link parseAddress} returns 4 for it.)
 * Whoever holds the IPv4 address holds these, so a limiter counts them with it: a 6to4 /48 alone is
 * 256 /56 counters.
 *
 * @example
 * ```ts
 * const w = new Uint32Array(4);
 * parseIPv6('2002:c000:2fa:100::1', w);
 * formatIPv4(embeddedIPv4(w)); // '192.0.2.250'
 * ```
 */
export function embeddedIPv4(words: Uint32Array): number {
  const w0 = words[0]!;
  if (w0 >>> 16 === 0x2002) return (((w0 & 0xffff) << 16) | (words[1]! >>> 16)) >>> 0;
  if (w0 === 0x20010000) return ~words[3]! >>> 0;
  if (words[1] !== 0) return -1;
  const w2 = words[2]!;
  if (w0 === 0x0064ff9b && w2 === 0) return words[3]!;
  if (w0 !== 0) return -1;
  if (w2 === 0xffff0000) return words[3]!;
  if (w2 === 0 && words[3]! > 1) return words[3]!;
  return -1;
}

/**
 * Parses an address of either family. Returns `4` (the IPv4 address in `out[3]`, the other words
 * zero) for dotted-quad text and for IPv4-mapped IPv6 (`::ffff:a.b.c.d`), `6` for other IPv6, and `0`
 * when the text is not an address.
 *
 * @example
 * ```ts
 * const w = new Uint32Array(4);
 * parseAddress('::ffff:198.51.100.7', w); // 4, w[3] === 3325256711
 * parseAddress('2001:db8::1', w); // 6
 * parseAddress('example.com', w); // 0
 * ```
 */
export function parseAddress(text: string, out: Uint32Array): 0 | 4 | 6 {
  const v4 = parseIPv4(text);
  if (v4 >= 0) {
    out[0] = out[1] = out[2] = 0;
    out[3] = v4;
    return 4;
  }
  if (!parseIPv6(text, out)) return 0;
  if (isIPv4Mapped(out)) {
    out[2] = 0;
    return 4;
  }
  return 6;
}

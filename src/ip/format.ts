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
  return DOTTED[address >>> 24]! + DOTTED[(address >>> 16) & 255]! + DOTTED[(address >>> 8) & 255]! + DECIMAL[address & 255]!;
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
  const net = maskIPv4(address, bits);
  // An integer 0–32 (not 1.5, -1 or NaN) takes the cached pieces; anything else is spelled out.
  return bits <= 32 && SLASH[bits] !== undefined ? ipv4PrefixText(net, bits) : `${formatIPv4(net)}/${bits}`;
}

/**
 * CIDR text of an IPv4 network address already masked, for a length that is an integer 0–32 (internal:
 * the table reader, which knows both, calls it per `lookup`; not exported from `src/ip/index.ts`).
 * The last octet and the length are one cached piece: one concatenation fewer (bench: 5–19 % less time).
 *
 * @example
 * ```ts
 * ipv4PrefixText(0xc6336400, 24); // '198.51.100.0/24'
 * ```
 */
export function ipv4PrefixText(net: number, bits: number): string {
  const d = net & 255;
  return DOTTED[net >>> 24]! + DOTTED[(net >>> 16) & 255]! + DOTTED[(net >>> 8) & 255]! + (LAST_OCTET[bits]?.[d] ?? lastOctet(d, bits));
}

/**
 * CIDR text of an IPv6 network address already masked (four big-endian words), for a length that is
 * an integer 0–128 (internal, as {@link ipv4PrefixText}).
 *
 * @example
 * ```ts
 * ipv6PrefixText([0x20010db8, 0, 0, 0], 32); // '2001:db8::/32'
 * ```
 */
export function ipv6PrefixText(net: ArrayLike<number>, bits: number): string {
  const w0 = net[0]!;
  const w1 = net[1]!;
  if (bits > 64 || (net[2]! | net[3]!) !== 0) return formatIPv6(net) + SLASH[bits]!;
  // A /64 or shorter (most routed prefixes): groups 4–7 are zero, a run of four or more that no run
  // among groups 0–3 can beat, so `::` follows the last non-zero group, then ":/bits". No zero-run
  // search, and the characters are written as codes and made into one string: the cached "group:"
  // pieces are 65,536 strings spread over the heap, and the two or three an answer read missed the
  // cache after the table search (paired, `lookup` over the bench's IPv6 queries: 9–15 % less time on
  // the routing data, 5–8 % on the real lists).
  if ((w0 | w1) === 0) return `::${SLASH[bits]!}`;
  const c = codes;
  const g1 = w0 & 0xffff;
  const g2 = w1 >>> 16;
  const g3 = w1 & 0xffff;
  let n = putGroup(c, 0, w0 >>> 16);
  if (g3 !== 0) n = putGroup(c, putGroup(c, putGroup(c, n, g1), g2), g3);
  else if (g2 !== 0) n = putGroup(c, putGroup(c, n, g1), g2);
  else if (g1 !== 0) n = putGroup(c, n, g1);
  c[n++] = 58; // the second colon of `::`
  c[n++] = 47; // `/`
  if (bits >= 10) c[n++] = 48 + ((bits / 10) | 0);
  c[n++] = 48 + (bits % 10);
  // One call with every slot (at most 4 × 5 + 4 codes are written), then a slice: as fast as a call
  // with exactly n arguments (a case per length); `apply` was as slow as the pieces, a spread 3× slower.
  // biome-ignore format: one line per twelve slots reads better than one per slot
  return String.fromCharCode(
    c[0]!, c[1]!, c[2]!, c[3]!, c[4]!, c[5]!, c[6]!, c[7]!, c[8]!, c[9]!, c[10]!, c[11]!,
    c[12]!, c[13]!, c[14]!, c[15]!, c[16]!, c[17]!, c[18]!, c[19]!, c[20]!, c[21]!, c[22]!, c[23]!,
  ).slice(0, n);
}

/** Character codes of one /64-or-shorter prefix text: four "group:" of up to five, then ":/" and two digits. */
const codes = new Uint16Array(24);
const HEX_DIGITS = Uint8Array.from('0123456789abcdef', (ch) => ch.charCodeAt(0));

/** Writes `group` in lower-case hex without leading zeros and a colon at `c[n]`; returns the next index. */
function putGroup(c: Uint16Array, n: number, group: number): number {
  if (group >= 0x1000) c[n++] = HEX_DIGITS[group >>> 12]!;
  if (group >= 0x100) c[n++] = HEX_DIGITS[(group >>> 8) & 15]!;
  if (group >= 0x10) c[n++] = HEX_DIGITS[(group >>> 4) & 15]!;
  c[n++] = HEX_DIGITS[group & 15]!;
  c[n++] = 58;
  return n;
}

/** The "d/bits" piece, made on first use (a /24 or shorter only ever needs "0/bits"), its length's page too. */
function lastOctet(d: number, bits: number): string {
  const last = (LAST_OCTET[bits] ??= new Array<string | undefined>(256).fill(undefined));
  return (last[d] = DECIMAL[d]! + SLASH[bits]!);
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
  // Hand-written, as lookup() formats a prefix per call: the zero run comes from a table, and the text
  // is built from cached "group:" / ":group" pieces, one concatenation per group (bench: ~20 % less
  // time than a scan for the run and "group" pieces with separate colons).
  const run = ZERO_RUN[zeroGroups(w0, w1, w2, w3)]!;
  if (run === 0) {
    let out = '';
    for (let i = 0; i < 7; i++) out += groupColon(g[i]!);
    return out + colonGroup(g[7]!).slice(1);
  }
  const start = run & 15;
  const end = start + (run >>> 4);
  // "a:b:" + ":c:d" gives the `::` of "a:b::c:d"; a run at either end adds the missing colon.
  let out = start === 0 ? ':' : '';
  for (let i = 0; i < start; i++) out += groupColon(g[i]!);
  if (end === 8) return `${out}:`;
  for (let i = end; i < 8; i++) out += colonGroup(g[i]!);
  return out;
}

/** Bit k set when group k (of eight, first = most significant) is zero. */
function zeroGroups(w0: number, w1: number, w2: number, w3: number): number {
  return (
    (w0 >>> 16 === 0 ? 1 : 0) |
    ((w0 & 0xffff) === 0 ? 2 : 0) |
    (w1 >>> 16 === 0 ? 4 : 0) |
    ((w1 & 0xffff) === 0 ? 8 : 0) |
    (w2 >>> 16 === 0 ? 16 : 0) |
    ((w2 & 0xffff) === 0 ? 32 : 0) |
    (w3 >>> 16 === 0 ? 64 : 0) |
    ((w3 & 0xffff) === 0 ? 128 : 0)
  );
}

/**
 * For each set of zero groups (bits as {@link zeroGroups} gives them), the run `::` replaces:
 * `start | length << 4`, or 0 when there is none. The longest run of two or more zero groups, the
 * first one on a tie; a single zero group is never shortened (RFC 5952 §4.2.2, §4.2.3).
 */
const ZERO_RUN = Uint8Array.from({ length: 256 }, (_, zeros) => {
  let bestStart = 0;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && (zeros >>> j) & 1) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j + 1;
  }
  return bestLength > 1 ? bestStart | (bestLength << 4) : 0;
});

/** Scratch groups for {@link formatIPv6}. */
const groups = new Uint16Array(8);

/**
 * "group:" and ":group" texts (lower-case hex, no leading zeros) in pages of 256, made on first use: a
 * flat 65,536-entry array took 2–10 ms to allocate at module load.
 */
const GROUP_COLON: Array<string[] | undefined> = new Array(256).fill(undefined);
const COLON_GROUP: Array<string[] | undefined> = new Array(256).fill(undefined);

function groupColon(group: number): string {
  return (GROUP_COLON[group >>> 8] ??= groupPage(group >>> 8, ''))[group & 255]!;
}

function colonGroup(group: number): string {
  return (COLON_GROUP[group >>> 8] ??= groupPage(group >>> 8, ':'))[group & 255]!;
}

function groupPage(high: number, lead: string): string[] {
  return Array.from({ length: 256 }, (_, low) => {
    const hex = ((high << 8) | low).toString(16);
    return lead === '' ? `${hex}:` : `:${hex}`;
  });
}

/** Decimal texts of 0–255, the same with a trailing dot, and "/0"–"/128": concatenating these beats template literals. */
const DECIMAL = Array.from({ length: 256 }, (_, i) => String(i));
const DOTTED = DECIMAL.map((d) => `${d}.`);
const SLASH = Array.from({ length: 129 }, (_, i) => `/${i}`);
/** `LAST_OCTET[bits][d]` = "d/bits" for IPv4 prefix lengths 0–32, made on first use. */
const LAST_OCTET: Array<Array<string | undefined> | undefined> = new Array(33).fill(undefined);
const prefixScratch = new Uint32Array(4);

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
  maskIPv6(words, bits, prefixScratch);
  return SLASH[bits] !== undefined ? ipv6PrefixText(prefixScratch, bits) : `${formatIPv6(prefixScratch)}/${bits}`;
}

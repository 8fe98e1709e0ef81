import { formatIPv4Prefix, formatIPv6Prefix, ipv4Mask, maskIPv4, maskIPv6, parseIPv4, parseIPv4Range, parseIPv6 } from '../ip/index.ts';
import { findSpecialPurpose, SPECIAL_PURPOSE_RANGES } from './special-purpose.ts';

/** A prefix that parsed: its canonical CIDR text, family, length and network words. */
export interface ParsedPrefix {
  ok: true;
  /** Canonical CIDR text (dotted quad, or RFC 5952 for IPv6). */
  prefix: string;
  family: 4 | 6;
  bits: number;
  /** The network as four big-endian words; IPv4 uses `words[3]` only. */
  words: [number, number, number, number];
}

/** Why a prefix did not parse: a sentence saying what was expected. */
export interface PrefixProblem {
  ok: false;
  message: string;
}

/** Options for {@link parsePrefix}. */
export interface ParsePrefixOptions {
  /** Accept the documentation ranges (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32, 3fff::/20). Default `false`. */
  allowDocumentation?: boolean;
}

const BITS = /^(?:0|[1-9][0-9]{0,2})$/;

/**
 * Parses one CIDR prefix or bare address (a bare address is a /32 or /128). IPv4-mapped IPv6
 * prefixes (`::ffff:192.0.2.0/120`) become IPv4 (`192.0.2.0/24`). Rejects host bits (naming the
 * intended prefix) and prefixes inside special-purpose space (a prefix containing such space is accepted).
 *
 * @example
 * ```ts
 * parsePrefix('2001:DB8::/32', { allowDocumentation: true }); // { ok: true, prefix: '2001:db8::/32', family: 6, bits: 32, … }
 * parsePrefix('203.0.113.9/24'); // { ok: false, message: 'host bits set in 203.0.113.9/24: expected 203.0.113.0/24 …' }
 * ```
 */
export function parsePrefix(text: string, options: ParsePrefixOptions = {}): ParsedPrefix | PrefixProblem {
  const fast = parseIPv4PrefixFast(text, options.allowDocumentation === true, fastScratch);
  if (fast) return { ok: true, prefix: fastScratch.prefix, family: 4, bits: fastScratch.bits, words: [0, 0, 0, fastScratch.address] };
  const slash = text.indexOf('/');
  const addressText = slash < 0 ? text : text.slice(0, slash);
  const bitsText = slash < 0 ? undefined : text.slice(slash + 1);
  const shown = JSON.stringify(text);
  const w = new Uint32Array(4);
  let family: 4 | 6;
  let maxBits: number;
  const v4 = parseIPv4(addressText);
  if (v4 >= 0) {
    family = 4;
    maxBits = 32;
    w[3] = v4;
  } else if (parseIPv6(addressText, w)) {
    family = 6;
    maxBits = 128;
  } else {
    return {
      ok: false,
      message: `expected an IPv4 or IPv6 address or CIDR prefix (e.g. 198.51.100.0/24, 2001:db8::/32), got ${shown}`,
    };
  }
  let bits = maxBits;
  if (bitsText !== undefined) {
    if (!BITS.test(bitsText) || Number(bitsText) > maxBits) {
      return { ok: false, message: `expected a prefix length from 0 to ${maxBits} after "/", got ${shown}` };
    }
    bits = Number(bitsText);
  }
  if (family === 6 && w[0] === 0 && w[1] === 0 && w[2] === 0xffff && bits >= 96) {
    family = 4;
    bits -= 96;
    w[2] = 0;
  }
  const masked = new Uint32Array(4);
  if (family === 4) masked[3] = maskIPv4(w[3]!, bits);
  else maskIPv6(w, bits, masked);
  const canonical = family === 4 ? formatIPv4Prefix(masked[3]!, bits) : formatIPv6Prefix(masked, bits);
  if (masked[0] !== w[0] || masked[1] !== w[1] || masked[2] !== w[2] || masked[3] !== w[3]) {
    const single = family === 4 ? formatIPv4Prefix(w[3]!, 32) : formatIPv6Prefix(w, 128);
    return {
      ok: false,
      message: `host bits set in ${shown}: expected ${canonical} (or ${single} for the single address)`,
    };
  }
  const special = findSpecialPurpose(family, masked, bits, options.allowDocumentation === true);
  if (special) {
    return {
      ok: false,
      message:
        `expected a public unicast prefix, got ${canonical}, which lies inside special-purpose ${special.prefix} ` +
        `(${special.name}, ${special.rfc})${special.documentation ? '; documentation ranges need allowDocumentation / --allow-documentation' : ''}`,
    };
  }
  return { ok: true, prefix: canonical, family, bits, words: [masked[0]!, masked[1]!, masked[2]!, masked[3]!] };
}

/** Special-purpose IPv4 ranges as (network, mask, documentation) for the fast path. */
const V4_SPECIAL = SPECIAL_PURPOSE_RANGES.filter((r) => r.family === 4).map((r) => ({
  network: r.words[3],
  mask: ipv4Mask(r.bits),
  bits: r.bits,
  documentation: r.documentation,
}));

/** Result slots of {@link parseIPv4PrefixFast} (reused across calls). */
export interface FastPrefix {
  prefix: string;
  bits: number;
  address: number;
}
const fastScratch: FastPrefix = { prefix: '', bits: 0, address: 0 };

/**
 * The common case, without allocation: a strict IPv4 address or prefix that is valid, canonical (a
 * strict dotted quad is canonical) and public. Returns `false` to fall back to the general path
 * (which also words every error message); results go to `out`. Lists run to hundreds of thousands of lines, so this matters
 * for the build time.
 */
export function parseIPv4PrefixFast(text: string, allowDocumentation: boolean, out: FastPrefix): boolean {
  const slash = text.indexOf('/');
  const end = slash < 0 ? text.length : slash;
  const address = parseIPv4Range(text, 0, end);
  if (address < 0) return false;
  let bits = 32;
  if (slash >= 0) {
    const n = text.length - slash - 1;
    if (n < 1 || n > 2) return false;
    const d0 = text.charCodeAt(slash + 1) - 48;
    const d1 = n === 2 ? text.charCodeAt(slash + 2) - 48 : 0;
    if (d0 < 0 || d0 > 9 || d1 < 0 || d1 > 9 || (n === 2 && d0 === 0)) return false;
    bits = n === 2 ? d0 * 10 + d1 : d0;
    if (bits > 32) return false;
  }
  if (maskIPv4(address, bits) !== address) return false;
  for (const r of V4_SPECIAL) {
    // Only a prefix inside a special range is refused; one that contains it is real routed space.
    if (bits >= r.bits && ((address ^ r.network) & r.mask) === 0 && !(allowDocumentation && r.documentation)) return false;
  }
  out.prefix = slash < 0 ? `${text}/32` : text;
  out.bits = bits;
  out.address = address;
  return true;
}

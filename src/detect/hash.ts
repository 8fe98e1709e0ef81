/**
 * Small, fast 32-bit hashes for the sketches. Inputs are already integers or short strings, so a
 * full murmur/xxhash over bytes would only cost time on the per-line hot path.
 */

/**
 * Murmur3's 32-bit finaliser: a bijective mixer that spreads any integer over all 32 bits.
 *
 * @example
 * ```ts
 * mix32(1) !== mix32(2); // true, and both look random
 * ```
 */
export function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

/**
 * FNV-1a over the UTF-16 code units of a string, finished with {@link mix32}.
 *
 * @example
 * ```ts
 * hashString('Mozilla/5.0 …') === hashString('Mozilla/5.0 …'); // true
 * ```
 */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  }
  return mix32(h);
}

/**
 * Hash of an ordered pair of integers (e.g. day and user-agent id).
 *
 * @example
 * ```ts
 * hashPair(20000, 7) !== hashPair(7, 20000); // true
 * ```
 */
export function hashPair(a: number, b: number): number {
  return mix32((Math.imul(mix32(a), 0x9e3779b1) ^ b) >>> 0);
}

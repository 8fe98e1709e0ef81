/**
 * Bit streams: fields of up to 25 bits at any bit offset, least significant bit first (bit p is bit
 * p mod 8 of byte ⌊p / 8⌋). Packing leaf ids at ⌈log2(leaves)⌉ bits and keys at their chunk's width
 * is what makes the table's size independent of the attribute mix.
 */

/** `LOW[n]`: the n low bits set (n = 0–32). */
export const LOW = Uint32Array.from({ length: 33 }, (_, n) => (n === 0 ? 0 : 0xffffffff >>> (32 - n)));

/**
 * The `n`-bit field (n ≤ 25) at bit `p` of `b`. Bytes past the end read as zero (typed arrays give
 * `undefined`, which `|` turns into 0), so a corrupt offset cannot throw.
 */
export function readBits(b: Uint8Array, p: number, n: number): number {
  const i = p >>> 3;
  return ((b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) >>> (p & 7)) & LOW[n]!;
}

/** Appends fields to a growing bit stream (compile time). */
export class BitWriter {
  private bytes = new Uint8Array(1024);
  /** Bits written so far. */
  length = 0;

  /** Appends the low `n` bits of `value` (n ≤ 32). */
  write(value: number, n: number): void {
    if (this.length + n + 64 > this.bytes.length * 8) {
      const grown = new Uint8Array(this.bytes.length * 2 + Math.ceil(n / 8));
      grown.set(this.bytes);
      this.bytes = grown;
    }
    for (let k = 0; k < n; k++) {
      if ((value >>> k) & 1) this.bytes[(this.length + k) >>> 3]! |= 1 << ((this.length + k) & 7);
    }
    this.length += n;
  }

  /** The stream, followed by `pad` zero bytes. */
  finish(pad: number): Uint8Array {
    return this.bytes.slice(0, Math.ceil(this.length / 8) + pad);
  }
}

/** Bits needed to number `count` things (at least 1). */
export function bitsFor(count: number): number {
  let w = 1;
  while (2 ** w < count) w++;
  return w;
}

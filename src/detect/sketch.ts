/**
 * Mergeable distinct-count sketches, sized so memory depends on the number of addresses, not lines.
 *
 * Why our own and not an npm package: the one maintained JS library with a HyperLogLog
 * (`bloom-filters`) keeps registers in a plain `Array` (8 bytes each), has no exact small-set mode and
 * hashes every input as a string; with one sketch per address and per signal that costs ~1 KB per
 * address even for a client seen once, and the string hashing alone exceeds the per-line budget of the
 * 300k lines/s goal. Here inputs are pre-hashed 32-bit integers, small sets stay exact (a few bytes),
 * and only sets that outgrow them switch to `Uint8Array` registers. Tested against exact counts in
 * `test/detect/sketch.test.ts`.
 */

const EXACT_LIMIT = 32;

/**
 * Distinct counter: an exact set of 32-bit hashes up to 32 members, then a HyperLogLog with
 * `2^precision` registers (standard error ≈ 1.04 / √(2^precision)).
 *
 * @example
 * ```ts
 * const s = new DistinctSketch(10);
 * s.add(mix32(1)); s.add(mix32(2)); s.add(mix32(1));
 * s.count(); // 2
 * ```
 */
export class DistinctSketch {
  private exact: number[] | undefined = [];
  private registers: Uint8Array | undefined;

  constructor(readonly precision = 10) {
    if (!Number.isInteger(precision) || precision < 4 || precision > 16) {
      throw new TypeError(`DistinctSketch: precision must be an integer in 4..16, got ${precision}`);
    }
  }

  /** Adds a 32-bit hash; returns true when the set surely grew (exact mode) or a register rose. */
  add(hash: number): boolean {
    const exact = this.exact;
    if (exact !== undefined) {
      for (let i = 0; i < exact.length; i++) if (exact[i] === hash) return false;
      if (exact.length < EXACT_LIMIT) {
        exact.push(hash);
        return true;
      }
      this.toRegisters();
    }
    return this.addRegister(hash >>> 0);
  }

  /** True while the sketch still holds its members exactly. */
  get isExact(): boolean {
    return this.exact !== undefined;
  }

  /** Estimated number of distinct hashes added. */
  count(): number {
    if (this.exact !== undefined) return this.exact.length;
    const regs = this.registers!;
    const m = regs.length;
    let sum = 0;
    let zeros = 0;
    for (let i = 0; i < m; i++) {
      const r = regs[i]!;
      sum += 2 ** -r;
      if (r === 0) zeros++;
    }
    const alpha = m === 16 ? 0.673 : m === 32 ? 0.697 : m === 64 ? 0.709 : 0.7213 / (1 + 1.079 / m);
    const raw = (alpha * m * m) / sum;
    // Linear counting below 2.5 m (the standard small-range correction); 32-bit hashes need no
    // large-range correction at the cardinalities one address can reach.
    if (raw <= 2.5 * m && zeros > 0) return m * Math.log(m / zeros);
    return raw;
  }

  /** Folds another sketch of the same precision into this one (set union). */
  merge(other: DistinctSketch): void {
    if (other.precision !== this.precision) {
      throw new TypeError(`DistinctSketch.merge: precision ${other.precision} ≠ ${this.precision}`);
    }
    if (other.exact !== undefined) {
      for (const h of other.exact) this.add(h);
      return;
    }
    if (this.exact !== undefined) this.toRegisters();
    const a = this.registers!;
    const b = other.registers!;
    for (let i = 0; i < a.length; i++) if (b[i]! > a[i]!) a[i] = b[i]!;
  }

  /** A deep copy (so aggregates can merge without touching per-address state). */
  clone(): DistinctSketch {
    const c = new DistinctSketch(this.precision);
    c.exact = this.exact?.slice();
    c.registers = this.registers?.slice();
    return c;
  }

  /** Bytes of state held (for the benchmark's memory accounting). */
  byteSize(): number {
    return this.exact !== undefined ? 16 + this.exact.length * 8 : 16 + this.registers!.length;
  }

  /** Plain data for `postMessage` (structured clone); {@link DistinctSketch.fromPlain} restores it. */
  toPlain(): { p: number; exact?: number[]; registers?: Uint8Array } {
    return this.exact !== undefined ? { p: this.precision, exact: this.exact } : { p: this.precision, registers: this.registers! };
  }

  /** Restores a sketch from {@link toPlain} data (e.g. received from a worker thread). */
  static fromPlain(d: { p: number; exact?: number[]; registers?: Uint8Array }): DistinctSketch {
    const s = new DistinctSketch(d.p);
    if (d.registers !== undefined) {
      if (d.registers.length !== 1 << d.p) throw new TypeError('DistinctSketch.fromPlain: register count does not match precision');
      s.exact = undefined;
      s.registers = d.registers;
    } else s.exact = [...(d.exact ?? [])];
    return s;
  }

  private toRegisters(): void {
    const exact = this.exact!;
    this.exact = undefined;
    this.registers = new Uint8Array(1 << this.precision);
    for (const h of exact) this.addRegister(h >>> 0);
  }

  private addRegister(h: number): boolean {
    const p = this.precision;
    const idx = h >>> (32 - p);
    const w = (h << p) >>> 0;
    // Rank of the first 1 bit in the remaining 32 - p bits (capped when they are all zero).
    const rank = w === 0 ? 32 - p + 1 : Math.clz32(w) + 1;
    const regs = this.registers!;
    if (rank > regs[idx]!) {
      regs[idx] = rank;
      return true;
    }
    return false;
  }
}

/**
 * Bottom-k (KMV) sketch: keeps the `k` members with the smallest hash, which is a uniform random
 * sample of the distinct set (used to judge *which* user agents an address shows) and gives a
 * distinct-count estimate. Mergeable: the union's bottom-k is the bottom-k of both samples.
 *
 * @example
 * ```ts
 * const s = new BottomK(64);
 * s.add(mix32(uaId), uaId);
 * s.sample(); // [uaId]
 * ```
 */
export class BottomK {
  private hashes: number[] = [];
  private values: number[] = [];

  constructor(readonly k = 64) {
    if (!Number.isInteger(k) || k < 2) throw new TypeError(`BottomK: k must be an integer ≥ 2, got ${k}`);
  }

  /** Adds `value` under its 32-bit `hash`; returns true when the sample changed. */
  add(hash: number, value: number): boolean {
    const hs = this.hashes;
    const n = hs.length;
    if (n === this.k && hash >= hs[n - 1]!) return false;
    // Sorted insert; k is small, so a linear scan beats anything cleverer.
    let i = n;
    while (i > 0 && hs[i - 1]! > hash) i--;
    if (i > 0 && hs[i - 1] === hash) return false;
    hs.splice(i, 0, hash);
    this.values.splice(i, 0, value);
    if (hs.length > this.k) {
      hs.pop();
      this.values.pop();
    }
    return true;
  }

  /** Estimated distinct count: exact below k, else (k − 1) / (k-th smallest hash as a fraction). */
  count(): number {
    const n = this.hashes.length;
    if (n < this.k) return n;
    return (this.k - 1) / ((this.hashes[n - 1]! + 1) / 2 ** 32);
  }

  /** The sampled values (uniform over the distinct members; all of them while fewer than k). */
  sample(): readonly number[] {
    return this.values;
  }

  /** Folds another sample into this one (set union). */
  merge(other: BottomK): void {
    for (let i = 0; i < other.hashes.length; i++) this.add(other.hashes[i]!, other.values[i]!);
  }

  /** A deep copy. */
  clone(): BottomK {
    const c = new BottomK(this.k);
    c.hashes = this.hashes.slice();
    c.values = this.values.slice();
    return c;
  }

  /** Bytes of state held. */
  byteSize(): number {
    return 32 + this.hashes.length * 16;
  }

  /** Plain data for `postMessage`; {@link BottomK.fromPlain} restores it. */
  toPlain(): { k: number; hashes: number[]; values: number[] } {
    return { k: this.k, hashes: this.hashes, values: this.values };
  }

  /** Restores a sample from {@link toPlain} data. */
  static fromPlain(d: { k: number; hashes: number[]; values: number[] }): BottomK {
    const s = new BottomK(d.k);
    for (let i = 0; i < d.hashes.length; i++) s.add(d.hashes[i]!, d.values[i]!);
    return s;
  }
}

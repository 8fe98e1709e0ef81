/**
 * Paired rounds of load samples on workerd processes, the method of the worker benchmarks
 * (bench/worker, bench/worker-targets): on a noisy machine one second of the same process moves by
 * tens of per cent, so every round samples its variants back to back, in an order rotated from round
 * to round, and a variant is compared with its reference within a round (bench/worker/ratios.ts).
 * Every `block` rounds each variant gets a fresh, warmed-up process: a process keeps the offset its
 * start gave it for its whole life, which pairing within a round cannot cancel.
 */
import type autocannon from 'autocannon';
import { load, warmUp, type Workerd } from './workerd.ts';

/**
 * Settings of {@link pairedRounds}.
 *
 * @example
 * ```ts
 * const o: PairedOptions = { variants: 3, serve, requests: () => reqs, groups: [[0, 1, 2]], servers, rounds: 26, seconds: 1, block: 4,
 *   warmRequests: 80_000, warmMaxSeconds: 30, wakeSeconds: 0.3, connections: 16 };
 * ```
 */
export interface PairedOptions {
  /** Number of variants (indices 0 … variants − 1). */
  variants: number;
  /** Starts a fresh workerd process for a variant. */
  serve: (variant: number) => Promise<Workerd>;
  /** A variant's requests, sent in rotation. */
  requests: (variant: number) => autocannon.Request[];
  /** Variant indices measured back to back in a round, group after group (the paired core first); each group's order rotates on its own. */
  groups: readonly (readonly number[])[];
  /** The live processes, replaced at every block: the caller stops what is left in its `finally`. */
  servers: Workerd[];
  rounds: number;
  /** Length of one sample. */
  seconds: number;
  /** Rounds per set of fresh processes. */
  block: number;
  /** Unmeasured requests a fresh process serves first (at most `warmMaxSeconds`): see workerd.ts `warmUp`. */
  warmRequests: number;
  warmMaxSeconds: number;
  /**
   * Unmeasured load on a variant right before each of its samples: a process idle while the others ran
   * wakes up slowly (the Durable Object variant's first second after a 9 s pause cost 4–6 × its steady CPU per request).
   */
  wakeSeconds: number;
  connections: number;
}

/**
 * Samples of a paired run: `rps[v][round]`, `cpu[v][round]` (workerd CPU µs per request) and the
 * requests each fresh process served while warming up.
 *
 * @example
 * ```ts
 * roundRatios(samples.cpu[3]!, samples.cpu[0]!); // per-round CPU ratios of variant 3 against variant 0
 * ```
 */
export interface PairedSamples {
  rps: number[][];
  cpu: number[][];
  warmed: number[];
}

/**
 * Round `r`'s order of `ids`: shifted by `r`, and reversed every other cycle, so that no variant is
 * always measured first, or always right after the same neighbour.
 *
 * @example
 * ```ts
 * roundOrder([0, 1, 2], 1); // [1, 2, 0]
 * roundOrder([0, 1, 2], 3); // [2, 1, 0] (second cycle: reversed)
 * ```
 */
export function roundOrder(ids: readonly number[], r: number): number[] {
  const shifted = ids.map((_, k) => ids[(k + r) % ids.length]!);
  return Math.floor(r / ids.length) % 2 === 1 ? shifted.reverse() : shifted;
}

/**
 * Runs the rounds: fresh warmed-up processes every `block` rounds, then each group's variants back to
 * back in the round's order, one sample each after its wake-up load. Every sample is kept.
 *
 * @example
 * ```ts
 * const { rps, cpu, warmed } = await pairedRounds({ ...settings, variants: 4, serve, requests, groups: [[0, 1, 2, 3]], servers });
 * ```
 */
export async function pairedRounds(o: PairedOptions): Promise<PairedSamples> {
  const rps = Array.from({ length: o.variants }, () => [] as number[]);
  const cpu = Array.from({ length: o.variants }, () => [] as number[]);
  const warmed: number[] = [];

  async function freshProcesses(): Promise<void> {
    for (const s of o.servers.splice(0)) await s.stop();
    for (let i = 0; i < o.variants; i++) o.servers.push(await o.serve(i));
    for (let i = 0; i < o.servers.length; i++)
      warmed.push(await warmUp(o.servers[i]!, o.warmRequests, o.requests(i), o.connections, o.warmMaxSeconds));
  }

  for (let round = 0; round < o.rounds; round++) {
    if (round % o.block === 0) await freshProcesses();
    for (const i of o.groups.flatMap((group) => roundOrder(group, round))) {
      const reqs = o.requests(i);
      await load(o.servers[i]!, o.wakeSeconds, reqs, o.connections);
      const m = await load(o.servers[i]!, o.seconds, reqs, o.connections);
      rps[i]![round] = m.rps;
      cpu[i]![round] = m.cpuUs;
    }
    console.error(`round ${round + 1}/${o.rounds}: CPU µs/request ${cpu.map((c) => c[round]?.toFixed(0) ?? '-').join(', ')}`);
  }
  return { rps, cpu, warmed };
}

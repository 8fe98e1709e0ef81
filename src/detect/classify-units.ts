import { formatIPv4, prefixText } from './address.ts';
import type { Aggregator, UnitState } from './aggregate.ts';
import type { ClassifyContext, ListHit, UnitVerdict } from './classify.ts';
import { PopularityModel } from './popularity.ts';

/**
 * One unit (IPv4 address, IPv6 /64) measured: phase 1 of {@link classifyUnits}, read by the later phases.
 *
 * @example
 * ```ts
 * const [e] = measureUnits(aggregator, ctx, model);
 * e.users; // people estimated from distinct browsers a day
 * ```
 */
export interface UnitEval {
  s: UnitState;
  /** The unit as text: dotted quad, or the /64 in CIDR. */
  text: string;
  /** The /24 (IPv6: /48) the unit may be grouped into. */
  aggKey: string;
  /** The network the unit belongs to: `AS<n>`, or its /16 (/32) when the ASN is unknown. */
  netKey: string;
  asn: number;
  /** Distinct browser user agents per active day. */
  bpd: number;
  /** People estimated behind the unit (≥ 1). */
  users: number;
  plaus: number;
  days: number;
  ports: number;
  /** Port blocks (of 32) seen. */
  blocks: number;
  reqPerUaDay: number;
  list?: { prefix: string; value: ListHit };
  /** Filled by the decision phase. */
  verdict: UnitVerdict;
}

/**
 * User-agent popularity among people: how many household-sized units (at most 16 distinct browser
 * agents over the whole log) show each agent. Crowds behind one address and clients rotating through
 * lists are large units and add nothing, so they cannot shape the shares used to judge them; and the
 * count depends only on the set of units, not on the order of the log lines.
 */
const HOUSEHOLD_AGENTS = 16;

/**
 * The occupancy model of this log: user-agent shares counted over household-sized units.
 *
 * @example
 * ```ts
 * const model = popularityOf(aggregator);
 * model.estimateUsers(12); // people behind 12 distinct browsers a day
 * ```
 */
export function popularityOf(agg: Aggregator): PopularityModel {
  const counts = new Map<number, number>();
  for (const states of [agg.v4.values(), agg.v6.values()]) {
    for (const s of states) {
      const uas = s.uas;
      if (uas === undefined || uas.sample().length > HOUSEHOLD_AGENTS) continue;
      for (const id of uas.sample()) counts.set(id, (counts.get(id) ?? 0) + 1);
    }
  }
  return new PopularityModel(counts);
}

function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/**
 * Phase 1: measures every unit of the aggregator (ASN, keys, browsers a day, people, user-agent mix,
 * ports, list hit). The verdict is left for the decision phase.
 *
 * @example
 * ```ts
 * const evals = measureUnits(aggregator, { asnRanges }, popularityOf(aggregator));
 * ```
 */
export function measureUnits(agg: Aggregator, ctx: ClassifyContext, model: PopularityModel): UnitEval[] {
  const evals: UnitEval[] = [];
  for (const s of [...agg.v4.values(), ...agg.v6.values()]) {
    const asn =
      s.asn > 0
        ? s.asn
        : s.family === 4
          ? (ctx.asnRanges?.lookup4(s.unit as number) ?? 0)
          : (ctx.asnRanges?.lookup6(s.unit as string) ?? 0);
    const days = s.days?.count() ?? 0;
    const uaDays = s.uaDays?.count() ?? 0;
    const bpd = days > 0 ? uaDays / days : 0;
    const distinctAll = s.uas?.count() ?? 0;
    const list =
      ctx.lists === undefined ? undefined : s.family === 4 ? ctx.lists.match4(s.unit as number) : ctx.lists.match6(s.unit as string);
    const e: UnitEval = {
      s,
      text: s.family === 4 ? formatIPv4(s.unit as number) : prefixText(6, s.unit, 64),
      aggKey: s.family === 4 ? prefixText(4, s.unit, 24) : prefixText(6, s.unit, 48),
      netKey: asn > 0 ? `AS${asn}` : s.family === 4 ? prefixText(4, s.unit, 16) : prefixText(6, s.unit, 32),
      asn,
      bpd,
      users: Math.max(1, model.estimateUsers(bpd)),
      plaus: s.uas === undefined ? 0 : model.plausibility(s.uas.sample(), model.estimateUsers(distinctAll)),
      days,
      ports: Math.round(s.ports?.count() ?? 0),
      blocks: popcount(s.portBlocksLo) + popcount(s.portBlocksHi),
      reqPerUaDay: uaDays > 0 ? s.browserRequests / uaDays : 0,
      verdict: undefined as unknown as UnitVerdict,
    };
    if (list !== undefined) e.list = list;
    evals.push(e);
  }
  return evals;
}

/**
 * Median of a list (0 when empty).
 *
 * @example
 * ```ts
 * median([3, 1, 2]); // 2
 * ```
 */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return 0;
  const s = xs.slice().sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * Rounds to `d` decimals.
 *
 * @example
 * ```ts
 * round(1.23456); // 1.23
 * ```
 */
export const round = (x: number, d = 2): number => Math.round(x * 10 ** d) / 10 ** d;

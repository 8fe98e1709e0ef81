import type { MultiUserKind } from '../table/types.ts';
import type { PrefixMatcher } from './address.ts';
import type { Aggregator } from './aggregate.ts';
import { decideUnits, networkTypes } from './classify-decide.ts';
import { emitPrefixes } from './classify-emit.ts';
import { measureUnits, popularityOf } from './classify-units.ts';
import type { AsnRanges, NetworkType } from './network-type.ts';
import type { ResolvedDetectOptions } from './options.ts';
import type { PopularityModel } from './popularity.ts';

/**
 * One line of the output list.
 *
 * @example
 * ```ts
 * const p: DetectedPrefix = { prefix: '81.2.69.0/24', kind: 'cgnat', users: 310, confidence: 0.9, evidence: 'as=AS64500/access/peeringdb;…' };
 * ```
 */
export interface DetectedPrefix {
  prefix: string;
  kind: MultiUserKind;
  /** Estimated people behind each address of the prefix per day (≥ 1). */
  users: number;
  /** 0–1: how sure the detector is (days, volume, user-agent mix, source of the network type). */
  confidence: number;
  /** Semicolon-separated `key=value` facts that led to the line (no commas). */
  evidence: string;
}

/**
 * A known list the detector matches addresses against (`--list KIND:FILE`).
 *
 * @example
 * ```ts
 * const hit: ListHit = { kind: 'vpn', file: 'vpn.txt', line: 3 };
 * ```
 */
export interface ListHit {
  kind: MultiUserKind;
  file: string;
  line: number;
}

/**
 * What one unit (IPv4 address, IPv6 /64) looked like and what was decided.
 *
 * @example
 * ```ts
 * const v: UnitVerdict = { unit: '81.2.69.7', family: 4, asn: 64500, network: 'access', browsersPerDay: 120, users: 260, plausibility: 0.9, days: 4, ports: 3000, decision: 'multi-user', kind: 'cgnat' };
 * ```
 */
export interface UnitVerdict {
  unit: string;
  family: 4 | 6;
  asn: number;
  network: NetworkType;
  browsersPerDay: number;
  users: number;
  plausibility: number;
  days: number;
  ports: number;
  /** `multi-user`, `listed`, `single-user`, or why evidence of many browsers was not enough. */
  decision: 'multi-user' | 'listed' | 'single-user' | 'too-few-days' | 'implausible-mix' | 'rotation' | 'network-type' | 'lone-address';
  kind?: MultiUserKind;
}

/**
 * Context for {@link classifyUnits}: address → ASN, ASN → type, and the known lists.
 *
 * @example
 * ```ts
 * const ctx: ClassifyContext = { peeringDb: new Map([[64500, 'access']]) };
 * ```
 */
export interface ClassifyContext {
  asnRanges?: AsnRanges;
  peeringDb?: ReadonlyMap<number, NetworkType>;
  lists?: PrefixMatcher<ListHit>;
}

/**
 * Everything {@link classifyUnits} works out.
 *
 * @example
 * ```ts
 * const { prefixes } = classifyUnits(aggregator, options, {});
 * ```
 */
export interface Classification {
  prefixes: DetectedPrefix[];
  verdicts: UnitVerdict[];
  /** Distinct browser user agents of each active /24 (IPv6 /48), for the report's CDF. */
  browsersPerAggregate: number[];
  networks: { key: string; type: NetworkType; source: 'peeringdb' | 'traffic'; units: number }[];
  /** Prefixes dropped because they lie in special-purpose space. */
  droppedSpecial: number;
  model: PopularityModel;
}

/**
 * Turns aggregated traffic into the multi-user prefix list (see docs/detection.md for the method), in four
 * phases: measure each unit (`classify-units.ts`), type each network, decide each unit
 * (`classify-decide.ts`), and write the list (`classify-emit.ts`).
 *
 * The input is the {@link Aggregator} (per-unit sketches and counters, `weekdaysSeen`) plus the
 * {@link ClassifyContext}; that structure is the classifier's only input, whichever engine filled it.
 *
 * @example
 * ```ts
 * const result = classifyUnits(aggregator, resolveDetectOptions(), { peeringDb });
 * result.prefixes[0]; // { prefix: '81.2.69.0/24', kind: 'cgnat', users: 310, … }
 * ```
 */
export function classifyUnits(agg: Aggregator, o: ResolvedDetectOptions, ctx: ClassifyContext): Classification {
  const model = popularityOf(agg);
  const evals = measureUnits(agg, ctx, model);
  const { netType, networks } = networkTypes(evals, agg.weekdaysSeen, o, ctx);
  decideUnits(evals, netType, o);
  const { prefixes, browsersPerAggregate, droppedSpecial } = emitPrefixes(evals, networks, o);
  return { prefixes, verdicts: evals.map((e) => e.verdict), browsersPerAggregate, networks, droppedSpecial, model };
}

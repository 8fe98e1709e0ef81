import { parsePrefix } from '../prefix-list/index.ts';
import type { MultiUserKind } from '../table/types.ts';
import { formatIPv4, prefixText, type PrefixMatcher } from './address.ts';
import type { Aggregator, UnitState } from './aggregate.ts';
import { inferNetworkType, type NetworkProfile, type NetworkType } from './network-type.ts';
import type { ResolvedDetectOptions } from './options.ts';
import { PopularityModel } from './popularity.ts';
import { BottomK } from './sketch.ts';
import type { AsnRanges } from './network-type.ts';

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

interface Eval {
  s: UnitState;
  text: string;
  aggKey: string;
  netKey: string;
  asn: number;
  bpd: number;
  users: number;
  plaus: number;
  days: number;
  ports: number;
  blocks: number;
  reqPerUaDay: number;
  list?: { prefix: string; value: ListHit };
  verdict: UnitVerdict;
}

/**
 * User-agent popularity among people: how many household-sized units (at most 16 distinct browser
 * agents over the whole log) show each agent. Crowds behind one address and clients rotating through
 * lists are large units and add nothing, so they cannot shape the shares used to judge them; and the
 * count depends only on the set of units, not on the order of the log lines.
 */
const HOUSEHOLD_AGENTS = 16;

function userAgentPopularity(agg: Aggregator): Map<number, number> {
  const counts = new Map<number, number>();
  for (const states of [agg.v4.values(), agg.v6.values()]) {
    for (const s of states) {
      const uas = s.uas;
      if (uas === undefined || uas.sample().length > HOUSEHOLD_AGENTS) continue;
      for (const id of uas.sample()) counts.set(id, (counts.get(id) ?? 0) + 1);
    }
  }
  return counts;
}

function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

function median(xs: number[]): number {
  if (xs.length === 0) return 0;
  const s = xs.slice().sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

/**
 * Turns aggregated traffic into the multi-user prefix list (see docs/detection.md for the method).
 *
 * @example
 * ```ts
 * const result = classifyUnits(aggregator, resolveDetectOptions(), { peeringDb });
 * result.prefixes[0]; // { prefix: '81.2.69.0/24', kind: 'cgnat', users: 310, … }
 * ```
 */
export function classifyUnits(agg: Aggregator, o: ResolvedDetectOptions, ctx: ClassifyContext): Classification {
  const model = new PopularityModel(userAgentPopularity(agg));
  const evals: Eval[] = [];
  const all: UnitState[] = [...agg.v4.values(), ...agg.v6.values()];

  for (const s of all) {
    const asn = s.asn > 0 ? s.asn : s.family === 4 ? (ctx.asnRanges?.lookup4(s.unit as number) ?? 0) : (ctx.asnRanges?.lookup6(s.unit as string) ?? 0);
    const text = s.family === 4 ? formatIPv4(s.unit as number) : prefixText(6, s.unit, 64);
    const netKey = asn > 0 ? `AS${asn}` : s.family === 4 ? prefixText(4, s.unit, 16) : prefixText(6, s.unit, 32);
    const aggKey = s.family === 4 ? prefixText(4, s.unit, 24) : prefixText(6, s.unit, 48);
    const days = s.days?.count() ?? 0;
    const uaDays = s.uaDays?.count() ?? 0;
    const bpd = days > 0 ? uaDays / days : 0;
    const users = Math.max(1, model.estimateUsers(bpd));
    const distinctAll = s.uas?.count() ?? 0;
    const plaus = s.uas === undefined ? 0 : model.plausibility(s.uas.sample(), model.estimateUsers(distinctAll));
    const list = ctx.lists === undefined ? undefined : s.family === 4 ? ctx.lists.match4(s.unit as number) : ctx.lists.match6(s.unit as string);
    const e: Eval = {
      s,
      text,
      aggKey,
      netKey,
      asn,
      bpd,
      users,
      plaus,
      days,
      ports: Math.round(s.ports?.count() ?? 0),
      blocks: popcount(s.portBlocksLo) + popcount(s.portBlocksHi),
      reqPerUaDay: uaDays > 0 ? s.browserRequests / uaDays : 0,
      verdict: undefined as unknown as UnitVerdict,
    };
    if (list !== undefined) e.list = list;
    evals.push(e);
  }

  // Network types: PeeringDB first, the traffic rule for the rest.
  const profiles = new Map<string, NetworkProfile & { bpds: number[]; asn: number }>();
  for (const e of evals) {
    let p = profiles.get(e.netKey);
    if (p === undefined) {
      p = { addresses: 0, requests: 0, browserRequests: 0, weekendBrowserRequests: 0, medianBrowsersPerDay: 0, sawWeekend: false, bpds: [], asn: e.asn };
      profiles.set(e.netKey, p);
    }
    p.requests += e.s.requests;
    p.browserRequests += e.s.browserRequests;
    p.weekendBrowserRequests += e.s.weekendBrowserRequests;
    if (e.s.browserRequests > 0) {
      p.addresses++;
      p.bpds.push(e.bpd);
    }
  }
  const sawWeekend = (agg.weekdaysSeen & 0b1000001) !== 0 && (agg.weekdaysSeen & 0b0111110) !== 0;
  const netType = new Map<string, NetworkType>();
  const networks: Classification['networks'] = [];
  for (const [key, p] of profiles) {
    p.medianBrowsersPerDay = median(p.bpds);
    p.sawWeekend = sawWeekend;
    const fromDb = p.asn > 0 ? ctx.peeringDb?.get(p.asn) : undefined;
    const type = fromDb ?? inferNetworkType(p, o);
    netType.set(key, type);
    networks.push({ key, type, source: fromDb !== undefined ? 'peeringdb' : 'traffic', units: p.addresses });
  }

  // Per-unit decision.
  const candidatesPerAgg = new Map<string, number>();
  for (const e of evals) {
    const network = netType.get(e.netKey)!;
    const v: UnitVerdict = {
      unit: e.text,
      family: e.s.family,
      asn: e.asn,
      network,
      browsersPerDay: round(e.bpd),
      users: Math.round(e.users),
      plausibility: round(e.plaus),
      days: e.days,
      ports: e.ports,
      decision: 'single-user',
    };
    e.verdict = v;
    if (e.list !== undefined) {
      v.decision = 'listed';
      v.kind = e.list.value.kind;
      continue;
    }
    if (e.bpd < o.minBrowsersPerDay) continue;
    if (e.days < o.minDays) v.decision = 'too-few-days';
    else if (e.plaus < o.minPlausibility) v.decision = 'implausible-mix';
    else if (e.reqPerUaDay < o.minRequestsPerUaDay) v.decision = 'rotation';
    else if (network === 'access') {
      v.decision = 'multi-user';
      v.kind = 'cgnat';
      candidatesPerAgg.set(e.aggKey, (candidatesPerAgg.get(e.aggKey) ?? 0) + 1);
    } else if (network === 'enterprise') {
      v.decision = 'multi-user';
      v.kind = 'enterprise';
    } else v.decision = 'network-type';
  }
  for (const e of evals) {
    if (e.verdict.kind === 'cgnat' && e.verdict.decision === 'multi-user' && (candidatesPerAgg.get(e.aggKey) ?? 0) < o.minPoolAddresses) {
      e.verdict.decision = 'lone-address';
      delete e.verdict.kind;
    }
  }

  const prefixes: DetectedPrefix[] = [];
  const netSource = new Map(networks.map((n) => [n.key, n.source]));
  const confidenceOf = (e: Eval, listed: boolean): number => {
    const daysF = Math.min(1, e.days / 3);
    const volumeF = listed ? 1 : Math.min(1, e.bpd / (2 * o.minBrowsersPerDay));
    const mixF = listed ? 1 : Math.min(1, e.plaus / Math.max(o.minPlausibility, 0.5));
    const sourceF = listed ? 0.95 : netSource.get(e.netKey) === 'peeringdb' ? 1 : 0.8;
    const portF = e.s.ports === undefined || listed ? 0.9 : e.blocks >= 8 ? 1 : 0.85;
    return Math.max(0.05, round(Math.max(listed ? 0.5 : 0, daysF) * volumeF * mixF * sourceF * portF));
  };
  const evidenceOf = (e: Eval, extra: string): string =>
    [
      `as=${e.asn > 0 ? `AS${e.asn}` : e.netKey}/${e.verdict.network}/${netSource.get(e.netKey)}`,
      `days=${e.days}`,
      `browsers_per_day=${round(e.bpd, 1)}`,
      `ports=${e.s.ports === undefined ? 'n/a' : e.ports}`,
      `port_blocks=${e.s.ports === undefined ? 'n/a' : e.blocks}`,
      `ua_mix=${round(e.plaus)}`,
      extra,
    ]
      .filter((x) => x.length > 0)
      .join(';')
      .replace(/[,"\r\n]/g, ' ');

  // Lists: each list prefix with traffic is emitted once, as the list gives it.
  const listed = new Map<string, Eval[]>();
  for (const e of evals) {
    if (e.list === undefined) continue;
    const g = listed.get(e.list.prefix) ?? [];
    g.push(e);
    listed.set(e.list.prefix, g);
  }
  for (const [prefix, group] of listed) {
    const hit = group[0]!.list!.value;
    const best = group.reduce((a, b) => (b.users > a.users ? b : a));
    prefixes.push({
      prefix,
      kind: hit.kind,
      users: Math.max(1, Math.round(median(group.map((g) => g.users)))),
      confidence: confidenceOf(best, true),
      evidence: evidenceOf(best, `list=${hit.kind}:${hit.file}:${hit.line};units=${group.length}`),
    });
  }

  // Grouping: a whole /24 (/48) when most of its active units agree, else single units.
  const byAgg = new Map<string, Eval[]>();
  for (const e of evals) {
    if (e.list !== undefined || e.s.browserRequests === 0) continue;
    const g = byAgg.get(e.aggKey) ?? [];
    g.push(e);
    byAgg.set(e.aggKey, g);
  }
  const browsersPerAggregate: number[] = [];
  for (const [aggKey, group] of byAgg) {
    const merged = new BottomK(64);
    for (const e of group) if (e.s.uas !== undefined) merged.merge(e.s.uas);
    browsersPerAggregate.push(Math.round(merged.count()));
    const multi = group.filter((e) => e.verdict.decision === 'multi-user');
    if (multi.length === 0) continue;
    const kinds = new Map<MultiUserKind, Eval[]>();
    for (const e of multi) kinds.set(e.verdict.kind!, [...(kinds.get(e.verdict.kind!) ?? []), e]);
    const [topKind, topUnits] = [...kinds].sort((a, b) => b[1].length - a[1].length)[0]!;
    if (group.length >= o.groupMinAddresses && topUnits.length / group.length >= o.groupShare) {
      const rep = topUnits.reduce((a, b) => (b.days * b.bpd > a.days * a.bpd ? b : a));
      const conf = median(topUnits.map((e) => confidenceOf(e, false)));
      prefixes.push({
        prefix: aggKey,
        kind: topKind,
        users: Math.max(1, Math.round(median(topUnits.map((e) => e.users)))),
        confidence: round(conf * Math.min(1, topUnits.length / group.length / 0.9)),
        evidence: evidenceOf(rep, `units=${topUnits.length}/${group.length}`),
      });
      continue;
    }
    for (const e of multi) {
      prefixes.push({
        prefix: e.s.family === 4 ? `${e.text}/32` : e.text,
        kind: e.verdict.kind!,
        users: Math.max(1, Math.round(e.users)),
        confidence: confidenceOf(e, false),
        evidence: evidenceOf(e, ''),
      });
    }
  }

  // Only public, canonical prefixes leave: the same check build-table applies.
  let droppedSpecial = 0;
  const out: DetectedPrefix[] = [];
  for (const p of prefixes) {
    const parsed = parsePrefix(p.prefix);
    if (!parsed.ok) {
      droppedSpecial++;
      continue;
    }
    out.push({ ...p, prefix: parsed.prefix });
  }
  out.sort(comparePrefixes);
  browsersPerAggregate.sort((a, b) => a - b);
  return { prefixes: out, verdicts: evals.map((e) => e.verdict), browsersPerAggregate, networks, droppedSpecial, model };
}

function comparePrefixes(a: DetectedPrefix, b: DetectedPrefix): number {
  const pa = parsePrefix(a.prefix);
  const pb = parsePrefix(b.prefix);
  if (!pa.ok || !pb.ok) return a.prefix < b.prefix ? -1 : 1;
  if (pa.family !== pb.family) return pa.family - pb.family;
  for (let i = 0; i < 4; i++) if (pa.words[i] !== pb.words[i]) return pa.words[i]! - pb.words[i]!;
  return pa.bits - pb.bits;
}

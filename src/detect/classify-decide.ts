import type { Classification, ClassifyContext, UnitVerdict } from './classify.ts';
import { median, round, type UnitEval } from './classify-units.ts';
import { inferNetworkType, type NetworkProfile, type NetworkType } from './network-type.ts';
import type { ResolvedDetectOptions } from './options.ts';

/**
 * Phase 2: the type of every network the units belong to — PeeringDB first, the traffic rule for the rest.
 *
 * @example
 * ```ts
 * const { netType, networks } = networkTypes(evals, aggregator.weekdaysSeen, options, ctx);
 * ```
 */
export function networkTypes(
  evals: readonly UnitEval[],
  weekdaysSeen: number,
  o: ResolvedDetectOptions,
  ctx: ClassifyContext,
): { netType: Map<string, NetworkType>; networks: Classification['networks'] } {
  const profiles = new Map<string, NetworkProfile & { bpds: number[]; asn: number }>();
  for (const e of evals) {
    let p = profiles.get(e.netKey);
    if (p === undefined) {
      p = {
        addresses: 0,
        requests: 0,
        browserRequests: 0,
        weekendBrowserRequests: 0,
        medianBrowsersPerDay: 0,
        sawWeekend: false,
        bpds: [],
        asn: e.asn,
      };
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
  const sawWeekend = (weekdaysSeen & 0b1000001) !== 0 && (weekdaysSeen & 0b0111110) !== 0;
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
  return { netType, networks };
}

/**
 * Phase 3: each unit's decision (listed, multi-user with a kind, or why not), written to `e.verdict`. A
 * carrier-NAT candidate alone in its /24 (/48) is set aside (`lone-address`).
 *
 * @example
 * ```ts
 * decideUnits(evals, netType, options);
 * evals.filter((e) => e.verdict.decision === 'multi-user');
 * ```
 */
export function decideUnits(evals: readonly UnitEval[], netType: ReadonlyMap<string, NetworkType>, o: ResolvedDetectOptions): void {
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
}

import { parsePrefix } from '../prefix-list/index.ts';
import type { MultiUserKind } from '../table/types.ts';
import type { Classification, DetectedPrefix } from './classify.ts';
import { median, round, type UnitEval } from './classify-units.ts';
import type { ResolvedDetectOptions } from './options.ts';
import { BottomK } from './sketch.ts';

/**
 * How far apart (max ÷ min of their estimates) the addresses one /24 (/48) row speaks for may be. The row
 * carries the geometric middle of that window, so each address it covers has an estimate within ×2 of the
 * row. Addresses outside the window get their own rows: a carrier-NAT pool whose addresses carry 40 to 900
 * people each cannot share one number. (×2 windows measured 97.9 % within ×2 on the uneven population with
 * 72 rows, ×4 96.9 % with 58 rows: the wider window keeps the list compact for one point.)
 */
export const GROUP_USERS_SPREAD = 4;

/**
 * The largest set of values (sorted ascending) whose max ÷ min is at most `spread`; ties go to the lower
 * window. Returns the index range [from, to).
 *
 * @example
 * ```ts
 * densestWindow([40, 60, 70, 300, 900], 2); // { from: 0, to: 3 }
 * ```
 */
export function densestWindow(sorted: readonly number[], spread: number): { from: number; to: number } {
  let best = { from: 0, to: Math.min(1, sorted.length) };
  let j = 0;
  for (let i = 0; i < sorted.length; i++) {
    if (j < i) j = i;
    while (j < sorted.length && sorted[j]! <= sorted[i]! * spread) j++;
    if (j - i > best.to - best.from) best = { from: i, to: j };
  }
  return best;
}

/**
 * Phase 4: the output list. Known-list prefixes with traffic once each, as the list gives them; then per
 * /24 (/48): one row when enough of its active units agree on a kind, with per-address rows for the units
 * whose estimates lie outside the row's {@link GROUP_USERS_SPREAD} window; else one row per multi-user unit.
 * Only public, canonical prefixes leave (the check build-table applies), sorted by address.
 *
 * @example
 * ```ts
 * const { prefixes, browsersPerAggregate, droppedSpecial } = emitPrefixes(evals, networks, options);
 * ```
 */
export function emitPrefixes(
  evals: readonly UnitEval[],
  networks: Classification['networks'],
  o: ResolvedDetectOptions,
): { prefixes: DetectedPrefix[]; browsersPerAggregate: number[]; droppedSpecial: number } {
  const netSource = new Map(networks.map((n) => [n.key, n.source]));
  const row = rowWriter(netSource, o);
  const prefixes: DetectedPrefix[] = [...listRows(evals, row)];
  const byAgg = new Map<string, UnitEval[]>();
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
    for (const p of groupRows(aggKey, group, o, row)) prefixes.push(p);
  }
  let droppedSpecial = 0;
  const out: DetectedPrefix[] = [];
  for (const p of prefixes) {
    const parsed = parsePrefix(p.prefix);
    if (!parsed.ok) droppedSpecial++;
    else out.push({ ...p, prefix: parsed.prefix });
  }
  out.sort(comparePrefixes);
  browsersPerAggregate.sort((a, b) => a - b);
  return { prefixes: out, browsersPerAggregate, droppedSpecial };
}

type RowWriter = ReturnType<typeof rowWriter>;

function rowWriter(netSource: ReadonlyMap<string, 'peeringdb' | 'traffic'>, o: ResolvedDetectOptions) {
  const confidence = (e: UnitEval, listed: boolean): number => {
    const daysF = Math.min(1, e.days / 3);
    const volumeF = listed ? 1 : Math.min(1, e.bpd / (2 * o.minBrowsersPerDay));
    const mixF = listed ? 1 : Math.min(1, e.plaus / Math.max(o.minPlausibility, 0.5));
    const sourceF = listed ? 0.95 : netSource.get(e.netKey) === 'peeringdb' ? 1 : 0.8;
    const portF = e.s.ports === undefined || listed ? 0.9 : e.blocks >= 8 ? 1 : 0.85;
    return Math.max(0.05, round(Math.max(listed ? 0.5 : 0, daysF) * volumeF * mixF * sourceF * portF));
  };
  const evidence = (e: UnitEval, extra: string): string =>
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
  const unit = (e: UnitEval, extra = ''): DetectedPrefix => ({
    prefix: e.s.family === 4 ? `${e.text}/32` : e.text,
    kind: e.verdict.kind!,
    users: Math.max(1, Math.round(e.users)),
    confidence: confidence(e, false),
    evidence: evidence(e, extra),
  });
  return { confidence, evidence, unit };
}

function* listRows(evals: readonly UnitEval[], row: RowWriter): Generator<DetectedPrefix> {
  const listed = new Map<string, UnitEval[]>();
  for (const e of evals) {
    if (e.list === undefined) continue;
    const g = listed.get(e.list.prefix) ?? [];
    g.push(e);
    listed.set(e.list.prefix, g);
  }
  for (const [prefix, group] of listed) {
    const hit = group[0]!.list!.value;
    const best = group.reduce((a, b) => (b.users > a.users ? b : a));
    yield {
      prefix,
      kind: hit.kind,
      users: Math.max(1, Math.round(median(group.map((g) => g.users)))),
      confidence: row.confidence(best, true),
      evidence: row.evidence(best, `list=${hit.kind}:${hit.file}:${hit.line};units=${group.length}`),
    };
  }
}

function* groupRows(aggKey: string, group: readonly UnitEval[], o: ResolvedDetectOptions, row: RowWriter): Generator<DetectedPrefix> {
  const multi = group.filter((e) => e.verdict.decision === 'multi-user');
  if (multi.length === 0) return;
  const kinds = new Map<MultiUserKind, UnitEval[]>();
  for (const e of multi) kinds.set(e.verdict.kind!, [...(kinds.get(e.verdict.kind!) ?? []), e]);
  const [topKind, topUnits] = [...kinds].sort((a, b) => b[1].length - a[1].length)[0]!;
  if (group.length < o.groupMinAddresses || topUnits.length / group.length < o.groupShare) {
    for (const e of multi) yield row.unit(e);
    return;
  }
  // The /24 row speaks for the densest ×GROUP_USERS_SPREAD window of estimates; the others stand alone.
  const sorted = topUnits.slice().sort((a, b) => a.users - b.users || (a.text < b.text ? -1 : a.text > b.text ? 1 : 0));
  const w = densestWindow(
    sorted.map((e) => e.users),
    GROUP_USERS_SPREAD,
  );
  const inside = sorted.slice(w.from, w.to);
  const lo = inside[0]!.users;
  const hi = inside[inside.length - 1]!.users;
  const rep = inside.reduce((a, b) => (b.days * b.bpd > a.days * a.bpd ? b : a));
  const conf = median(topUnits.map((e) => row.confidence(e, false)));
  const apart = sorted.length - inside.length;
  yield {
    prefix: aggKey,
    kind: topKind,
    users: Math.max(1, Math.round(Math.sqrt(lo * hi))),
    confidence: round(conf * Math.min(1, topUnits.length / group.length / 0.9)),
    evidence: row.evidence(rep, `units=${topUnits.length}/${group.length}${apart > 0 ? `;own_rows=${apart}` : ''}`),
  };
  for (const e of [...sorted.slice(0, w.from), ...sorted.slice(w.to)]) yield row.unit(e, `in=${aggKey}`);
}

function comparePrefixes(a: DetectedPrefix, b: DetectedPrefix): number {
  const pa = parsePrefix(a.prefix);
  const pb = parsePrefix(b.prefix);
  if (!pa.ok || !pb.ok) return a.prefix < b.prefix ? -1 : 1;
  if (pa.family !== pb.family) return pa.family - pb.family;
  for (let i = 0; i < 4; i++) if (pa.words[i] !== pb.words[i]) return pa.words[i]! - pb.words[i]!;
  return pa.bits - pb.bits;
}

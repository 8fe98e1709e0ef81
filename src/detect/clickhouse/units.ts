import { Aggregator, UnitState } from '../aggregate.ts';
import type { ResolvedDetectOptions } from '../options.ts';
import { BottomK, DistinctSketch } from '../sketch.ts';
import type { UserAgentInfo } from '../user-agent.ts';
import { UNIT_COLUMNS } from './sql.ts';

/**
 * A distinct count ClickHouse already worked out exactly (`uniqExact`): it stands where the Node
 * engine keeps a sketch, so the shared classifier reads both the same way.
 *
 * @example
 * ```ts
 * new CountedSketch(8, 1234).count(); // 1234
 * ```
 */
export class CountedSketch extends DistinctSketch {
  constructor(
    precision: number,
    private readonly exactCount: number,
  ) {
    super(precision);
  }

  override count(): number {
    return this.exactCount;
  }
}

/**
 * The Node engine's sketch from ClickHouse's exact distinct count and HyperLogLog registers (as
 * `maxMap` gives them: indexes, ranks): exact while at most 32 hashes, registers beyond, as
 * `DistinctSketch` switches, so both engines count the same.
 */
function sketchOf(p: number, exact: number, hll: unknown): DistinctSketch {
  if (exact <= 32) return new CountedSketch(p, exact);
  const [idx, ranks] = hll as [unknown[], unknown[]];
  const registers = new Uint8Array(1 << p);
  idx.forEach((i, k) => (registers[Number(i)] = Number(ranks[k])));
  return DistinctSketch.fromPlain({ p, registers });
}

const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v));

/** The IPv6 /64 key the Node engine uses (`2001:db8:0:1`) from the upper 64 bits as a decimal string. */
function v6Key(upper: string): string {
  const x = BigInt(upper);
  return [48n, 32n, 16n, 0n].map((s) => ((x >> s) & 0xffffn).toString(16)).join(':');
}

/**
 * Fills an {@link Aggregator} from the rows of `mergeQuery` (columns {@link UNIT_COLUMNS}): the same
 * per-unit state the Node engine builds, with exact counts where it keeps sketches and the same
 * bottom-64 user-agent sample, so `classifyUnits` needs no second code path.
 *
 * @example
 * ```ts
 * const agg = aggregatorFromRows(await ch.rows(mergeQuery(states)), options);
 * classifyUnits(agg, options, context);
 * ```
 */
export function aggregatorFromRows(rows: readonly unknown[][], options: ResolvedDetectOptions): Aggregator {
  const agg = new Aggregator(options.maxBotScore, (): UserAgentInfo => {
    throw new Error('aggregatorFromRows: the aggregator is filled from ClickHouse rows, not lines');
  });
  const col = Object.fromEntries(UNIT_COLUMNS.map((c, i) => [c, i])) as Record<(typeof UNIT_COLUMNS)[number], number>;
  for (const r of rows) {
    const fam = num(r[col.fam]) === 4 ? 4 : 6;
    const s = fam === 4 ? new UnitState(4, num(r[col.unit])) : new UnitState(6, v6Key(String(r[col.unit])));
    if (fam === 4) agg.v4.set(s.unit as number, s);
    else agg.v6.set(s.unit as string, s);
    s.asn = num(r[col.asn]);
    s.requests = num(r[col.requests]);
    s.browserRequests = num(r[col.browser_requests]);
    const x = [num(r[col.x_isbot]), num(r[col.x_bot_score]), num(r[col.x_verified]), num(r[col.x_not_browser])] as const;
    s.botRequests = x[0] + x[1] + x[2];
    s.weekendBrowserRequests = num(r[col.weekend_browser_requests]);
    const withPort = num(r[col.with_port]);
    if (withPort > 0) {
      s.ports = sketchOf(8, num(r[col.ports]), r[col.ports_hll]);
      const blocks = BigInt(String(r[col.port_blocks]));
      s.portBlocksLo = Number(blocks & 0xffffffffn) | 0;
      s.portBlocksHi = Number(blocks >> 32n) | 0;
    }
    const uas = (r[col.uas] as unknown[]).map(num);
    if (s.browserRequests > 0) s.uas = BottomK.fromPlain({ k: 64, hashes: uas, values: uas });
    const withTime = num(r[col.with_time]);
    if (withTime > 0) {
      s.days = sketchOf(6, num(r[col.days]), r[col.days_hll]);
      s.hours = sketchOf(8, num(r[col.hours]), r[col.hours_hll]);
      s.uaDays = sketchOf(10, num(r[col.ua_days]), r[col.ua_days_hll]);
      agg.minTime = Math.min(agg.minTime, num(r[col.min_time]));
      agg.maxTime = Math.max(agg.maxTime, num(r[col.max_time]));
      agg.weekdaysSeen |= num(r[col.weekdays]);
    }
    agg.requests += s.requests;
    agg.browserRequests += s.browserRequests;
    agg.withPort += withPort;
    agg.withTime += withTime;
    agg.excluded.isbot += x[0];
    agg.excluded.botScore += x[1];
    agg.excluded.verifiedBot += x[2];
    agg.excluded.notBrowser += x[3];
  }
  return agg;
}

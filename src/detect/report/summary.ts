import { MULTI_USER_KINDS, type MultiUserKind } from '../../table/types.ts';
import type { DetectResult } from '../detector.ts';

/**
 * The figures both the terminal summary and the HTML report show.
 *
 * @example
 * ```ts
 * const s = summarize(result);
 * s.perKind.cgnat; // prefixes of kind cgnat
 * ```
 */
export interface DetectSummary {
  requests: number;
  browserRequests: number;
  units: number;
  malformed: number;
  files: DetectResult['files'];
  excluded: DetectResult['excluded'];
  portSignal: 'present' | 'partial' | 'absent';
  perKind: Record<MultiUserKind, number>;
  prefixes: number;
  decisions: Record<string, number>;
  networks: Record<string, number>;
  thresholds: DetectResult['options'];
  timeRange: [string, string] | undefined;
  /** Sorted distinct browser UAs per /24 (/48). */
  browsersPerAggregate: number[];
  /** Users of every listed prefix, in output order. */
  users: { prefix: string; kind: MultiUserKind; users: number }[];
  droppedSpecial: number;
}

/**
 * Condenses a detection result for display.
 *
 * @example
 * ```ts
 * formatSummary(summarize(result)); // multi-line text for the terminal
 * ```
 */
export function summarize(r: DetectResult): DetectSummary {
  const perKind = Object.fromEntries(MULTI_USER_KINDS.map((k) => [k, 0])) as Record<MultiUserKind, number>;
  for (const p of r.prefixes) perKind[p.kind]++;
  const decisions: Record<string, number> = {};
  for (const v of r.verdicts) decisions[v.decision] = (decisions[v.decision] ?? 0) + 1;
  const networks: Record<string, number> = {};
  for (const n of r.networks) {
    const k = `${n.type} (${n.source})`;
    networks[k] = (networks[k] ?? 0) + 1;
  }
  return {
    requests: r.requests,
    browserRequests: r.browserRequests,
    units: r.units,
    malformed: r.files.reduce((a, f) => a + f.malformed, 0),
    files: r.files,
    excluded: r.excluded,
    portSignal: r.portCoverage >= 0.99 ? 'present' : r.portCoverage > 0 ? 'partial' : 'absent',
    perKind,
    prefixes: r.prefixes.length,
    decisions,
    networks,
    thresholds: r.options,
    timeRange:
      r.timeRange === undefined
        ? undefined
        : [new Date(r.timeRange[0] * 1000).toISOString(), new Date(r.timeRange[1] * 1000).toISOString()],
    browsersPerAggregate: r.browsersPerAggregate,
    users: r.prefixes.map((p) => ({ prefix: p.prefix, kind: p.kind, users: p.users })),
    droppedSpecial: r.droppedSpecial,
  };
}

/**
 * Plain-text summary for the terminal.
 *
 * @example
 * ```ts
 * console.error(formatSummary(summarize(result)));
 * ```
 */
export function formatSummary(s: DetectSummary): string {
  const out: string[] = [];
  const n = (x: number) => x.toLocaleString('en-US');
  out.push(`requests: ${n(s.requests)} (${n(s.browserRequests)} from browsers) from ${n(s.units)} addresses / IPv6 /64s`);
  if (s.timeRange !== undefined) out.push(`time range: ${s.timeRange[0]} … ${s.timeRange[1]}`);
  out.push(
    `excluded: isbot ${n(s.excluded.isbot)}, low BotScore ${n(s.excluded.botScore)}, verified bots ${n(s.excluded.verifiedBot)}, ` +
      `not a browser ${n(s.excluded.notBrowser)}; malformed lines ${n(s.malformed)}`,
  );
  for (const f of s.files) {
    out.push(`  ${f.file}: ${f.format ?? 'unknown format'}, ${n(f.lines)} lines, ${n(f.malformed)} malformed`);
    for (const e of f.examples) out.push(`    line ${e.line}: ${e.reason}: ${e.text.slice(0, 100)}`);
  }
  if (s.portSignal !== 'present') {
    out.push(
      `source ports: ${s.portSignal} in these logs — the port signal is ${s.portSignal === 'absent' ? 'not used' : 'used where present'}`,
    );
  }
  out.push(
    `networks: ${Object.entries(s.networks)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
  );
  out.push(
    `decisions per unit: ${Object.entries(s.decisions)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
  );
  out.push(
    `listed prefixes: ${n(s.prefixes)} — ${
      Object.entries(s.perKind)
        .filter(([, v]) => v > 0)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ') || 'none'
    }${s.droppedSpecial > 0 ? ` (${s.droppedSpecial} in special-purpose space dropped)` : ''}`,
  );
  const t = s.thresholds;
  out.push(
    `thresholds: min-days ${t.minDays}, min-browsers-per-day ${t.minBrowsersPerDay}, min-plausibility ${t.minPlausibility}, ` +
      `min-requests-per-ua-day ${t.minRequestsPerUaDay}, min-pool-addresses ${t.minPoolAddresses}, group-share ${t.groupShare}, ` +
      `group-min-addresses ${t.groupMinAddresses}, max-bot-score ${t.maxBotScore}`,
  );
  return out.join('\n');
}

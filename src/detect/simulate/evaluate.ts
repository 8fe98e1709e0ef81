import type { MultiUserKind } from '../../table/types.ts';
import { ipv6Unit, parseIPv4, PrefixMatcher } from '../address.ts';
import type { TruthUnit } from './simulate.ts';

/**
 * Scores of a detected list against the simulator's ground truth, per unit (IPv4 address, IPv6 /64):
 * a unit is predicted multi-user when a listed prefix covers it.
 *
 * @example
 * ```ts
 * const s: Scores = { precision: 1, recall: 0.95, kindAccuracy: 1, usersWithin2x: 0.9, truePositives: 90, falsePositives: 0, falseNegatives: 5, attackersListed: [], misses: [], falseAlarms: [], usersOff: [] };
 * ```
 */
export interface Scores {
  precision: number;
  recall: number;
  /** Share of true positives whose listed kind equals the true kind. */
  kindAccuracy: number;
  /** Share of true positives whose listed users lie within ×2 of the true users. */
  usersWithin2x: number;
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
  attackersListed: string[];
  misses: string[];
  falseAlarms: string[];
  usersOff: { unit: string; role: string; truth: number; listed: number }[];
}

/**
 * Scores `listed` (the detector's output) against `truth` (units the simulator created).
 *
 * @example
 * ```ts
 * const scores = evaluate(result.prefixes, sim.truth);
 * scores.precision >= 0.95;
 * ```
 */
export function evaluate(listed: readonly { prefix: string; kind: MultiUserKind; users: number }[], truth: readonly TruthUnit[]): Scores {
  const m = new PrefixMatcher<{ kind: MultiUserKind; users: number }>();
  for (const p of listed) m.add(p.prefix, { kind: p.kind, users: p.users });
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let kindOk = 0;
  let usersOk = 0;
  const s: Scores = {
    precision: 0,
    recall: 0,
    kindAccuracy: 0,
    usersWithin2x: 0,
    truePositives: 0,
    falsePositives: 0,
    falseNegatives: 0,
    attackersListed: [],
    misses: [],
    falseAlarms: [],
    usersOff: [],
  };
  for (const t of truth) {
    let hit;
    if (t.family === 4) hit = m.match4(parseIPv4(t.unit));
    else {
      const u = ipv6Unit(t.unit.split('/')[0]!);
      hit = typeof u === 'string' ? m.match6(u) : undefined;
    }
    if (t.role.startsWith('attacker') && hit !== undefined) s.attackersListed.push(t.unit);
    if (hit !== undefined && t.multiUser) {
      tp++;
      if (hit.value.kind === t.kind) kindOk++;
      const ratio = hit.value.users / Math.max(1, t.users);
      if (ratio >= 0.5 && ratio <= 2) usersOk++;
      else s.usersOff.push({ unit: t.unit, role: t.role, truth: t.users, listed: hit.value.users });
    } else if (hit !== undefined) {
      fp++;
      s.falseAlarms.push(`${t.unit} (${t.role})`);
    } else if (t.multiUser) {
      fn++;
      s.misses.push(`${t.unit} (${t.role})`);
    }
  }
  s.truePositives = tp;
  s.falsePositives = fp;
  s.falseNegatives = fn;
  s.precision = tp + fp === 0 ? 0 : tp / (tp + fp);
  s.recall = tp + fn === 0 ? 0 : tp / (tp + fn);
  s.kindAccuracy = tp === 0 ? 0 : kindOk / tp;
  s.usersWithin2x = tp === 0 ? 0 : usersOk / tp;
  return s;
}

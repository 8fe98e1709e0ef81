import ipaddr from 'ipaddr.js';
import { formatLocation } from './atlas-result.ts';
import type { GroundTruthLabel, TracerouteReason, TracerouteVerdict } from './hop-rules.ts';

/**
 * The combined label of one public address, from all the traceroutes whose probe had that address.
 *
 * @example
 * ```ts
 * const { labels } = combineVerdicts(verdicts);
 * for (const l of labels) console.log(l.address, l.label, l.reason);
 * ```
 */
export interface AddressLabel {
  address: string;
  label: GroundTruthLabel;
  /** A rule code of `REASON_LABEL`, or `conflicting-traceroutes`. */
  reason: TracerouteReason | 'conflicting-traceroutes';
  /** Human detail: the deciding hops, or the two sides of a conflict. */
  detail: string;
  probes: number[];
  /** The probes' IPv4 ASNs from the probe metadata, when given. */
  asns: number[];
  verdicts: TracerouteVerdict[];
  /**
   * Definite traceroutes the precedence overruled (weaker evidence for the other label), with both sides;
   * `undefined` when the definite traceroutes agree. A conflict within the deciding tier makes the label
   * `unknown` (`conflicting-traceroutes`) instead.
   */
  disagreement?: string | undefined;
}

/**
 * How strong each definite rule's evidence is, for combining traceroutes that disagree (1 strongest):
 * 1 the probe's own address (rule 1; a source in 100.64/10), 2 a decisive hop (100.64/10 before public
 * space, the probe's own /24 right after private hops, the home router answering with the public
 * address), 3 the rest (straight to public elsewhere; private hops under the broad reading).
 *
 * @example
 * ```ts
 * EVIDENCE_TIER['shared-hop-before-public']; // 2
 * ```
 */
export const EVIDENCE_TIER: Partial<Record<TracerouteReason, 1 | 2 | 3>> = {
  'probe-has-public-address': 1,
  'probe-in-shared-space': 1,
  'ipv6-no-translation': 1,
  'shared-hop-before-public': 2,
  'nat-at-customer-edge': 2,
  'home-router-holds-public-address': 2,
  'straight-to-public': 3,
  'private-hop-after-home-router': 3,
};

const tierOf = (v: TracerouteVerdict): number => EVIDENCE_TIER[v.reason] ?? 3;

function where(v: TracerouteVerdict): string {
  const msm = v.result.msmId === undefined ? '' : ` msm ${v.result.msmId}`;
  return `prb ${v.result.prbId}${msm} at ${formatLocation(v.result.at)}`;
}

function summarise(vs: readonly TracerouteVerdict[]): string {
  const byReason = new Map<string, TracerouteVerdict[]>();
  for (const v of vs) byReason.set(v.reason, [...(byReason.get(v.reason) ?? []), v]);
  return [...byReason]
    .sort((a, b) => b[1].length - a[1].length || a[0].localeCompare(b[0]))
    .map(([reason, list]) => `${reason} ×${list.length} (${list[0]!.detail}; ${where(list[0]!)})`)
    .join('; ');
}

/**
 * Sort key for addresses: IPv4 before IPv6, then numerically.
 *
 * @example
 * ```ts
 * ['10.0.0.2', '9.0.0.1'].sort(compareAddresses); // ['9.0.0.1', '10.0.0.2']
 * ```
 */
export function compareAddresses(a: string, b: string): number {
  const x = ipaddr.parse(a).toByteArray();
  const y = ipaddr.parse(b).toByteArray();
  if (x.length !== y.length) return x.length - y.length;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return 0;
}

/**
 * Combines per-traceroute verdicts into one label per public address (rule 6 of docs/validation.md).
 * `unknown` verdicts contradict nothing. Among the definite ones the strongest evidence decides
 * ({@link EVIDENCE_TIER}): the label of the strongest tier present wins, and the overruled traceroutes
 * are kept in `disagreement`; if that tier itself holds both labels the address is `unknown`, reason
 * `conflicting-traceroutes`, naming both sides. Verdicts without a usable address go to `unusable`.
 *
 * @example
 * ```ts
 * const { labels, unusable } = combineVerdicts(results.map((r) => classifyTraceroute(r)));
 * ```
 */
export function combineVerdicts(verdicts: readonly TracerouteVerdict[]): {
  labels: AddressLabel[];
  unusable: TracerouteVerdict[];
} {
  const byAddress = new Map<string, TracerouteVerdict[]>();
  const unusable: TracerouteVerdict[] = [];
  for (const v of verdicts) {
    if (v.address === undefined) unusable.push(v);
    else byAddress.set(v.address, [...(byAddress.get(v.address) ?? []), v]);
  }
  const labels: AddressLabel[] = [];
  for (const [address, vs] of byAddress) labels.push(combineAddress(address, vs));
  labels.sort((a, b) => compareAddresses(a.address, b.address));
  return { labels, unusable };
}

function combineAddress(address: string, vs: TracerouteVerdict[]): AddressLabel {
  const probes = [...new Set(vs.map((v) => v.result.prbId))].sort((a, b) => a - b);
  const definite = vs.filter((v) => v.label !== 'unknown');
  const unk = vs.filter((v) => v.label === 'unknown');
  const top = definite.length === 0 ? undefined : Math.min(...definite.map(tierOf));
  const deciding = definite.filter((v) => tierOf(v) === top);
  const overruled = definite.filter((v) => tierOf(v) !== top && v.label !== deciding[0]!.label);
  const sides = (xs: TracerouteVerdict[]) =>
    ['cgnat', 'not-cgnat'].map((l) => [l, xs.filter((v) => v.label === l)] as const).filter(([, g]) => g.length > 0);
  const ignored = unk.length > 0 && definite.length > 0 ? `; ignored unknown: ${summarise(unk)}` : '';
  const base = { address, probes, asns: [], verdicts: vs };
  const split = sides(deciding);
  if (split.length === 2) {
    const detail = split.map(([l, g]) => `${l}: ${summarise(g)}`).join(' vs ');
    return { ...base, label: 'unknown', reason: 'conflicting-traceroutes', detail, disagreement: `tier ${top} conflict: ${detail}` };
  }
  const decisive = deciding.length > 0 ? deciding : unk;
  const counts = new Map<TracerouteReason, number>();
  for (const v of decisive) counts.set(v.reason, (counts.get(v.reason) ?? 0) + 1);
  const reason = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]![0];
  const example = decisive.find((v) => v.reason === reason)!;
  const agreeing = definite.filter((v) => v.label === example.label);
  const others = (deciding.length > 0 ? agreeing : decisive).filter((v) => v.reason !== reason);
  const n = deciding.length > 0 ? agreeing.length : decisive.length;
  const tally = `${n} of ${vs.length} traceroute${vs.length === 1 ? '' : 's'}`;
  const disagreement =
    overruled.length > 0
      ? `${example.label} (tier ${top}: ${summarise(deciding)}) overrules ${overruled[0]!.label} (${summarise(overruled)})`
      : undefined;
  return {
    ...base,
    label: example.label,
    reason,
    detail: `${example.detail}; ${where(example)}; ${tally}${others.length > 0 ? `; also ${summarise(others)}` : ''}${disagreement ? `; overruled ${summarise(overruled)}` : ''}${ignored}`,
    disagreement,
  };
}

function csvField(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * The labels as CSV `address,label,reason` (reason = rule code and detail).
 *
 * @example
 * ```ts
 * labelsToCsv(labels).split('\n')[0]; // 'address,label,reason'
 * ```
 */
export function labelsToCsv(labels: readonly AddressLabel[]): string {
  const lines = ['address,label,reason'];
  for (const l of labels) lines.push([l.address, l.label, csvField(`${l.reason}: ${l.detail}`)].join(','));
  return `${lines.join('\n')}\n`;
}

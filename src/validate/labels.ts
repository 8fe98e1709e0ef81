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
}

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
 * Combines per-traceroute verdicts into one label per public address. Verdicts that say `unknown` do not
 * contradict anything; when the definite ones all agree, that is the label; when some say `cgnat` and
 * others `not-cgnat`, the address is `unknown` with reason `conflicting-traceroutes` naming both sides.
 * Verdicts without a usable address are returned in `unusable`.
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
  for (const [address, vs] of byAddress) {
    const probes = [...new Set(vs.map((v) => v.result.prbId))].sort((a, b) => a - b);
    const cg = vs.filter((v) => v.label === 'cgnat');
    const not = vs.filter((v) => v.label === 'not-cgnat');
    const unk = vs.filter((v) => v.label === 'unknown');
    const ignored = unk.length > 0 && (cg.length > 0 || not.length > 0) ? `; ignored unknown: ${summarise(unk)}` : '';
    if (cg.length > 0 && not.length > 0) {
      labels.push({
        address,
        label: 'unknown',
        reason: 'conflicting-traceroutes',
        detail: `cgnat: ${summarise(cg)} vs not-cgnat: ${summarise(not)}`,
        probes,
        asns: [],
        verdicts: vs,
      });
      continue;
    }
    const decisive = cg.length > 0 ? cg : not.length > 0 ? not : unk;
    const counts = new Map<TracerouteReason, number>();
    for (const v of decisive) counts.set(v.reason, (counts.get(v.reason) ?? 0) + 1);
    const reason = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]![0];
    const example = decisive.find((v) => v.reason === reason)!;
    const others = decisive.filter((v) => v.reason !== reason);
    const tally = `${decisive.length} of ${vs.length} traceroute${vs.length === 1 ? '' : 's'}`;
    labels.push({
      address,
      label: example.label,
      reason,
      detail: `${example.detail}; ${where(example)}; ${tally}${others.length > 0 ? `; also ${summarise(others)}` : ''}${ignored}`,
      probes,
      asns: [],
      verdicts: vs,
    });
  }
  labels.sort((a, b) => compareAddresses(a.address, b.address));
  return { labels, unusable };
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

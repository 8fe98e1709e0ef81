import type { TracerouteHop, TracerouteResult } from './atlas-result.ts';
import { classifyAddress, type AddressScope } from './ip-class.ts';
import type { ProbeInfo } from './probe-metadata.ts';

/**
 * The ground-truth label of a probe's public address.
 *
 * @example
 * ```ts
 * const l: GroundTruthLabel = 'not-cgnat';
 * ```
 */
export type GroundTruthLabel = 'cgnat' | 'not-cgnat' | 'unknown';

/**
 * Why one traceroute gave its label. Each code is one rule of `docs/validation.md`.
 *
 * @example
 * ```ts
 * REASON_LABEL['shared-hop-before-public']; // 'cgnat'
 * ```
 */
export const REASON_LABEL = {
  // The record itself.
  'no-public-address': 'unknown',
  'measurement-error': 'unknown',
  // IPv6.
  'ipv6-no-translation': 'not-cgnat',
  'ipv6-translated': 'unknown',
  // The probe's own (source) address.
  'no-source-address': 'unknown',
  'probe-has-public-address': 'not-cgnat',
  'public-source-translated': 'unknown',
  'probe-in-shared-space': 'cgnat',
  'special-source': 'unknown',
  // The path from a private source to the first public hop.
  'no-responding-hop': 'unknown',
  'no-public-hop': 'unknown',
  'shared-hop-before-public': 'cgnat',
  'home-router-holds-public-address': 'not-cgnat',
  'nat-not-visible': 'unknown',
  'first-hop-silent': 'unknown',
  'private-hop-after-home-router': 'cgnat',
  'silent-hop-before-public': 'unknown',
  'special-hop-before-public': 'unknown',
  'straight-to-public': 'not-cgnat',
} as const satisfies Record<string, GroundTruthLabel>;

/**
 * One of the keys of {@link REASON_LABEL}.
 *
 * @example
 * ```ts
 * const r: TracerouteReason = 'straight-to-public';
 * ```
 */
export type TracerouteReason = keyof typeof REASON_LABEL;

/**
 * The label one traceroute gives its probe's public address, with the rule that decided it.
 *
 * @example
 * ```ts
 * const v = classifyTraceroute(result);
 * console.log(v.address, v.label, v.reason, v.detail);
 * ```
 */
export interface TracerouteVerdict {
  /** The probe's public address (canonical), or `undefined` when the record has none usable. */
  address: string | undefined;
  label: GroundTruthLabel;
  reason: TracerouteReason;
  /** Human detail: the hops that decided it. */
  detail: string;
  result: TracerouteResult;
  /** Hop number of the first public hop, when there is one. */
  firstPublicHop: number | undefined;
}

/**
 * Options of {@link classifyTraceroute}.
 *
 * @example
 * ```ts
 * classifyTraceroute(result, { privateCarrierHops: 'unknown' }); // strict: only 100.64/10 counts
 * ```
 */
export interface HopRuleOptions {
  /**
   * What RFC 1918 hops between the home router and the first public hop mean. `'cgnat'` (default) follows
   * the usual definition (carrier NAT numbered from private space); `'unknown'` is stricter, since some
   * carriers number access routers (e.g. cable CMTS) from 10/8 without any NAT.
   */
  privateCarrierHops?: 'cgnat' | 'unknown';
  /** Probe metadata; used when a result lacks `src_addr` (the `system-ipv4-rfc1918` tag). */
  probe?: ProbeInfo | undefined;
}

type HopClass = 'silent' | 'self' | AddressScope;

interface ClassifiedHop {
  hop: number;
  cls: HopClass;
  /** The address that decided the class, for the detail text. */
  address: string | undefined;
}

// A hop answered by several routers (load balancing) takes the most "outside" class: one public reply
// means the path has reached public addresses there, whatever the others say.
const PRECEDENCE: HopClass[] = ['self', 'public', 'shared', 'private', 'special'];

function rank(cls: HopClass): number {
  return cls === 'silent' ? PRECEDENCE.length : PRECEDENCE.indexOf(cls);
}

function classifyHop(hop: TracerouteHop, self: string): ClassifiedHop {
  const seen = new Map<HopClass, string>();
  for (const reply of hop.replies) {
    if (reply.from === undefined) continue;
    const c = classifyAddress(reply.from);
    if (c === undefined) continue;
    const cls: HopClass = c.canonical === self ? 'self' : c.scope;
    if (!seen.has(cls)) seen.set(cls, c.canonical);
  }
  for (const cls of PRECEDENCE) {
    if (seen.has(cls)) return { hop: hop.hop, cls, address: seen.get(cls) };
  }
  return { hop: hop.hop, cls: 'silent', address: undefined };
}

/** Hops 1…max in order; a hop number that is absent from the result counts as silent. */
function hopSequence(hops: readonly TracerouteHop[], self: string): ClassifiedHop[] {
  const byNumber = new Map<number, ClassifiedHop>();
  for (const h of hops) {
    const c = classifyHop(h, self);
    const prev = byNumber.get(h.hop);
    // Duplicate hop numbers (seen in old firmware) merge: keep the more outside class.
    if (!prev || rank(c.cls) < rank(prev.cls)) byNumber.set(h.hop, c);
  }
  const max = hops.reduce((m, h) => Math.max(m, h.hop), 0);
  const out: ClassifiedHop[] = [];
  for (let n = 1; n <= max; n++) out.push(byNumber.get(n) ?? { hop: n, cls: 'silent', address: undefined });
  return out;
}

function describe(h: ClassifiedHop): string {
  return h.cls === 'silent' ? `hop ${h.hop} *` : `hop ${h.hop} ${h.address}`;
}

/**
 * Labels the probe's public address from one traceroute, by the rules in `docs/validation.md`:
 * only the hops *before the first public hop* are evidence; a 100.64.0.0/10 hop there means carrier NAT,
 * as does an RFC 1918 hop after the home router; a path that goes from the home router straight to public
 * addresses means no carrier NAT; silence where the evidence would be gives `unknown`.
 *
 * @example
 * ```ts
 * const v = classifyTraceroute({ ...result, srcAddr: '192.168.1.10', hops: [hop(1, '192.168.1.1'), hop(2, '100.64.0.1'), hop(3, '81.2.69.1')] });
 * v.label; // 'cgnat'
 * v.reason; // 'shared-hop-before-public'
 * ```
 */
export function classifyTraceroute(result: TracerouteResult, options: HopRuleOptions = {}): TracerouteVerdict {
  const privateCarrierHops = options.privateCarrierHops ?? 'cgnat';
  const verdict = (
    address: string | undefined,
    reason: TracerouteReason,
    detail: string,
    firstPublicHop?: number,
    label: GroundTruthLabel = REASON_LABEL[reason],
  ): TracerouteVerdict => ({ address, label, reason, detail, result, firstPublicHop });

  const pub = result.from === undefined ? undefined : classifyAddress(result.from);
  if (pub === undefined || pub.scope !== 'public' || pub.family !== result.af) {
    const what = result.from === undefined ? 'no from field' : `from ${result.from} is not a public IPv${result.af} address`;
    return verdict(undefined, 'no-public-address', what);
  }
  const address = pub.canonical;
  if (result.error !== undefined) return verdict(address, 'measurement-error', result.error);

  const src = result.srcAddr === undefined ? undefined : classifyAddress(result.srcAddr);
  if (result.af === 6) {
    if (src === undefined) return verdict(address, 'no-source-address', 'IPv6 result without a usable src_addr');
    if (src.canonical === address) return verdict(address, 'ipv6-no-translation', `src_addr = from = ${address}`);
    return verdict(address, 'ipv6-translated', `src_addr ${src.canonical} ≠ from ${address}`);
  }

  const seq = hopSequence(result.hops, address);
  const firstPublicIdx = seq.findIndex((h) => h.cls === 'public' || h.cls === 'self');
  const firstPublic = firstPublicIdx >= 0 ? seq[firstPublicIdx] : undefined;
  const fph = firstPublic?.hop;

  let srcNote = '';
  if (src === undefined) {
    const firstResponding = seq.find((h) => h.cls !== 'silent');
    if (options.probe?.tags.includes('system-ipv4-rfc1918')) srcNote = ' (no src_addr; probe tagged system-ipv4-rfc1918)';
    else if (firstResponding && (firstResponding.cls === 'private' || firstResponding.cls === 'shared')) {
      srcNote = ' (no src_addr; first hop private)';
    } else return verdict(address, 'no-source-address', 'no src_addr, and nothing shows the probe is behind NAT');
  } else if (src.family !== 4) {
    return verdict(address, 'special-source', `src_addr ${src.canonical} is not IPv4`);
  } else if (src.scope === 'public') {
    if (src.canonical === address) return verdict(address, 'probe-has-public-address', `src_addr = from = ${address}`);
    return verdict(address, 'public-source-translated', `public src_addr ${src.canonical} ≠ from ${address}`);
  } else if (src.scope === 'shared') {
    return verdict(address, 'probe-in-shared-space', `src_addr ${src.canonical} is in 100.64.0.0/10`);
  } else if (src.scope === 'special') {
    return verdict(address, 'special-source', `src_addr ${src.canonical} is neither private nor public`);
  }

  // From here the probe sits behind NAT (private source). The evidence is the stretch S = hops 1 … F−1,
  // F being the first public hop; anything after F is the carrier's core or beyond and is never evidence.
  if (firstPublic === undefined) {
    if (seq.every((h) => h.cls === 'silent')) return verdict(address, 'no-responding-hop', `no hop answered${srcNote}`);
    return verdict(address, 'no-public-hop', `no public hop among ${result.hops.length} reported hops${srcNote}`);
  }
  const before = seq.slice(0, firstPublicIdx);
  const shared = before.find((h) => h.cls === 'shared');
  if (shared) {
    return verdict(address, 'shared-hop-before-public', `${describe(shared)} before first public ${describe(firstPublic)}${srcNote}`, fph);
  }
  const homeIdx = before.findIndex((h) => h.cls !== 'silent');
  if (homeIdx < 0) {
    if (firstPublic.cls === 'self' && before.length === 0) {
      return verdict(address, 'home-router-holds-public-address', `${describe(firstPublic)} is the probe's public address${srcNote}`, fph);
    }
    if (before.length > 0) {
      return verdict(address, 'silent-hop-before-public', `${before.length} silent hop(s) before first public ${describe(firstPublic)}${srcNote}`, fph);
    }
    return verdict(address, 'nat-not-visible', `first hop ${describe(firstPublic)} is public; the NAT in front of the private source does not show${srcNote}`, fph);
  }
  const home = before[homeIdx]!;
  if (homeIdx > 0) {
    return verdict(address, 'first-hop-silent', `hop 1 silent, first answer ${describe(home)}: cannot tell the home router from the carrier's${srcNote}`, fph);
  }
  const carrier = before.slice(homeIdx + 1);
  const priv = carrier.find((h) => h.cls === 'private');
  if (priv) {
    return verdict(
      address,
      'private-hop-after-home-router',
      `home router ${describe(home)}, then ${describe(priv)} before first public ${describe(firstPublic)}${srcNote}`,
      fph,
      privateCarrierHops,
    );
  }
  const silent = carrier.filter((h) => h.cls === 'silent');
  if (silent.length > 0) {
    return verdict(address, 'silent-hop-before-public', `home router ${describe(home)}, ${silent.length} silent hop(s) before first public ${describe(firstPublic)}${srcNote}`, fph);
  }
  if (carrier.length > 0) {
    return verdict(address, 'special-hop-before-public', `${describe(carrier[0]!)} (neither private nor public) before first public ${describe(firstPublic)}${srcNote}`, fph);
  }
  return verdict(address, 'straight-to-public', `home router ${describe(home)}, then first public ${describe(firstPublic)}${srcNote}`, fph);
}

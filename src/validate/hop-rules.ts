import type { TracerouteResult } from './atlas-result.ts';
import { corroborate } from './corroborate.ts';
import { describeHop, hopSequence } from './hop-sequence.ts';
import { blockOf, classifyAddress } from './ip-class.ts';
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
  'nat-at-customer-edge': 'not-cgnat',
  'private-hop-after-home-router': 'unknown',
  'silent-hop-before-public': 'unknown',
  'special-hop-before-public': 'unknown',
  'straight-to-public': 'not-cgnat',
} as const satisfies Record<string, GroundTruthLabel>;

/**
 * The reading of rule 5 (RFC 1918 hops after the home router, then public space outside the probe's /24):
 * `strict` (default) labels it `unknown`; `broad` reads "private or shared hops mean carrier NAT" and labels
 * it `cgnat`. Reports name the reading used.
 *
 * @example
 * ```ts
 * readingOf('cgnat'); // 'broad'
 * ```
 */
export type LabelReading = 'strict' | 'broad';

/**
 * The reading a {@link HopRuleOptions.privateCarrierHops} value stands for.
 *
 * @example
 * ```ts
 * readingOf(undefined); // 'strict'
 * ```
 */
export function readingOf(privateCarrierHops: HopRuleOptions['privateCarrierHops']): LabelReading {
  return privateCarrierHops === 'cgnat' ? 'broad' : 'strict';
}

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
  /** What the probe metadata says about a definite label (see {@link corroborate}); `none` without metadata. */
  metadata: MetadataCheck;
}

/**
 * Whether the probe metadata (tags, `address_v4`) supports a traceroute's definite label.
 *
 * @example
 * ```ts
 * const m: MetadataCheck = { verdict: 'agrees', notes: ['tag system-ipv4-rfc1918'] };
 * ```
 */
export interface MetadataCheck {
  verdict: 'agrees' | 'contradicts' | 'none';
  notes: string[];
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
   * What RFC 1918 hops after the home router mean when the first public hop lies outside the probe's /24
   * (rule 5). `'unknown'` (default, the strict reading): ambiguous, since carriers number access routers
   * (cable CMTS, BRAS) from 10/8 without NAT and customers chain NATs at home or in the office. `'cgnat'`
   * is the *broad reading* ("private or shared hops mean carrier NAT"); reports name it when used.
   */
  privateCarrierHops?: 'cgnat' | 'unknown';
  /** Probe metadata; used when a result lacks `src_addr` (the `system-ipv4-rfc1918` tag). */
  probe?: ProbeInfo | undefined;
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
  const v = applyHopRules(result, options.privateCarrierHops ?? 'unknown', options.probe);
  v.metadata = corroborate(v, options.probe);
  return v;
}

function applyHopRules(result: TracerouteResult, privateCarrierHops: 'cgnat' | 'unknown', probe: ProbeInfo | undefined): TracerouteVerdict {
  const verdict = (
    address: string | undefined,
    reason: TracerouteReason,
    detail: string,
    firstPublicHop?: number,
    label: GroundTruthLabel = REASON_LABEL[reason],
  ): TracerouteVerdict => ({ address, label, reason, detail, result, firstPublicHop, metadata: { verdict: 'none', notes: [] } });

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
    if (probe?.tags.includes('system-ipv4-rfc1918')) srcNote = ' (no src_addr; probe tagged system-ipv4-rfc1918)';
    else if (firstResponding && (firstResponding.cls === 'private' || firstResponding.cls === 'shared')) {
      srcNote = ' (no src_addr; first hop private)';
    } else return verdict(address, 'no-source-address', 'no src_addr, and nothing shows the probe is behind NAT');
  } else if (src.family !== 4) {
    return verdict(address, 'special-source', `src_addr ${src.canonical} is not IPv4`);
  } else if (src.scope === 'public') {
    // Rule 1: the local address is the public address, so nothing translates.
    if (src.canonical === address) return verdict(address, 'probe-has-public-address', `src_addr = from = ${address}`);
    return verdict(address, 'public-source-translated', `public src_addr ${src.canonical} ≠ from ${address}`);
  } else if (src.scope === 'shared') {
    return verdict(address, 'probe-in-shared-space', `src_addr ${src.canonical} is in 100.64.0.0/10`);
  } else if (src.scope === 'special') {
    return verdict(address, 'special-source', `src_addr ${src.canonical} is neither private nor public`);
  }

  // From here the probe sits behind NAT (private source). The evidence is the stretch S = hops 1 … F−1,
  // F being the first public hop; anything after F is the carrier's core or beyond and is never evidence
  // (rule 3: 100.64/10 there is carrier infrastructure, named in the detail but never decisive).
  if (firstPublic === undefined) {
    if (seq.every((h) => h.cls === 'silent')) return verdict(address, 'no-responding-hop', `no hop answered${srcNote}`);
    return verdict(address, 'no-public-hop', `no public hop among ${result.hops.length} reported hops${srcNote}`);
  }
  const sharedAfter = seq.slice(firstPublicIdx + 1).find((h) => h.cls === 'shared');
  const note = `${sharedAfter ? `; ${describeHop(sharedAfter)} after the first public hop is carrier infrastructure, not evidence` : ''}${srcNote}`;
  const before = seq.slice(0, firstPublicIdx);
  // Rule 2: shared address space before public space is the inside of a carrier NAT.
  const shared = before.find((h) => h.cls === 'shared');
  if (shared) {
    return verdict(
      address,
      'shared-hop-before-public',
      `${describeHop(shared)} before first public ${describeHop(firstPublic)}${note}`,
      fph,
    );
  }
  // Rule 4: private hops, every one answering, then the probe's own /24: the NAT is the customer's edge
  // (a home or office router, a double NAT, a hosting VM's gateway), and the carrier routes the public address.
  if (before.length > 0 && before.every((h) => h.cls === 'private') && blockOf(firstPublic.address!) === blockOf(address)) {
    const inside = before.map((h) => h.address).join(' → ');
    return verdict(
      address,
      'nat-at-customer-edge',
      `${inside}, then first public ${describeHop(firstPublic)} in the probe's own /24${note}`,
      fph,
    );
  }
  const homeIdx = before.findIndex((h) => h.cls !== 'silent');
  if (homeIdx < 0) {
    if (firstPublic.cls === 'self' && before.length === 0) {
      return verdict(address, 'home-router-holds-public-address', `${describeHop(firstPublic)} is the probe's public address${note}`, fph);
    }
    if (before.length > 0) {
      return verdict(
        address,
        'silent-hop-before-public',
        `${before.length} silent hop(s) before first public ${describeHop(firstPublic)}${note}`,
        fph,
      );
    }
    return verdict(
      address,
      'nat-not-visible',
      `first hop ${describeHop(firstPublic)} is public; the NAT in front of the private source does not show${note}`,
      fph,
    );
  }
  const home = before[homeIdx]!;
  if (homeIdx > 0) {
    return verdict(
      address,
      'first-hop-silent',
      `hop 1 silent, first answer ${describeHop(home)}: cannot tell the home router from the carrier's${note}`,
      fph,
    );
  }
  const carrier = before.slice(homeIdx + 1);
  const priv = carrier.find((h) => h.cls === 'private');
  if (priv) {
    // Rule 5: carrier NAT numbered from RFC 1918, or a double NAT: ambiguous unless the broad reading is asked for.
    const reading = privateCarrierHops === 'cgnat' ? '; broad reading' : '';
    return verdict(
      address,
      'private-hop-after-home-router',
      `home router ${describeHop(home)}, then ${describeHop(priv)} before first public ${describeHop(firstPublic)} outside the probe's /24${reading}${note}`,
      fph,
      privateCarrierHops,
    );
  }
  const silent = carrier.filter((h) => h.cls === 'silent');
  if (silent.length > 0) {
    return verdict(
      address,
      'silent-hop-before-public',
      `home router ${describeHop(home)}, ${silent.length} silent hop(s) before first public ${describeHop(firstPublic)}${note}`,
      fph,
    );
  }
  if (carrier.length > 0) {
    return verdict(
      address,
      'special-hop-before-public',
      `${describeHop(carrier[0]!)} (neither private nor public) before first public ${describeHop(firstPublic)}${note}`,
      fph,
    );
  }
  return verdict(
    address,
    'straight-to-public',
    `home router ${describeHop(home)}, then first public ${describeHop(firstPublic)}${note}`,
    fph,
  );
}

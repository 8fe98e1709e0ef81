import type { MetadataCheck, TracerouteVerdict } from './hop-rules.ts';
import type { ProbeInfo } from './probe-metadata.ts';

// Labels that rest on the probe being behind NAT (a private or shared local address).
const BEHIND_NAT = new Set([
  'probe-in-shared-space',
  'shared-hop-before-public',
  'nat-at-customer-edge',
  'private-hop-after-home-router',
  'straight-to-public',
  'home-router-holds-public-address',
]);

/**
 * Checks a definite traceroute label against the probe metadata (as corroboration; it never changes the
 * label). `address_v4` ≠ `from` means the metadata describes another time, so nothing is checked. Then:
 * a probe holding its public address (rule 1) agrees with the absence of the system tag
 * `system-ipv4-rfc1918` and contradicts its presence; a label resting on NAT agrees with the tag and
 * contradicts its absence; a `cgnat` label contradicts the host's own `no-nat` tag.
 *
 * @example
 * ```ts
 * corroborate(verdict, { id: 1, addressV4: verdict.address, asnV4: 3320, tags: ['system-ipv4-rfc1918'], at }).verdict; // 'agrees'
 * ```
 */
export function corroborate(v: TracerouteVerdict, probe: ProbeInfo | undefined): MetadataCheck {
  if (probe === undefined || v.label === 'unknown' || v.address === undefined || v.result.af !== 4) return { verdict: 'none', notes: [] };
  if (probe.addressV4 !== undefined && probe.addressV4 !== v.address) {
    return { verdict: 'none', notes: [`address_v4 ${probe.addressV4} ≠ from (metadata of another time)`] };
  }
  const agree: string[] = [];
  const contra: string[] = [];
  const rfc1918 = probe.tags.includes('system-ipv4-rfc1918');
  if (v.reason === 'probe-has-public-address')
    (rfc1918 ? contra : agree).push(rfc1918 ? 'tagged system-ipv4-rfc1918' : 'not tagged system-ipv4-rfc1918');
  else if (BEHIND_NAT.has(v.reason) && probe.tags.length > 0)
    (rfc1918 ? agree : contra).push(rfc1918 ? 'tagged system-ipv4-rfc1918' : 'not tagged system-ipv4-rfc1918');
  if (v.label === 'cgnat' && probe.tags.includes('no-nat')) contra.push('host tagged no-nat');
  if (contra.length > 0) return { verdict: 'contradicts', notes: [...contra, ...agree] };
  return { verdict: agree.length > 0 ? 'agrees' : 'none', notes: agree };
}

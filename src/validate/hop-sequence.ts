import type { TracerouteHop } from './atlas-result.ts';
import { classifyAddress, type AddressScope } from './ip-class.ts';

/**
 * What one hop of a traceroute shows: `self` (the probe's public address), an address scope, or `silent`.
 *
 * @example
 * ```ts
 * const c: HopClass = 'shared';
 * ```
 */
export type HopClass = 'silent' | 'self' | AddressScope;

/**
 * One hop, classified, with the address that decided its class.
 *
 * @example
 * ```ts
 * const h: ClassifiedHop = { hop: 2, cls: 'shared', address: '100.64.0.1' };
 * ```
 */
export interface ClassifiedHop {
  hop: number;
  cls: HopClass;
  /** The address that decided the class, for the detail text; `undefined` when silent. */
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
    // Several replies of one class (a load-balanced hop): keep a fixed one, the least in text order, so
    // a hop reads the same whatever order its replies arrived in.
    const kept = seen.get(cls);
    if (kept === undefined || c.canonical < kept) seen.set(cls, c.canonical);
  }
  for (const cls of PRECEDENCE) {
    if (seen.has(cls)) return { hop: hop.hop, cls, address: seen.get(cls) };
  }
  return { hop: hop.hop, cls: 'silent', address: undefined };
}

/**
 * Hops 1…max in order, each classified against the probe's public address `self`; a hop number absent
 * from the result counts as silent, and duplicate hop numbers (old firmware) keep the more outside class.
 *
 * @example
 * ```ts
 * hopSequence(result.hops, '81.2.69.160').map((h) => h.cls); // ['private', 'shared', 'public']
 * ```
 */
export function hopSequence(hops: readonly TracerouteHop[], self: string): ClassifiedHop[] {
  const byNumber = new Map<number, ClassifiedHop>();
  for (const h of hops) {
    const c = classifyHop(h, self);
    const prev = byNumber.get(h.hop);
    if (!prev || rank(c.cls) < rank(prev.cls)) byNumber.set(h.hop, c);
  }
  const max = hops.reduce((m, h) => Math.max(m, h.hop), 0);
  const out: ClassifiedHop[] = [];
  for (let n = 1; n <= max; n++) out.push(byNumber.get(n) ?? { hop: n, cls: 'silent', address: undefined });
  return out;
}

/**
 * A hop for detail texts: `hop 3 100.64.0.1`, or `hop 3 *` when silent.
 *
 * @example
 * ```ts
 * describeHop({ hop: 3, cls: 'silent', address: undefined }); // 'hop 3 *'
 * ```
 */
export function describeHop(h: ClassifiedHop): string {
  return h.cls === 'silent' ? `hop ${h.hop} *` : `hop ${h.hop} ${h.address}`;
}

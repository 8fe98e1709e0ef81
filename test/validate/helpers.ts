import { normaliseTraceroute, type TracerouteResult } from '../../src/validate/index.ts';

/** One hop for {@link tr}: an address (three replies from it), `*` (three timeouts), a list (load balancing), or `{ error }`. */
export type HopSpec = string | string[] | { error: string } | { from: string; err: string };

/** A raw Atlas traceroute record (the JSON the API returns) built from a compact hop list. */
export function rawTraceroute(o: {
  from?: string | undefined;
  src?: string | undefined;
  hops: (HopSpec | null)[];
  af?: 4 | 6;
  prb?: number;
  msm?: number;
}): Record<string, unknown> {
  const result = o.hops.flatMap((spec, i): Record<string, unknown>[] => {
    if (spec === null) return []; // hop number absent from the result
    const hop = i + 1;
    if (typeof spec === 'string') {
      return [
        {
          hop,
          result:
            spec === '*' ? [{ x: '*' }, { x: '*' }, { x: '*' }] : [1, 2, 3].map((n) => ({ from: spec, rtt: n, size: 28, ttl: 64 - hop })),
        },
      ];
    }
    if (Array.isArray(spec)) return [{ hop, result: spec.map((a) => (a === '*' ? { x: '*' } : { from: a, rtt: 1.5, size: 28, ttl: 60 })) }];
    if ('error' in spec) return [{ hop, error: spec.error }];
    return [{ hop, result: [{ from: spec.from, err: spec.err, rtt: 3, size: 28, ttl: 60 }] }];
  });
  const rec: Record<string, unknown> = {
    af: o.af ?? 4,
    dst_addr: o.af === 6 ? '2a00:1450:4001::1' : '91.198.174.225',
    fw: 5080,
    msm_id: o.msm ?? 5001,
    prb_id: o.prb ?? 1,
    proto: 'ICMP',
    timestamp: 1700000000,
    type: 'traceroute',
    result,
  };
  if (o.from !== undefined) rec.from = o.from;
  if (o.src !== undefined) rec.src_addr = o.src;
  return rec;
}

/** The same, normalised by the real parser (what the hop rules take). */
export function tr(o: Parameters<typeof rawTraceroute>[0]): TracerouteResult {
  const r = normaliseTraceroute(rawTraceroute(o), { file: 'crafted', index: 0 });
  if (typeof r === 'string') throw new Error(r);
  return r;
}

import type { MultiUserKind } from '../table/types.ts';

/**
 * One colour per kind, the same in every report (Tableau 10, distinguishable in print).
 *
 * @example
 * ```ts
 * const spec = { label: 'vpn', color: KIND_COLOURS.vpn, data: [3] };
 * ```
 */
export const KIND_COLOURS: Readonly<Record<MultiUserKind, string>> = {
  cgnat: '#1f77b4',
  enterprise: '#2ca02c',
  vpn: '#9467bd',
  relay: '#17becf',
  proxy: '#8c564b',
  tor: '#7f7f7f',
  unknown: '#bcbd22',
};

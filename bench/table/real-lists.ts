/**
 * The real lists of test/fixtures/lists/real/ (see its PROVENANCE.md), in the order a user would give
 * them to build-table (the earlier wins a prefix listed by several) and with the kind each is given.
 */
import type { MultiUserKind } from '../../src/table/index.ts';

export const REAL_LISTS_DIR = 'test/fixtures/lists/real';

export const REAL_LISTS: ReadonlyArray<{ file: string; kind: MultiUserKind }> = [
  { file: 'tor-exit-ips-secops_tor-exit-nodes.lst.gz', kind: 'tor' },
  { file: 'protonvpn-exit-nodes_ProtonVPNExitNodes.csv.gz', kind: 'vpn' },
  { file: 'apple-private-relay-merged_ipv4-ranges.txt.gz', kind: 'relay' },
  { file: 'apple-private-relay-merged_ipv6-ranges.txt.gz', kind: 'relay' },
  { file: 'x4bnet-lists-vpn_output_vpn_ipv4.txt.gz', kind: 'vpn' },
  { file: 'x4bnet-lists-vpn_output_vpn_ipv6.txt.gz', kind: 'vpn' },
  { file: 'tmobile-us-geofeed_tmus-geo-ip.txt.gz', kind: 'cgnat' },
  { file: 'google-vpn-geofeed-mit-projection_google-vpn-geofeed.csv.gz', kind: 'vpn' },
];

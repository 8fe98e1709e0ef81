/**
 * The simulator's small Internet: its networks (ASN, PeeringDB type, address ranges, time zone), daily
 * traffic profiles, and the files describing them that detection reads (ASN ranges, PeeringDB records).
 */

/**
 * One simulated network.
 *
 * @example
 * ```ts
 * const n: SimNetwork = { asn: 64600, name: 'Mobile carrier', infoType: 'Cable/DSL/ISP', ranges: [['37.120.0.0', '37.120.255.255']], utcOffset: 1 };
 * ```
 */
export interface SimNetwork {
  asn: number;
  name: string;
  /** PeeringDB `info_type`; `undefined` for networks without a record. */
  infoType: string | undefined;
  ranges: [string, string][];
  utcOffset: number;
}

/**
 * Every simulated network.
 *
 * @example
 * ```ts
 * NETWORKS.find((n) => n.asn === 64603)?.infoType; // 'Enterprise'
 * ```
 */
export const NETWORKS: readonly SimNetwork[] = [
  { asn: 64600, name: 'Mobile carrier', infoType: 'Cable/DSL/ISP', ranges: [['37.120.0.0', '37.120.255.255']], utcOffset: 1 },
  {
    asn: 64601,
    name: 'Broadband ISP',
    infoType: 'Cable/DSL/ISP',
    ranges: [
      ['81.20.0.0', '81.20.255.255'],
      ['2a01:4b00::', '2a01:4b00:ffff:ffff:ffff:ffff:ffff:ffff'],
    ],
    utcOffset: 1,
  },
  { asn: 64602, name: 'Regional ISP (no PeeringDB record)', infoType: undefined, ranges: [['92.40.0.0', '92.40.255.255']], utcOffset: 2 },
  {
    asn: 64603,
    name: 'Enterprise',
    infoType: 'Enterprise',
    ranges: [
      ['145.10.0.0', '145.10.255.255'],
      ['2a02:c00::', '2a02:c00:ffff:ffff:ffff:ffff:ffff:ffff'],
    ],
    utcOffset: 1,
  },
  { asn: 64604, name: 'Corporate (no PeeringDB record)', infoType: undefined, ranges: [['5.150.0.0', '5.150.255.255']], utcOffset: -5 },
  { asn: 64605, name: 'Hosting', infoType: 'Content', ranges: [['34.90.0.0', '34.90.255.255']], utcOffset: 0 },
  {
    asn: 64606,
    name: 'Relay operator',
    infoType: 'Content',
    ranges: [
      ['104.28.0.0', '104.28.255.255'],
      ['2a09:bac0::', '2a09:bac0:ffff:ffff:ffff:ffff:ffff:ffff'],
    ],
    utcOffset: 0,
  },
];

/** Relative traffic per local hour: homes, offices, machines. */
export const HOME_HOURS = [1, 0.5, 0.3, 0.2, 0.2, 0.3, 0.8, 1.5, 2, 2, 2, 2, 2.2, 2, 2, 2, 2.2, 2.5, 3, 3.5, 3.5, 3, 2.2, 1.5];
export const OFFICE_HOURS = [0, 0, 0, 0, 0, 0, 0, 0.3, 2, 3, 3, 2.5, 1.5, 2.5, 3, 3, 2.5, 1.5, 0.3, 0, 0, 0, 0, 0];
export const FLAT_HOURS = new Array<number>(24).fill(1);
/** Request paths of the simulated site. */
export const PATHS = ['/', '/products', '/cart', '/api/items', '/static/app.js', '/static/app.css', '/img/logo.png', '/search?q=x'];
/** The Tor Browser user agent. */
export const TOR_UA = 'Mozilla/5.0 (Windows NT 10.0; rv:128.0) Gecko/20100101 Firefox/128.0';
/** First simulated second. */
export const START = Date.UTC(2026, 10, 2) / 1000; // Monday

/**
 * The network of an ASN.
 *
 * @example
 * ```ts
 * networkOf(64601).utcOffset; // 1
 * ```
 */
export function networkOf(asn: number): SimNetwork {
  return NETWORKS.find((x) => x.asn === asn)!;
}

/**
 * The ASN ranges file (`start,end,asn,name`) and the PeeringDB `{ data: [net…] }` of the networks that have
 * a record (two deliberately have none).
 *
 * @example
 * ```ts
 * const { asnCsv, peeringDbJson } = networkFiles();
 * ```
 */
export function networkFiles(): { asnCsv: string; peeringDbJson: string } {
  const asnCsv = NETWORKS.flatMap((x) => x.ranges.map(([s, e]) => `${s},${e},${x.asn},${x.name}`)).join('\n') + '\n';
  const peeringDbJson = JSON.stringify(
    {
      data: NETWORKS.filter((x) => x.infoType !== undefined).map((x, i) => ({
        id: 90000 + i,
        asn: x.asn,
        name: x.name,
        info_type: x.infoType,
        info_types: [x.infoType],
        status: 'ok',
      })),
    },
    null,
    1,
  );
  return { asnCsv, peeringDbJson };
}

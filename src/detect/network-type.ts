import ipaddr from 'ipaddr.js';

/**
 * What kind of network an AS is, as far as shared addresses go.
 *
 * - `access`: broadband / mobile ISP (the only place `cgnat` can be inferred).
 * - `enterprise`: enterprise, education, government (egress shared by staff / students).
 * - `hosting`: content / cloud / hosting (never `cgnat`; only lists make its addresses multi-user).
 * - `transit`: NSPs, route servers and the like (no end users of their own).
 * - `unknown`: no evidence either way.
 *
 * @example
 * ```ts
 * const t: NetworkType = 'access';
 * ```
 */
export type NetworkType = 'access' | 'enterprise' | 'hosting' | 'transit' | 'unknown';

/**
 * Maps PeeringDB `info_type` (and the newer multi-valued `info_types`) to a {@link NetworkType}, or
 * `undefined` when the record says nothing usable (empty type, `Not Disclosed`, `Non-Profit`).
 * An AS listing `Cable/DSL/ISP` among several types is an access network (big incumbents are
 * `Cable/DSL/ISP|NSP`).
 *
 * @example
 * ```ts
 * peeringDbType(['NSP', 'Cable/DSL/ISP']); // 'access'
 * peeringDbType(['Content']); // 'hosting'
 * ```
 */
export function peeringDbType(types: readonly string[]): NetworkType | undefined {
  const t = new Set(types.map((s) => s.trim()).filter((s) => s.length > 0));
  if (t.has('Cable/DSL/ISP')) return 'access';
  if (t.has('Enterprise') || t.has('Educational/Research') || t.has('Government')) return 'enterprise';
  if (t.has('Content')) return 'hosting';
  if (t.has('NSP') || t.has('Network Services') || t.has('Route Server') || t.has('Route Collector')) {
    return 'transit';
  }
  return undefined;
}

/**
 * Reads PeeringDB `net` objects (`{ "data": [...] }` as the API returns them, or a bare array) into
 * ASN → type. Records without a usable type are left out, so the traffic rule decides for them.
 * Throws a `TypeError` naming `file` when the JSON has no `net` records.
 *
 * @example
 * ```ts
 * parsePeeringDb('{"data":[{"asn":64500,"info_type":"Cable/DSL/ISP"}]}', 'net.json').get(64500); // 'access'
 * ```
 */
export function parsePeeringDb(text: string, file: string): Map<number, NetworkType> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new TypeError(`${file}: not JSON (${(e as Error).message}); expected PeeringDB net objects`);
  }
  const data = Array.isArray(json) ? json : (json as { data?: unknown })?.data;
  if (!Array.isArray(data)) throw new TypeError(`${file}: expected { "data": [ net objects ] } as the PeeringDB API returns`);
  const out = new Map<number, NetworkType>();
  for (const rec of data as Record<string, unknown>[]) {
    const asn = rec?.asn;
    if (typeof asn !== 'number' || !Number.isInteger(asn) || asn <= 0) continue;
    const types: string[] = [];
    if (typeof rec.info_type === 'string') types.push(rec.info_type);
    if (Array.isArray(rec.info_types)) for (const s of rec.info_types) if (typeof s === 'string') types.push(s);
    const t = peeringDbType(types);
    if (t !== undefined) out.set(asn, t);
  }
  return out;
}

/**
 * Address → ASN from range rows `start,end,asn[,name]` (the `@ip-location-db/asn` CSV format; IPv4
 * and IPv6 rows may be mixed). Rows are added one at a time so the caller can stream the file.
 *
 * @example
 * ```ts
 * const r = new AsnRanges();
 * r.addLine('81.2.69.0,81.2.69.255,64500,Example');
 * r.finish();
 * r.lookup4(0x51024507); // 64500
 * ```
 */
export class AsnRanges {
  private starts4: number[] = [];
  private ends4: number[] = [];
  private asns4: number[] = [];
  private rows6: { start: bigint; end: bigint; asn: number }[] = [];
  private s4 = new Float64Array(0);
  private e4 = new Float64Array(0);
  private a4 = new Uint32Array(0);
  private s6: bigint[] = [];

  /** Rows accepted so far. */
  size = 0;

  /** Adds one row; returns an error reason (the caller adds file and line) or `undefined`. */
  addLine(line: string): string | undefined {
    const t = line.trim();
    if (t.length === 0 || t.startsWith('#')) return undefined;
    const parts = t.split(',', 3);
    if (parts.length < 3) return 'expected start,end,asn[,name]';
    const asn = Number(parts[2]);
    if (!Number.isInteger(asn) || asn <= 0 || asn >= 2 ** 32) return `bad asn "${parts[2]}"`;
    const [a, b] = [parts[0]!.trim(), parts[1]!.trim()];
    if (/^\d+$/.test(a) && /^\d+$/.test(b)) {
      // The "-num" variant of the package: integer bounds.
      const start = BigInt(a);
      const end = BigInt(b);
      if (end < start) return 'end before start';
      if (end < 2n ** 32n && a.length <= 10) this.push4(Number(start), Number(end), asn);
      else this.rows6.push({ start, end, asn });
      this.size++;
      return undefined;
    }
    let sa: ipaddr.IPv4 | ipaddr.IPv6;
    let sb: ipaddr.IPv4 | ipaddr.IPv6;
    try {
      sa = ipaddr.parse(a);
      sb = ipaddr.parse(b);
    } catch {
      return `bad address in "${a},${b}"`;
    }
    if (sa.kind() !== sb.kind()) return 'start and end of different families';
    const va = toBig(sa);
    const vb = toBig(sb);
    if (vb < va) return 'end before start';
    if (sa.kind() === 'ipv4') this.push4(Number(va), Number(vb), asn);
    else this.rows6.push({ start: va, end: vb, asn });
    this.size++;
    return undefined;
  }

  /** Sorts the rows; call once after the last {@link addLine}. */
  finish(): void {
    const idx = this.starts4.map((_, i) => i).sort((x, y) => this.starts4[x]! - this.starts4[y]!);
    this.s4 = Float64Array.from(idx, (i) => this.starts4[i]!);
    this.e4 = Float64Array.from(idx, (i) => this.ends4[i]!);
    this.a4 = Uint32Array.from(idx, (i) => this.asns4[i]!);
    this.starts4 = [];
    this.ends4 = [];
    this.asns4 = [];
    this.rows6.sort((x, y) => (x.start < y.start ? -1 : x.start > y.start ? 1 : 0));
    this.s6 = this.rows6.map((r) => r.start);
  }

  /** ASN of an IPv4 integer, or 0. */
  lookup4(ip: number): number {
    const s = this.s4;
    let lo = 0;
    let hi = s.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (s[mid]! <= ip) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found >= 0 && this.e4[found]! >= ip ? this.a4[found]! : 0;
  }

  /** ASN of an IPv6 /64 key (its first address), or 0. */
  lookup6(unit: string): number {
    let v = 0n;
    for (const h of unit.split(':')) v = (v << 16n) | BigInt(Number.parseInt(h, 16));
    v <<= 64n;
    const s = this.s6;
    let lo = 0;
    let hi = s.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (s[mid]! <= v) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found >= 0 && this.rows6[found]!.end >= v ? this.rows6[found]!.asn : 0;
  }

  private push4(start: number, end: number, asn: number): void {
    this.starts4.push(start);
    this.ends4.push(end);
    this.asns4.push(asn);
  }
}

function toBig(a: ipaddr.IPv4 | ipaddr.IPv6): bigint {
  let v = 0n;
  for (const b of a.toByteArray()) v = (v << 8n) | BigInt(b);
  return v;
}

/**
 * Traffic profile of one network (an AS, or an IPv4 /16 / IPv6 /32 when no ASN is known), the input
 * of {@link inferNetworkType}.
 *
 * @example
 * ```ts
 * const p: NetworkProfile = { addresses: 40, requests: 900, browserRequests: 800, weekendBrowserRequests: 230, medianBrowsersPerDay: 1.5, sawWeekend: true };
 * ```
 */
export interface NetworkProfile {
  /** Units (IPv4 addresses, IPv6 /64s) with at least one browser request. */
  addresses: number;
  requests: number;
  browserRequests: number;
  /** Browser requests on Saturdays and Sundays (UTC). */
  weekendBrowserRequests: number;
  /** Median over those units of distinct browser user agents per active day. */
  medianBrowsersPerDay: number;
  /** The log covers at least one weekend day and one weekday. */
  sawWeekend: boolean;
}

/**
 * Thresholds of the traffic rule; see docs/detection.md.
 *
 * @example
 * ```ts
 * const t: InferenceThresholds = { minAccessAddresses: 8, maxAccessMedianBrowsers: 3, maxEnterpriseWeekendShare: 0.1, maxHostingBrowserShare: 0.2 };
 * ```
 */
export interface InferenceThresholds {
  minAccessAddresses: number;
  maxAccessMedianBrowsers: number;
  maxEnterpriseWeekendShare: number;
  maxHostingBrowserShare: number;
}

/**
 * The AS-type rule for networks PeeringDB does not describe, in order:
 * 1. mostly non-browser traffic (browser share of requests ≤ `maxHostingBrowserShare`) → `hosting`;
 * 2. browser traffic almost absent at weekends (share ≤ `maxEnterpriseWeekendShare`, against 2/7 for a
 *    flat week; needs a log covering both) → `enterprise`;
 * 3. many units (≥ `minAccessAddresses`) with few browsers each (median ≤ `maxAccessMedianBrowsers`
 *    per day) — the shape of households and phones → `access`;
 * 4. otherwise `unknown` (nothing is listed from it but list entries).
 *
 * @example
 * ```ts
 * inferNetworkType({ addresses: 40, requests: 900, browserRequests: 800, weekendBrowserRequests: 230, medianBrowsersPerDay: 1.5, sawWeekend: true },
 *   { minAccessAddresses: 8, maxAccessMedianBrowsers: 3, maxEnterpriseWeekendShare: 0.1, maxHostingBrowserShare: 0.2 }); // 'access'
 * ```
 */
export function inferNetworkType(p: NetworkProfile, t: InferenceThresholds): NetworkType {
  if (p.requests === 0) return 'unknown';
  if (p.browserRequests / p.requests <= t.maxHostingBrowserShare) return 'hosting';
  if (p.sawWeekend && p.browserRequests >= 100 && p.weekendBrowserRequests / p.browserRequests <= t.maxEnterpriseWeekendShare) {
    return 'enterprise';
  }
  if (p.addresses >= t.minAccessAddresses && p.medianBrowsersPerDay <= t.maxAccessMedianBrowsers) return 'access';
  return 'unknown';
}

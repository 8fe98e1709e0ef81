import type { MultiUserKind } from '../../table/types.ts';
import { formatIPv4 } from '../address.ts';
import { Random, WeightedSampler } from './random.ts';

/**
 * Seeded traffic simulator: Cloudflare Logpush `http_requests` NDJSON from a small synthetic Internet
 * (households behind home NAT, mobile and broadband carrier NAT pools with port blocks, enterprise
 * egress with office hours, VPN exits, a privacy relay, Tor exits, crawlers, stealth bots and
 * attackers rotating user agents and ports from hosting and residential addresses), with the ground
 * truth for every address. Pure: lines go to a callback; the user agents are passed in.
 */

/**
 * Real user agents the simulator draws from (see test/fixtures/detect-user-agents/).
 *
 * @example
 * ```ts
 * const agents: SimulatorUserAgents = { browsers: [{ ua: 'Mozilla/5.0 …', weight: 0.2 }], rotation: ['…'], crawlers: ['Googlebot/2.1'] };
 * ```
 */
export interface SimulatorUserAgents {
  /** Real browsers with their traffic share (people pick by weight). */
  browsers: readonly { ua: string; weight: number }[];
  /** A wide list of browser strings, old and new, that rotating attackers cycle through. */
  rotation: readonly string[];
  /** Crawler / tool user agents. */
  crawlers: readonly string[];
}

/**
 * Simulator settings; all optional.
 *
 * @example
 * ```ts
 * const o: SimulateOptions = { seed: 7, days: 7, scale: 1 };
 * ```
 */
export interface SimulateOptions {
  /** PRNG seed. Default 1. */
  seed?: number;
  /** Days simulated, starting Monday 2026-11-02 UTC. Default 7. */
  days?: number;
  /** Multiplies the number of households, pool addresses and other sources. Default 1. */
  scale?: number;
  /** Multiplies requests per session (more lines from the same addresses). Default 1. */
  intensity?: number;
  /** `EdgeStartTimestamp` output format of the Logpush job. Default `rfc3339`. */
  timestampFormat?: 'rfc3339' | 'unix' | 'unixnano';
  /** Write `ClientASN` in each line (else only the ASN ranges file tells). Default true. */
  clientAsn?: boolean;
  /** Share of lines replaced by garbage (truncated JSON). Default 0.0005. */
  malformedRate?: number;
  /**
   * Which population: `default` (the one the detector's defaults were tuned on: addresses of one pool carry
   * similar loads) or `uneven` (each carrier-NAT pool address carries its own load, 40 to 900 people a day,
   * and enterprise gateways 100 to 1,900 staff). Default `default`.
   */
  population?: 'default' | 'uneven';
}

/**
 * The role a simulated unit plays.
 *
 * @example
 * ```ts
 * const r: SimRole = 'cgnat-mobile';
 * ```
 */
export type SimRole =
  | 'household'
  | 'cgnat-mobile'
  | 'cgnat-broadband'
  | 'enterprise'
  | 'vpn'
  | 'relay'
  | 'tor'
  | 'crawler'
  | 'stealth-bot'
  | 'attacker-hosting'
  | 'attacker-residential';

/**
 * Ground truth for one unit (IPv4 address or IPv6 /64).
 *
 * @example
 * ```ts
 * const t: TruthUnit = { unit: '37.120.10.1', family: 4, role: 'cgnat-mobile', multiUser: true, kind: 'cgnat', users: 84, asn: 64600 };
 * ```
 */
export interface TruthUnit {
  /** IPv4 address, or an IPv6 /64 as CIDR text. */
  unit: string;
  family: 4 | 6;
  role: SimRole;
  multiUser: boolean;
  kind?: MultiUserKind;
  /** Mean distinct people (devices) per day with traffic from the unit; 0 for bots and attackers. */
  users: number;
  asn: number;
}

/**
 * What {@link simulate} returns besides the lines.
 *
 * @example
 * ```ts
 * const { truth, asnCsv, peeringDbJson, lists } = simulate(agents, { seed: 1 }, (line) => out.push(line));
 * ```
 */
export interface SimulationOutput {
  truth: TruthUnit[];
  /** `start,end,asn,name` ranges of every simulated network. */
  asnCsv: string;
  /** PeeringDB `{ data: [net…] }` for the networks that have a record (two deliberately have none). */
  peeringDbJson: string;
  /** Known lists as the operators publish them: `--list kind:file` inputs. */
  lists: { kind: MultiUserKind; name: string; text: string }[];
  lines: number;
  malformed: number;
}

interface Network {
  asn: number;
  name: string;
  infoType: string | undefined;
  ranges: [string, string][];
  utcOffset: number;
}

const NETWORKS: Network[] = [
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

const HOME_HOURS = [1, 0.5, 0.3, 0.2, 0.2, 0.3, 0.8, 1.5, 2, 2, 2, 2, 2.2, 2, 2, 2, 2.2, 2.5, 3, 3.5, 3.5, 3, 2.2, 1.5];
const OFFICE_HOURS = [0, 0, 0, 0, 0, 0, 0, 0.3, 2, 3, 3, 2.5, 1.5, 2.5, 3, 3, 2.5, 1.5, 0.3, 0, 0, 0, 0, 0];
const FLAT_HOURS = new Array<number>(24).fill(1);
const PATHS = ['/', '/products', '/cart', '/api/items', '/static/app.js', '/static/app.css', '/img/logo.png', '/search?q=x'];
const TOR_UA = 'Mozilla/5.0 (Windows NT 10.0; rv:128.0) Gecko/20100101 Firefox/128.0';
const START = Date.UTC(2026, 10, 2) / 1000; // Monday

interface Device {
  ua: string;
  portLo: number;
  portHi: number;
}

/**
 * Runs the simulation, calling `emit` once per NDJSON line (no trailing newline).
 *
 * @example
 * ```ts
 * const lines: string[] = [];
 * const out = simulate(agents, { seed: 1, days: 3 }, (l) => lines.push(l));
 * out.truth.filter((t) => t.multiUser).length > 0; // true
 * ```
 */
export function simulate(agents: SimulatorUserAgents, options: SimulateOptions, emit: (line: string) => void): SimulationOutput {
  const seed = options.seed ?? 1;
  const days = options.days ?? 7;
  const scale = options.scale ?? 1;
  const intensity = options.intensity ?? 1;
  const tsFormat = options.timestampFormat ?? 'rfc3339';
  const withAsn = options.clientAsn ?? true;
  const malformedRate = options.malformedRate ?? 0.0005;
  const population = options.population ?? 'default';
  if (population !== 'default' && population !== 'uneven') throw new TypeError(`simulate: population must be 'default' or 'uneven', got ${String(population)}`);
  for (const [name, v] of [['days', days], ['scale', scale], ['intensity', intensity]] as const) {
    if (!(Number.isFinite(v) && v > 0)) throw new TypeError(`simulate: ${name} must be a positive number, got ${v}`);
  }
  const rng = new Random(seed);
  const people = new WeightedSampler(
    agents.browsers.map((b) => b.ua),
    agents.browsers.map((b) => b.weight),
  );
  const truth = new Map<string, TruthUnit & { dayUsers: number[] }>();
  let lines = 0;
  let malformed = 0;
  const n = (x: number) => Math.max(1, Math.round(x * scale));

  const fmtTime = (t: number): string | number => {
    if (tsFormat === 'unix') return Math.floor(t);
    if (tsFormat === 'unixnano') return Math.floor(t) * 1e9 + Math.floor((t % 1) * 1e3) * 1e6;
    return new Date(Math.floor(t * 1000)).toISOString().replace('.000Z', 'Z');
  };
  const request = (ip: string, port: number, ua: string, t: number, asn: number, botScore: number, verified = ''): void => {
    lines++;
    if (rng.chance(malformedRate)) {
      malformed++;
      emit(`{"ClientIP":"${ip}","ClientSrcPort":${port},"ClientRequestUserAgent":"${ua.slice(0, 12)}`);
      return;
    }
    emit(
      `{"ClientIP":"${ip}","ClientSrcPort":${port},"ClientRequestHost":"shop.example","ClientRequestMethod":"GET",` +
        `"ClientRequestPath":"${rng.pick(PATHS)}","ClientRequestUserAgent":${JSON.stringify(ua)},"EdgeResponseStatus":200,` +
        `"EdgeStartTimestamp":${JSON.stringify(fmtTime(t))},${withAsn ? `"ClientASN":${asn},` : ''}"BotScore":${botScore},"VerifiedBotCategory":"${verified}"}`,
    );
  };
  const hourSamplers = new Map<number[], WeightedSampler<number>>();
  const hourOf = (weights: number[]): number => {
    let s = hourSamplers.get(weights);
    if (s === undefined) hourSamplers.set(weights, (s = new WeightedSampler([...weights.keys()], weights)));
    return s.sample(rng);
  };
  const timeAt = (day: number, hours: number[], utcOffset: number): number =>
    START + day * 86_400 + ((hourOf(hours) - utcOffset + 24) % 24) * 3600 + rng.next() * 3600;
  const device = (ua: string): Device => {
    // Home NAT usually preserves the client's port, so ports stay in the OS's ephemeral range.
    const linuxLike = /Android|Linux|CrOS/.test(ua);
    return linuxLike ? { ua, portLo: 32768, portHi: 60999 } : { ua, portLo: 49152, portHi: 65535 };
  };
  /** One browsing session: a few connections, several requests each. */
  const session = (ip: string, d: Device, t0: number, asn: number, portLo = d.portLo, portHi = d.portHi): void => {
    const requests = Math.max(1, Math.round(rng.geometric(6) * intensity));
    let port = rng.int(portLo, portHi);
    for (let i = 0; i < requests; i++) {
      if (i > 0 && rng.chance(0.3)) port = port + 1 > portHi ? portLo : port + 1;
      request(ip, port, d.ua, t0 + i * rng.int(1, 40), asn, rng.int(30, 99));
    }
  };
  const record = (unit: string, family: 4 | 6, role: SimRole, asn: number, kind?: MultiUserKind) => {
    const t = { unit, family, role, multiUser: kind !== undefined, users: 0, asn, dayUsers: new Array<number>(days).fill(0) };
    if (kind !== undefined) (t as TruthUnit).kind = kind;
    truth.set(unit, t);
    return t;
  };
  const used = new Set<string>();
  const freeIPv4 = (base: string, span: number): string => {
    const [a, b, c] = base.split('.').map(Number) as [number, number, number];
    for (;;) {
      const v = ((a << 24) | (b << 16) | (c << 8)) >>> 0;
      const ip = formatIPv4(v + rng.int(1, span * 256 - 2));
      if (!ip.endsWith('.0') && !ip.endsWith('.255') && !used.has(ip)) {
        used.add(ip);
        return ip;
      }
    }
  };
  const net = (asn: number) => NETWORKS.find((x) => x.asn === asn)!;

  // Households behind home NAT (IPv4) and with their own /64 (IPv6, privacy addresses rotating daily).
  const households: { ip: string; asn: number; devices: Device[]; v6?: string }[] = [];
  for (let i = 0; i < n(300); i++) households.push({ ip: freeIPv4('81.20.0.0', 8), asn: 64601, devices: householdDevices() });
  for (let i = 0; i < n(120); i++) households.push({ ip: freeIPv4('92.40.0.0', 4), asn: 64602, devices: householdDevices() });
  for (let i = 0; i < n(20); i++) households.push({ ip: freeIPv4('81.20.15.0', 1), asn: 64601, devices: householdDevices() });
  for (let i = 0; i < n(80); i++) {
    const h = { ip: '', asn: 64601, devices: householdDevices(), v6: `2a01:4b00:${(i + 1).toString(16)}:${rng.int(0, 0xffff).toString(16)}` };
    households.push(h);
  }
  function householdDevices(): Device[] {
    // Mostly 1–5 devices; one household in twenty is large (6–10 devices: busy, but not a crowd).
    const k = rng.chance(0.05) ? rng.int(6, 10) : rng.pick([1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 5]);
    return Array.from({ length: k }, () => device(people.sample(rng)));
  }

  // Carrier NAT pools: subscribers share an address, each with a port block (RFC 7422 style).
  interface Pool {
    ips: string[];
    asn: number;
    role: SimRole;
    blockSize: number;
    subscribers: () => number;
    dailyActive: number;
    householdSubscribers: boolean;
  }
  // A carrier balances subscribers across a pool's addresses, so addresses of one pool carry similar
  // loads (±25 %); pools differ by an order of magnitude.
  const poolSize = (lo: number, hi: number) => {
    const base = rng.logUniform(lo, hi);
    return () => Math.round(base * (0.8 + 0.45 * rng.next()));
  };
  // The uneven population: every address draws its own load, log-uniform over 40–900 people a day
  // (subscribers = people / people a day per subscriber: 0.08 for phones, about 1 for households).
  const perAddress = (peoplePerSubscriber: number) => () => Math.max(1, Math.round(rng.logUniform(40, 900) / peoplePerSubscriber));
  const pools: Pool[] = population === 'uneven' ? [
    { ips: seq('37.120.10.', 1, n(24)), asn: 64600, role: 'cgnat-mobile', blockSize: 64, subscribers: perAddress(0.08), dailyActive: 0.08, householdSubscribers: false },
    { ips: seq('37.120.11.', 1, n(16)), asn: 64600, role: 'cgnat-mobile', blockSize: 64, subscribers: perAddress(0.08), dailyActive: 0.08, householdSubscribers: false },
    { ips: seq('81.20.15.', 200, Math.min(50, n(12))), asn: 64601, role: 'cgnat-broadband', blockSize: 512, subscribers: perAddress(1), dailyActive: 0.5, householdSubscribers: true },
    { ips: seq('92.40.8.', 1, n(20)), asn: 64602, role: 'cgnat-broadband', blockSize: 512, subscribers: perAddress(1), dailyActive: 0.5, householdSubscribers: true },
  ] : [
    { ips: seq('37.120.10.', 1, n(24)), asn: 64600, role: 'cgnat-mobile', blockSize: 64, subscribers: poolSize(200, 2000), dailyActive: 0.08, householdSubscribers: false },
    { ips: seq('37.120.11.', 1, n(16)), asn: 64600, role: 'cgnat-mobile', blockSize: 64, subscribers: poolSize(200, 2000), dailyActive: 0.08, householdSubscribers: false },
    // A quiet pool: few of its subscribers visit this site each day (the detection boundary).
    { ips: seq('37.120.12.', 1, n(8)), asn: 64600, role: 'cgnat-mobile', blockSize: 64, subscribers: poolSize(60, 150), dailyActive: 0.08, householdSubscribers: false },
    { ips: seq('81.20.15.', 200, Math.min(50, n(12))), asn: 64601, role: 'cgnat-broadband', blockSize: 512, subscribers: poolSize(40, 120), dailyActive: 0.5, householdSubscribers: true },
    { ips: seq('92.40.8.', 1, n(20)), asn: 64602, role: 'cgnat-broadband', blockSize: 512, subscribers: poolSize(30, 100), dailyActive: 0.5, householdSubscribers: true },
  ];
  function seq(prefix: string, from: number, count: number): string[] {
    return Array.from({ length: count }, (_, i) => `${prefix}${from + i}`);
  }

  const enterprises = [
    ...seq('145.10.1.', 1, n(3)).map((ip) => ({ ip, asn: 64603, family: 4 as const })),
    { ip: '2a02:c00:1:1::', asn: 64603, family: 6 as const },
    ...seq('5.150.2.', 10, n(2)).map((ip) => ({ ip, asn: 64604, family: 4 as const })),
  ];

  const vpnExits = seq('34.90.2.', 1, n(6));
  const torExits = seq('34.90.3.', 1, 2);
  const relayV4 = seq('104.28.50.', 1, 8);
  const relayV6 = ['2a09:bac0:1000:10::', '2a09:bac0:1000:11::'];
  const crawlers = seq('34.90.0.', 10, n(10));
  const stealth = seq('34.90.0.', 30, n(5));

  // Register truth (and fix per-unit populations) before generating days.
  for (const h of households) {
    if (h.v6 !== undefined) record(`${h.v6}::/64`.replace(':::', '::'), 6, 'household', h.asn);
    else record(h.ip, 4, 'household', h.asn);
  }
  const poolState = pools.flatMap((p) =>
    p.ips.map((ip) => {
      record(ip, 4, p.role, p.asn, 'cgnat');
      const subs = p.subscribers();
      return {
        ip,
        p,
        subs: Array.from({ length: subs }, (_, i) => ({
          devices: p.householdSubscribers ? householdDevices() : [device(people.sample(rng))],
          block: 1024 + ((i * p.blockSize) % (65536 - 1024 - p.blockSize)),
        })),
      };
    }),
  );
  const entState = enterprises.map((e) => {
    const unit = e.family === 6 ? `${e.ip}/64` : e.ip;
    record(unit, e.family, 'enterprise', e.asn, 'enterprise');
    const staff = population === 'uneven' ? rng.logUniform(100, 1900) : rng.logUniform(40, 300);
    return { ...e, unit, staff: Array.from({ length: Math.round(staff) }, () => device(people.sample(rng))) };
  });
  const vpnState = vpnExits.map((ip) => (record(ip, 4, 'vpn', 64605, 'vpn'), { ip, unit: ip, perDay: rng.int(20, 150), asn: 64605 }));
  const relayState = [
    ...relayV4.map((ip) => (record(ip, 4, 'relay', 64606, 'relay'), { ip, unit: ip, perDay: rng.int(30, 150), asn: 64606 })),
    ...relayV6.map((p) => (record(`${p}/64`, 6, 'relay', 64606, 'relay'), { ip: p, unit: `${p}/64`, perDay: rng.int(30, 150), asn: 64606 })),
  ];
  const torState = torExits.map((ip) => (record(ip, 4, 'tor', 64605, 'tor'), { ip, unit: ip, perDay: rng.int(20, 60) }));
  for (const ip of crawlers) record(ip, 4, 'crawler', 64605);
  for (const ip of stealth) record(ip, 4, 'stealth-bot', 64605);
  const attackers: { ip: string; asn: number; style: 'uniform' | 'crowd'; days: number; role: SimRole }[] = [
    { ip: '34.90.1.5', asn: 64605, style: 'uniform', days: 5, role: 'attacker-hosting' },
    { ip: '34.90.1.6', asn: 64605, style: 'crowd', days: 7, role: 'attacker-hosting' },
    { ip: '81.20.9.7', asn: 64601, style: 'uniform', days: 6, role: 'attacker-residential' },
    { ip: '81.20.10.9', asn: 64601, style: 'crowd', days: 7, role: 'attacker-residential' },
    { ip: '81.20.11.9', asn: 64601, style: 'crowd', days: 7, role: 'attacker-residential' },
    { ip: '92.40.3.33', asn: 64602, style: 'crowd', days: 7, role: 'attacker-residential' },
  ];
  for (const a of attackers) record(a.ip, 4, a.role, a.asn);

  const randomIid = () => Array.from({ length: 4 }, () => rng.int(0, 0xffff).toString(16)).join(':');

  for (let day = 0; day < days; day++) {
    const weekday = (day % 7) + 1; // day 0 is a Monday
    const weekend = weekday >= 6;
    for (const h of households) {
      const offset = net(h.asn).utcOffset;
      const ip = h.v6 !== undefined ? `${h.v6}:${randomIid()}` : h.ip;
      const unit = h.v6 !== undefined ? `${h.v6}::/64`.replace(':::', '::') : h.ip;
      let active = 0;
      for (const d of h.devices) {
        if (!rng.chance(0.7)) continue;
        active++;
        for (let s = rng.int(1, 3); s > 0; s--) session(ip, d, timeAt(day, HOME_HOURS, offset), h.asn);
      }
      truth.get(unit)!.dayUsers[day] = active;
    }
    for (const ps of poolState) {
      const offset = net(ps.p.asn).utcOffset;
      let active = 0;
      for (const sub of ps.subs) {
        if (!rng.chance(ps.p.dailyActive)) continue;
        for (const d of sub.devices) {
          if (ps.p.householdSubscribers && !rng.chance(0.7)) continue;
          active++;
          for (let s = rng.int(1, 2); s > 0; s--) session(ps.ip, d, timeAt(day, HOME_HOURS, offset), ps.p.asn, sub.block, sub.block + ps.p.blockSize - 1);
        }
      }
      truth.get(ps.ip)!.dayUsers[day] = active;
    }
    for (const e of entState) {
      const offset = net(e.asn).utcOffset;
      let active = 0;
      for (const d of e.staff) {
        if (!rng.chance(weekend ? 0.02 : 0.85)) continue;
        active++;
        // IPv6 staff keep their own privacy address inside the egress /64.
        const ip = e.family === 6 ? `${e.ip.slice(0, -1)}${randomIid()}` : e.ip;
        for (let s = rng.int(2, 5); s > 0; s--) session(ip, d, timeAt(day, OFFICE_HOURS, offset), e.asn, 1024, 65535);
      }
      truth.get(e.unit)!.dayUsers[day] = active;
    }
    for (const v of [...vpnState, ...relayState]) {
      const users = Math.max(1, Math.round(v.perDay * (0.8 + 0.4 * rng.next())));
      for (let u = 0; u < users; u++) {
        const d = device(people.sample(rng));
        const ip = v.ip.endsWith('::') ? `${v.ip}${randomIid()}`.replace('::', ':') : v.ip;
        for (let s = rng.int(1, 2); s > 0; s--) session(ip, d, timeAt(day, FLAT_HOURS, 0), v.asn, 1024, 65535);
      }
      truth.get(v.unit)!.dayUsers[day] = users;
    }
    for (const t of torState) {
      const users = Math.max(1, Math.round(t.perDay * (0.8 + 0.4 * rng.next())));
      for (let u = 0; u < users; u++) session(t.ip, { ua: TOR_UA, portLo: 1024, portHi: 65535 }, timeAt(day, FLAT_HOURS, 0), 64605);
      truth.get(t.unit)!.dayUsers[day] = users;
    }
    for (const [i, ip] of crawlers.entries()) {
      const ua = agents.crawlers[(i * 37) % agents.crawlers.length]!;
      const verified = i % 2 === 0 ? 'Search Engine Crawler' : '';
      for (let r = Math.round(rng.int(300, 1500) * intensity); r > 0; r--) {
        request(ip, rng.int(32768, 60999), ua, timeAt(day, FLAT_HOURS, 0), 64605, rng.int(1, 2), verified);
      }
    }
    for (const ip of stealth) {
      for (let r = Math.round(rng.int(200, 800) * intensity); r > 0; r--) {
        request(ip, rng.int(1024, 65535), people.sample(rng), timeAt(day, FLAT_HOURS, 0), 64605, rng.int(2, 15));
      }
    }
    for (const a of attackers) {
      if (day >= a.days) continue;
      if (a.style === 'uniform') {
        // Naive rotation: a new user agent and port on every request, human-looking bot score.
        for (let r = Math.round(rng.int(1200, 2500) * intensity); r > 0; r--) {
          request(a.ip, rng.int(1024, 65535), rng.pick(agents.rotation), timeAt(day, FLAT_HOURS, 0), a.asn, rng.int(35, 90));
        }
      } else {
        // Crowd emulation: popularity-weighted user agents, browsing-like sessions, ports spread wide.
        const fake = rng.int(80, 140);
        for (let u = 0; u < fake; u++) {
          session(a.ip, device(people.sample(rng)), timeAt(day, HOME_HOURS, 1), a.asn, 1024, 65535);
        }
      }
    }
  }

  const truthOut: TruthUnit[] = [];
  for (const t of truth.values()) {
    const activeDays = t.dayUsers.filter((x) => x > 0);
    const users = activeDays.length === 0 ? 0 : activeDays.reduce((a, b) => a + b, 0) / activeDays.length;
    const { dayUsers: _dayUsers, ...rest } = t;
    truthOut.push({ ...rest, users: Math.round(users * 10) / 10 });
  }

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
  const lists: SimulationOutput['lists'] = [
    { kind: 'vpn', name: 'vpn-exits.txt', text: `# VPN exit addresses\n${vpnExits.join('\n')}\n` },
    { kind: 'tor', name: 'tor-exits.txt', text: `${torExits.join('\n')}\n` },
    {
      kind: 'relay',
      name: 'relay-egress.csv',
      text: `104.28.50.0/28,US,US-CA,Los Angeles,\n${relayV6.map((p) => `${p}/64,US,US-NY,New York,`).join('\n')}\n`,
    },
  ];
  return { truth: truthOut, asnCsv, peeringDbJson, lists, lines, malformed };
}

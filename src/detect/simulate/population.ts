import type { MultiUserKind } from '../../table/types.ts';
import { formatIPv4 } from '../address.ts';
import type { Random, WeightedSampler } from './random.ts';
import type { SimRole, TruthUnit } from './simulate.ts';
import type { Device, Traffic } from './traffic.ts';

/**
 * A unit's ground truth while the days run: people seen on each day.
 *
 * @example
 * ```ts
 * population.truth.get('37.120.10.1')!.dayUsers[0] = 84;
 * ```
 */
export type TruthRecord = TruthUnit & { dayUsers: number[] };

/**
 * Everything {@link buildPopulation} needs.
 *
 * @example
 * ```ts
 * buildPopulation({ rng, people, traffic, days: 7, scale: 1, population: 'uneven' });
 * ```
 */
export interface PopulationSettings {
  rng: Random;
  people: WeightedSampler<string>;
  traffic: Traffic;
  days: number;
  scale: number;
  population: 'default' | 'uneven';
}

/**
 * One simulated carrier-NAT pool: its addresses, AS, role, port-block size and how many subscribers each
 * address carries (drawn per call: the uneven population draws per address).
 *
 * @example
 * ```ts
 * const pool: Pool = { ips: ['100.0.0.1'], asn: 64610, role: 'cgnat-mobile', blockSize: 512, subscribers: () => 200, dailyActive: 0.6, householdSubscribers: true };
 * ```
 */
export interface Pool {
  ips: string[];
  asn: number;
  role: SimRole;
  blockSize: number;
  subscribers: () => number;
  dailyActive: number;
  householdSubscribers: boolean;
}

/**
 * Builds the simulated population (households, carrier-NAT pools, enterprises, VPN, relay and Tor exits,
 * crawlers, stealth bots, attackers) and registers the ground truth of every unit; the days are run by
 * {@link simulateDay}.
 *
 * @example
 * ```ts
 * const pop = buildPopulation(settings);
 * pop.truth.size; // units simulated
 * ```
 */
export function buildPopulation(settings: PopulationSettings) {
  const { rng, people, days, scale, population } = settings;
  const { device } = settings.traffic;
  const truth = new Map<string, TruthRecord>();
  const n = (x: number) => Math.max(1, Math.round(x * scale));
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

  // Households behind home NAT (IPv4) and with their own /64 (IPv6, privacy addresses rotating daily).
  const households: { ip: string; asn: number; devices: Device[]; v6?: string }[] = [];
  for (let i = 0; i < n(300); i++) households.push({ ip: freeIPv4('81.20.0.0', 8), asn: 64601, devices: householdDevices() });
  for (let i = 0; i < n(120); i++) households.push({ ip: freeIPv4('92.40.0.0', 4), asn: 64602, devices: householdDevices() });
  for (let i = 0; i < n(20); i++) households.push({ ip: freeIPv4('81.20.15.0', 1), asn: 64601, devices: householdDevices() });
  for (let i = 0; i < n(80); i++) {
    const h = {
      ip: '',
      asn: 64601,
      devices: householdDevices(),
      v6: `2a01:4b00:${(i + 1).toString(16)}:${rng.int(0, 0xffff).toString(16)}`,
    };
    households.push(h);
  }
  function householdDevices(): Device[] {
    // Mostly 1–5 devices; one household in twenty is large (6–10 devices: busy, but not a crowd).
    const k = rng.chance(0.05) ? rng.int(6, 10) : rng.pick([1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 5]);
    return Array.from({ length: k }, () => device(people.sample(rng)));
  }

  // Carrier NAT pools: subscribers share an address, each with a port block (RFC 7422 style).
  // A carrier balances subscribers across a pool's addresses, so addresses of one pool carry similar
  // loads (±25 %); pools differ by an order of magnitude.
  const poolSize = (lo: number, hi: number) => {
    const base = rng.logUniform(lo, hi);
    return () => Math.round(base * (0.8 + 0.45 * rng.next()));
  };
  // The uneven population: every address draws its own load, log-uniform over 40–900 people a day
  // (subscribers = people / people a day per subscriber: 0.08 for phones, about 1 for households).
  const perAddress = (peoplePerSubscriber: number) => () => Math.max(1, Math.round(rng.logUniform(40, 900) / peoplePerSubscriber));
  // One list for both populations; only the subscriber draw differs. Pools are built in order, so the
  // default population's draws (`poolSize` draws its base at once) come in the same order as ever.
  const uneven = population === 'uneven';
  const pool = (ips: string[], asn: number, role: Pool['role'], even: [lo: number, hi: number], household: boolean): Pool => ({
    ips,
    asn,
    role,
    blockSize: household ? 512 : 64,
    subscribers: uneven ? perAddress(household ? 1 : 0.08) : poolSize(...even),
    dailyActive: household ? 0.5 : 0.08,
    householdSubscribers: household,
  });
  const pools: Pool[] = [
    pool(seq('37.120.10.', 1, n(24)), 64600, 'cgnat-mobile', [200, 2000], false),
    pool(seq('37.120.11.', 1, n(16)), 64600, 'cgnat-mobile', [200, 2000], false),
    // A quiet pool: few of its subscribers visit this site each day (the detection boundary). The uneven
    // population has none: there every address draws its own load.
    ...(uneven ? [] : [pool(seq('37.120.12.', 1, n(8)), 64600, 'cgnat-mobile', [60, 150], false)]),
    pool(seq('81.20.15.', 200, Math.min(50, n(12))), 64601, 'cgnat-broadband', [40, 120], true),
    pool(seq('92.40.8.', 1, n(20)), 64602, 'cgnat-broadband', [30, 100], true),
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
    ...relayV6.map(
      (p) => (record(`${p}/64`, 6, 'relay', 64606, 'relay'), { ip: p, unit: `${p}/64`, perDay: rng.int(30, 150), asn: 64606 }),
    ),
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
  return {
    truth,
    households,
    poolState,
    entState,
    vpnState,
    relayState,
    torState,
    crawlers,
    stealth,
    attackers,
    randomIid,
    vpnExits,
    torExits,
    relayV6,
  };
}

/**
 * What {@link buildPopulation} returns.
 *
 * @example
 * ```ts
 * const p: Population = buildPopulation(settings);
 * ```
 */
export type Population = ReturnType<typeof buildPopulation>;

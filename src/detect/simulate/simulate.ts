import type { MultiUserKind } from '../../table/types.ts';
import { simulateDay } from './days.ts';
import { networkFiles } from './networks.ts';
import { buildPopulation } from './population.ts';
import { Random, WeightedSampler } from './random.ts';
import { createTraffic } from './traffic.ts';

/**
 * Seeded traffic simulator: Cloudflare Logpush `http_requests` NDJSON from a small synthetic Internet
 * (households behind home NAT, mobile and broadband carrier NAT pools with port blocks, enterprise
 * egress with office hours, VPN exits, a privacy relay, Tor exits, crawlers, stealth bots and
 * attackers rotating user agents and ports from hosting and residential addresses), with the ground
 * truth for every address. Pure: lines go to a callback; the user agents are passed in.
 *
 * Phases, one file each: `networks.ts` (the Internet), `population.ts` (who is where, and the truth),
 * `days.ts` (what everyone does on one day), `traffic.ts` (sessions and Logpush lines).
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
  if (population !== 'default' && population !== 'uneven')
    throw new TypeError(`simulate: population must be 'default' or 'uneven', got ${String(population)}`);
  for (const [name, v] of [
    ['days', days],
    ['scale', scale],
    ['intensity', intensity],
  ] as const) {
    if (!(Number.isFinite(v) && v > 0)) throw new TypeError(`simulate: ${name} must be a positive number, got ${v}`);
  }
  const rng = new Random(seed);
  const people = new WeightedSampler(
    agents.browsers.map((b) => b.ua),
    agents.browsers.map((b) => b.weight),
  );
  const traffic = createTraffic({ rng, emit, intensity, tsFormat, withAsn, malformedRate });
  const pop = buildPopulation({ rng, people, traffic, days, scale, population });
  for (let day = 0; day < days; day++) simulateDay(pop, traffic, { rng, people, agents, intensity }, day);

  const truthOut: TruthUnit[] = [];
  for (const t of pop.truth.values()) {
    const activeDays = t.dayUsers.filter((x) => x > 0);
    const users = activeDays.length === 0 ? 0 : activeDays.reduce((a, b) => a + b, 0) / activeDays.length;
    const { dayUsers: _dayUsers, ...rest } = t;
    truthOut.push({ ...rest, users: Math.round(users * 10) / 10 });
  }

  const { asnCsv, peeringDbJson } = networkFiles();
  const lists: SimulationOutput['lists'] = [
    { kind: 'vpn', name: 'vpn-exits.txt', text: `# VPN exit addresses\n${pop.vpnExits.join('\n')}\n` },
    { kind: 'tor', name: 'tor-exits.txt', text: `${pop.torExits.join('\n')}\n` },
    {
      kind: 'relay',
      name: 'relay-egress.csv',
      text: `104.28.50.0/28,US,US-CA,Los Angeles,\n${pop.relayV6.map((p) => `${p}/64,US,US-NY,New York,`).join('\n')}\n`,
    },
  ];
  return { truth: truthOut, asnCsv, peeringDbJson, lists, lines: traffic.counts.lines, malformed: traffic.counts.malformed };
}

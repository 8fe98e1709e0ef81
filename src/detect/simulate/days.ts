import { FLAT_HOURS, HOME_HOURS, networkOf, OFFICE_HOURS, TOR_UA } from './networks.ts';
import type { Population } from './population.ts';
import type { Random, WeightedSampler } from './random.ts';
import type { SimulatorUserAgents } from './simulate.ts';
import type { Traffic } from './traffic.ts';

/**
 * Runs one simulated day: every household, pool subscriber, employee, VPN/relay/Tor user, crawler, bot
 * and attacker active that day sends its requests; the people seen are written to the ground truth.
 *
 * @example
 * ```ts
 * for (let day = 0; day < 7; day++) simulateDay(pop, traffic, { rng, people, agents, intensity: 1 }, day);
 * ```
 */
export function simulateDay(
  pop: Population,
  traffic: Traffic,
  ctx: { rng: Random; people: WeightedSampler<string>; agents: SimulatorUserAgents; intensity: number },
  day: number,
): void {
  const { rng, people, agents, intensity } = ctx;
  const { request, session, device, timeAt } = traffic;
  const { truth, households, poolState, entState, vpnState, relayState, torState, crawlers, stealth, attackers, randomIid } = pop;
  const weekday = (day % 7) + 1; // day 0 is a Monday
  const weekend = weekday >= 6;
  for (const h of households) {
    const offset = networkOf(h.asn).utcOffset;
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
    const offset = networkOf(ps.p.asn).utcOffset;
    let active = 0;
    for (const sub of ps.subs) {
      if (!rng.chance(ps.p.dailyActive)) continue;
      for (const d of sub.devices) {
        if (ps.p.householdSubscribers && !rng.chance(0.7)) continue;
        active++;
        for (let s = rng.int(1, 2); s > 0; s--)
          session(ps.ip, d, timeAt(day, HOME_HOURS, offset), ps.p.asn, sub.block, sub.block + ps.p.blockSize - 1);
      }
    }
    truth.get(ps.ip)!.dayUsers[day] = active;
  }
  for (const e of entState) {
    const offset = networkOf(e.asn).utcOffset;
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

import { loadSimulatorUserAgents } from '../../scripts/simulate.ts';
import { type Random, WeightedSampler } from '../../src/detect/simulate/random.ts';

export const agents = loadSimulatorUserAgents();
export const people = new WeightedSampler(
  agents.browsers.map((b) => b.ua),
  agents.browsers.map((b) => b.weight),
);
export const DAY0 = Date.UTC(2026, 10, 2) / 1000; // a Monday

export interface LineSpec {
  ip: string;
  ua: string;
  t: number;
  port?: number;
  asn?: number;
  botScore?: number;
  verified?: string;
}

export const logpush = (s: LineSpec) =>
  JSON.stringify({
    ClientIP: s.ip,
    ClientSrcPort: s.port ?? 50000,
    ClientRequestUserAgent: s.ua,
    EdgeStartTimestamp: new Date(s.t * 1000).toISOString(),
    ClientASN: s.asn ?? 64500,
    BotScore: s.botScore ?? 80,
    VerifiedBotCategory: s.verified ?? '',
  });

/** `users` people per day behind `ip` (each a few requests in one session), for `days` days. */
export function crowd(rng: Random, ip: string, users: number, days: number, asn = 64500, firstDay = 0): string[] {
  const out: string[] = [];
  for (let d = firstDay; d < firstDay + days; d++) {
    for (let u = 0; u < users; u++) {
      const ua = people.sample(rng);
      const t = DAY0 + d * 86_400 + rng.int(0, 86_000);
      const port = rng.int(1024, 65535);
      for (let k = rng.int(2, 8); k > 0; k--) out.push(logpush({ ip, ua, t: t + k, port: port + k, asn }));
    }
  }
  return out;
}

/** Households: 1–4 devices each, every day. */
export function households(rng: Random, prefix: string, count: number, days: number, asn = 64500): string[] {
  const out: string[] = [];
  for (let h = 1; h <= count; h++) {
    const devices = Array.from({ length: rng.int(1, 4) }, () => people.sample(rng));
    for (let d = 0; d < days; d++) {
      for (const ua of devices) {
        const t = DAY0 + d * 86_400 + rng.int(0, 86_000);
        for (let k = rng.int(2, 6); k > 0; k--) out.push(logpush({ ip: `${prefix}${h}`, ua, t: t + k, port: rng.int(49152, 65535), asn }));
      }
    }
  }
  return out;
}

import { PATHS, START } from './networks.ts';
import { type Random, WeightedSampler } from './random.ts';

/**
 * A browser on a device: its user agent and the ephemeral port range its OS uses.
 *
 * @example
 * ```ts
 * const d: Device = { ua: 'Mozilla/5.0 …', portLo: 49152, portHi: 65535 };
 * ```
 */
export interface Device {
  ua: string;
  portLo: number;
  portHi: number;
}

/**
 * Settings of {@link createTraffic}.
 *
 * @example
 * ```ts
 * const s: TrafficSettings = { rng, emit, intensity: 1, tsFormat: 'rfc3339', withAsn: true, malformedRate: 0.0005 };
 * ```
 */
export interface TrafficSettings {
  rng: Random;
  emit: (line: string) => void;
  intensity: number;
  tsFormat: 'rfc3339' | 'unix' | 'unixnano';
  withAsn: boolean;
  malformedRate: number;
}

/**
 * The line writer: Logpush requests, browsing sessions, devices and times of day, counting lines and the
 * deliberately malformed ones.
 *
 * @example
 * ```ts
 * const traffic = createTraffic({ rng, emit, intensity: 1, tsFormat: 'rfc3339', withAsn: true, malformedRate: 0 });
 * traffic.session('81.20.0.7', traffic.device(ua), traffic.timeAt(0, HOME_HOURS, 1), 64601);
 * ```
 */
export function createTraffic(settings: TrafficSettings) {
  const { rng, emit, intensity, tsFormat, withAsn, malformedRate } = settings;
  const counts = { lines: 0, malformed: 0 };
  const fmtTime = (t: number): string | number => {
    if (tsFormat === 'unix') return Math.floor(t);
    if (tsFormat === 'unixnano') return Math.floor(t) * 1e9 + Math.floor((t % 1) * 1e3) * 1e6;
    return new Date(Math.floor(t * 1000)).toISOString().replace('.000Z', 'Z');
  };
  const request = (ip: string, port: number, ua: string, t: number, asn: number, botScore: number, verified = ''): void => {
    counts.lines++;
    if (rng.chance(malformedRate)) {
      counts.malformed++;
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
  return { request, session, device, timeAt, counts };
}

/**
 * What {@link createTraffic} returns.
 *
 * @example
 * ```ts
 * const t: Traffic = createTraffic(settings);
 * ```
 */
export type Traffic = ReturnType<typeof createTraffic>;

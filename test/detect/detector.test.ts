import { describe, expect, it } from 'vitest';
import { PrefixMatcher } from '../../src/detect/address.ts';
import type { ListHit } from '../../src/detect/classify.ts';
import { Detector, formatPrefixCsv, MalformedFileError } from '../../src/detect/detector.ts';
import type { NetworkType } from '../../src/detect/network-type.ts';
import { Random } from '../../src/detect/simulate/random.ts';
import { parsePrefixList } from '../../src/prefix-list/index.ts';
import { agents, crowd, DAY0, households, logpush } from './helpers.ts';

const peeringDb = new Map<number, NetworkType>([
  [64500, 'access'],
  [64510, 'hosting'],
  [64520, 'enterprise'],
]);

function run(lines: string[], ctx: Parameters<Detector['finish']>[0] = { peeringDb }, options = {}) {
  const d = new Detector(options);
  d.beginFile('test.ndjson');
  lines.forEach((l, i) => d.line(l, i + 1));
  d.endFile();
  return d.finish(ctx);
}

function background(rng: Random): string[] {
  // Enough ordinary households that user-agent popularity can be measured.
  return [...households(rng, '81.2.60.', 200, 3), ...households(rng, '81.2.61.', 100, 3)];
}

describe('Detector: malformed input', () => {
  it('counts malformed lines with their numbers and keeps the good ones', () => {
    const good = logpush({ ip: '81.2.69.7', ua: agents.browsers[0]!.ua, t: DAY0 });
    const d = new Detector();
    d.beginFile('logs/a.ndjson');
    [good, '{"ClientIP":', good, '{"ClientIP":"not-an-ip"}', good, good].forEach((l, i) => d.line(l, i + 1));
    const stats = d.endFile();
    expect(stats).toMatchObject({ format: 'logpush', lines: 6, parsed: 4, malformed: 2 });
    expect(stats.examples.map((e) => [e.line, e.reason])).toEqual([
      [2, 'not JSON'],
      [4, 'bad client address "not-an-ip"'],
    ]);
    expect(d.finish().requests).toBe(4);
  });

  it('fails on a mostly-garbage file, naming it', () => {
    const d = new Detector();
    d.beginFile('logs/garbage.txt');
    for (let i = 1; i <= 10; i++) d.line(i <= 2 ? logpush({ ip: '81.2.69.7', ua: 'x', t: DAY0 }) : `#%$ line ${i}`, i);
    expect(() => d.endFile()).toThrow(MalformedFileError);
    const d2 = new Detector();
    d2.beginFile('logs/garbage.txt');
    for (let i = 1; i <= 10; i++) d2.line(`#%$ line ${i}`, i);
    expect(() => d2.endFile()).toThrow(/logs\/garbage\.txt: 10 of 10 lines malformed.*first at line 1: unrecognised format/);
  });
});

describe('Detector: bots are excluded before counting', () => {
  it('drops isbot agents, low BotScores and verified bots', () => {
    const t = DAY0;
    const r = run([
      logpush({ ip: '81.2.69.7', ua: 'Googlebot/2.1 (+http://www.google.com/bot.html)', t }),
      logpush({ ip: '81.2.69.7', ua: agents.browsers[0]!.ua, t, botScore: 3 }),
      logpush({ ip: '81.2.69.7', ua: agents.browsers[1]!.ua, t, verified: 'Search Engine Crawler' }),
      logpush({ ip: '81.2.69.7', ua: '-', t }),
      logpush({ ip: '81.2.69.7', ua: agents.browsers[2]!.ua, t }),
    ]);
    expect(r.excluded).toEqual({ isbot: 1, botScore: 1, verifiedBot: 1, notBrowser: 1 });
    expect(r.browserRequests).toBe(1);
  });
});

describe('Detector: classification', () => {
  it('lists a sustained crowd in an access network as cgnat, grouped into its /24', () => {
    const rng = new Random(1);
    const lines = [...background(rng)];
    for (let i = 1; i <= 6; i++) lines.push(...crowd(rng, `81.2.70.${i}`, 60, 3));
    const r = run(lines);
    expect(r.prefixes.map((p) => [p.prefix, p.kind])).toEqual([['81.2.70.0/24', 'cgnat']]);
    const users = r.prefixes[0]!.users;
    expect(users).toBeGreaterThan(30);
    expect(users).toBeLessThan(120);
  });

  it('emits single addresses when a /24 is mostly single-user', () => {
    const rng = new Random(2);
    const lines = [...background(rng), ...households(rng, '81.2.71.', 20, 3)];
    lines.push(...crowd(rng, '81.2.71.200', 60, 3), ...crowd(rng, '81.2.71.201', 60, 3));
    const r = run(lines);
    expect(r.prefixes.map((p) => p.prefix)).toEqual(['81.2.71.200/32', '81.2.71.201/32']);
  });

  it('calls enterprise egress enterprise and never lists a crowd in a hosting network', () => {
    const rng = new Random(3);
    const lines = [...background(rng), ...crowd(rng, '145.10.1.1', 60, 3, 64520), ...crowd(rng, '34.90.2.1', 60, 3, 64510)];
    const r = run(lines);
    expect(r.prefixes.map((p) => [p.prefix, p.kind])).toEqual([['145.10.1.1/32', 'enterprise']]);
    expect(r.verdicts.find((v) => v.unit === '34.90.2.1')?.decision).toBe('network-type');
  });

  it('takes the kind from a list and emits the list prefix', () => {
    const rng = new Random(4);
    const lists = new PrefixMatcher<ListHit>();
    lists.add('34.90.2.0/29', { kind: 'vpn', file: 'vpn.txt', line: 3 });
    const r = run([...background(rng), ...crowd(rng, '34.90.2.1', 30, 3, 64510)], { peeringDb, lists });
    expect(r.prefixes).toHaveLength(1);
    expect(r.prefixes[0]).toMatchObject({ prefix: '34.90.2.0/29', kind: 'vpn' });
    expect(r.prefixes[0]!.evidence).toContain('list=vpn:vpn.txt:3');
  });

  it('needs more than one day', () => {
    const rng = new Random(5);
    const lines = [...background(rng)];
    for (let i = 1; i <= 6; i++) lines.push(...crowd(rng, `81.2.70.${i}`, 60, 1));
    const r = run(lines);
    expect(r.prefixes).toEqual([]);
    expect(r.verdicts.filter((v) => v.decision === 'too-few-days')).toHaveLength(6);
  });

  it('never emits special-purpose space, however busy', () => {
    const rng = new Random(6);
    const lines = [...background(rng)];
    for (let i = 1; i <= 6; i++) lines.push(...crowd(rng, `100.64.0.${i}`, 60, 3), ...crowd(rng, `10.0.0.${i}`, 60, 3));
    const r = run(lines);
    expect(r.prefixes).toEqual([]);
    expect(r.droppedSpecial).toBe(2);
  });

  it('writes a list that the prefix-list parser reads with zero errors', () => {
    const rng = new Random(7);
    const lines = [...background(rng), ...crowd(rng, '145.10.1.1', 40, 3, 64520)];
    for (let i = 1; i <= 5; i++) lines.push(...crowd(rng, `81.2.70.${i}`, 40, 3));
    const csv = formatPrefixCsv(run(lines).prefixes);
    const parsed = parsePrefixList(csv, { file: 'detected.csv' });
    expect(parsed.errors).toEqual([]);
    expect(parsed.format).toBe('csv');
    expect(parsed.entries.map((e) => [e.prefix, e.kind, e.users !== undefined && e.users > 0])).toEqual([
      ['81.2.70.0/24', 'cgnat', true],
      ['145.10.1.1/32', 'enterprise', true],
    ]);
  });
});

describe('Detector: poisoning', () => {
  const rotate = (ip: string, asn: number, days: number, uas: readonly string[], rng: Random) => {
    const out: string[] = [];
    for (let d = 0; d < days; d++) {
      for (let k = 0; k < 1500; k++) {
        out.push(logpush({ ip, ua: rng.pick(uas), t: DAY0 + d * 86_400 + k * 50, port: rng.int(1024, 65535), asn }));
      }
    }
    return out;
  };

  it.each([
    ['a residential address rotating a wide list', '81.2.72.9', 64500, 'rotation-list'],
    ['a residential address rotating popular agents', '81.2.72.9', 64500, 'popular'],
    ['a hosting address rotating a wide list', '34.90.1.5', 64510, 'rotation-list'],
  ])('%s is not listed', (_name, ip, asn, style) => {
    const rng = new Random(8);
    const uas = style === 'popular' ? agents.browsers.slice(0, 300).map((b) => b.ua) : agents.rotation;
    const r = run([...background(rng), ...rotate(ip, asn, 4, uas, rng)]);
    expect(r.prefixes).toEqual([]);
    expect(['implausible-mix', 'rotation', 'network-type', 'lone-address']).toContain(r.verdicts.find((v) => v.unit === ip)?.decision);
  });

  it('a lone crowd-emulating address in an access network is not listed (no pool around it)', () => {
    const rng = new Random(9);
    const r = run([...background(rng), ...crowd(rng, '81.2.72.9', 80, 4)]);
    expect(r.prefixes).toEqual([]);
    expect(r.verdicts.find((v) => v.unit === '81.2.72.9')?.decision).toBe('lone-address');
  });
});

describe('Detector: IPv6', () => {
  it('counts a /64 as one unit and groups /64s into their /48', () => {
    const rng = new Random(10);
    const lines = [...background(rng)];
    for (let i = 1; i <= 5; i++) {
      // privacy addresses rotate inside each /64
      const l = crowd(rng, `2a02:c00:1:${i}::1`, 40, 3, 64520).map((x, k) =>
        x.replace(`2a02:c00:1:${i}::1`, `2a02:c00:1:${i}::${(k % 50) + 1}`),
      );
      lines.push(...l);
    }
    const r = run(lines);
    expect(r.prefixes.map((p) => [p.prefix, p.kind])).toEqual([['2a02:c00:1::/48', 'enterprise']]);
  });
});

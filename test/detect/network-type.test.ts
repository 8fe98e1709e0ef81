import { describe, expect, it } from 'vitest';
import { AsnRanges, inferNetworkType, parsePeeringDb, peeringDbType } from '../../src/detect/network-type.ts';
import { parseIPv4 } from '../../src/detect/address.ts';
import { DEFAULT_DETECT_OPTIONS } from '../../src/detect/options.ts';

describe('PeeringDB types', () => {
  it.each([
    [['Cable/DSL/ISP'], 'access'],
    [['NSP', 'Cable/DSL/ISP'], 'access'],
    [['Enterprise'], 'enterprise'],
    [['Educational/Research'], 'enterprise'],
    [['Government'], 'enterprise'],
    [['Content'], 'hosting'],
    [['NSP'], 'transit'],
    [['Route Server'], 'transit'],
    [['Non-Profit'], undefined],
    [[''], undefined],
    [[], undefined],
  ])('%j → %s', (types, type) => {
    expect(peeringDbType(types)).toBe(type);
  });

  it('reads API pages (info_type and info_types) and skips records without a usable type', () => {
    const json = JSON.stringify({
      data: [
        { asn: 64500, info_type: 'NSP', info_types: ['NSP', 'Cable/DSL/ISP'] },
        { asn: 64501, info_type: 'Content' },
        { asn: 64502, info_type: '' },
        { asn: 'x', info_type: 'Content' },
      ],
    });
    const m = parsePeeringDb(json, 'net.json');
    expect([...m]).toEqual([
      [64500, 'access'],
      [64501, 'hosting'],
    ]);
  });

  it('names the file when the JSON is not PeeringDB', () => {
    expect(() => parsePeeringDb('{"nope":1}', 'x.json')).toThrow(/x\.json: expected/);
    expect(() => parsePeeringDb('{', 'y.json')).toThrow(/y\.json: not JSON/);
  });
});

describe('AsnRanges', () => {
  const r = new AsnRanges();
  const errors = [
    '1.0.0.0,1.0.0.255,13335,"Cloudflare, Inc."',
    '81.2.69.0,81.2.69.255,64500,Example',
    '16778240,16779263,38803,Gtelecom Pty Ltd', // the -num variant
    '2a01:4b00::,2a01:4b00:ffff:ffff:ffff:ffff:ffff:ffff,64501,Example v6',
    'garbage',
    '1.2.3.4,1.2.3.0,5,backwards',
  ].map((l) => r.addLine(l));
  r.finish();

  it('reads both formats and reports bad rows', () => {
    expect(errors.slice(0, 4)).toEqual([undefined, undefined, undefined, undefined]);
    expect(errors[4]).toMatch(/expected start,end,asn/);
    expect(errors[5]).toMatch(/end before start/);
  });

  it.each([
    ['1.0.0.7', 13335],
    ['81.2.69.255', 64500],
    ['1.0.4.1', 38803],
    ['81.2.70.0', 0],
    ['0.0.0.1', 0],
  ])('%s → AS%i', (ip, asn) => {
    expect(r.lookup4(parseIPv4(ip))).toBe(asn);
  });

  it('looks IPv6 /64s up', () => {
    expect(r.lookup6('2a01:4b00:1:2')).toBe(64501);
    expect(r.lookup6('2a01:4b01:0:0')).toBe(0);
  });
});

describe('inferNetworkType (ASes without a PeeringDB record)', () => {
  const base = {
    addresses: 40,
    requests: 1000,
    browserRequests: 900,
    weekendBrowserRequests: 250,
    medianBrowsersPerDay: 1.5,
    sawWeekend: true,
  };
  it.each([
    [{}, 'access'],
    [{ browserRequests: 100 }, 'hosting'],
    [{ weekendBrowserRequests: 20 }, 'enterprise'],
    [{ weekendBrowserRequests: 20, sawWeekend: false }, 'access'],
    [{ addresses: 3 }, 'unknown'],
    [{ medianBrowsersPerDay: 12 }, 'unknown'],
    [{ requests: 0, browserRequests: 0 }, 'unknown'],
  ])('%j → %s', (change, type) => {
    expect(inferNetworkType({ ...base, ...change }, DEFAULT_DETECT_OPTIONS)).toBe(type);
  });
});

describe('real PeeringDB records', () => {
  it('maps every info_type combination of the excerpt', async () => {
    const { readFileSync } = await import('node:fs');
    const text = readFileSync(new URL('../fixtures/detect-peeringdb/net-excerpt.json', import.meta.url), 'utf8');
    expect(Object.fromEntries(parsePeeringDb(text, 'net-excerpt.json'))).toEqual({
      2128: 'transit', // Route Collector
      3303: 'access', // Cable/DSL/ISP (Swisscom)
      4436: 'transit', // NSP
      7795: 'transit', // Network Services
      12611: 'access', // NSP + Cable/DSL/ISP
      20799: 'access', // Cable/DSL/ISP + Network Services
      20940: 'hosting', // Content (Akamai)
      25309: 'transit', // Route Server
      30880: 'access', // Cable/DSL/ISP + Content: eyeballs first
      31673: 'hosting', // Content + NSP
      34135: 'enterprise', // Educational/Research
      35028: 'enterprise', // Enterprise
      // 23148 (empty type) and 31800 (Non-Profit) are left to the traffic rule
    });
  });
});

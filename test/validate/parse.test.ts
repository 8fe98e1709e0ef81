import { describe, expect, it } from 'vitest';
import { formatLocation, parseProbeText, parseTracerouteText } from '../../src/validate/index.ts';
import { rawTraceroute } from './helpers.ts';

const good = (prb: number) => rawTraceroute({ prb, from: '81.2.69.160', src: '192.168.1.10', hops: ['192.168.1.1', '81.2.69.1'] });

describe('parseTracerouteText', () => {
  it('reads one result a line and reports a bad line by file:line, keeping the rest', () => {
    const text = [JSON.stringify(good(1)), '{"af":4, broken', '', JSON.stringify(good(2))].join('\n');
    const { results, errors } = parseTracerouteText(text, 'bulk.jsonl');
    expect(results.map((r) => r.prbId)).toEqual([1, 2]);
    expect(results[1]!.at).toEqual({ file: 'bulk.jsonl', line: 4 });
    expect(errors).toHaveLength(1);
    expect(formatLocation(errors[0]!.at)).toBe('bulk.jsonl:2');
    expect(errors[0]!.message).toMatch(/^invalid JSON/);
  });

  it('reads a JSON array (the API) and reports bad records by index', () => {
    const text = JSON.stringify([good(1), { ...good(2), af: 5 }, good(3)]);
    const { results, errors } = parseTracerouteText(text, 'api.json');
    expect(results.map((r) => r.prbId)).toEqual([1, 3]);
    expect(errors.map((e) => `${formatLocation(e.at)} ${e.message}`)).toEqual(['api.json[1] field af: expected 4 or 6, got 5']);
  });

  it('reads a { results: [...] } wrapper and hands back embedded probes', () => {
    const text = JSON.stringify({
      meta_data: {},
      results: [good(1)],
      probes: { results: [{ id: 1, tags: [{ slug: 'nat', name: 'NAT' }] }] },
    });
    const { results, embeddedProbes } = parseTracerouteText(text, 'dump.json');
    expect(results).toHaveLength(1);
    expect(embeddedProbes).toHaveLength(1);
  });

  it('salvages the complete records of a truncated JSON array laid out one a line', () => {
    const text = `[\n${JSON.stringify(good(1))},\n${JSON.stringify(good(2))},\n{"af":4,"prb_id":3,"res`;
    const { results, errors } = parseTracerouteText(text, 'cut.json');
    expect(results.map((r) => r.prbId)).toEqual([1, 2]);
    expect(errors.map((e) => formatLocation(e.at))).toEqual(['cut.json:4']);
  });

  it('reads a single pretty-printed result', () => {
    const { results, errors } = parseTracerouteText(JSON.stringify(good(7), null, 2), 'one.json');
    expect(errors).toEqual([]);
    expect(results[0]!.prbId).toBe(7);
  });

  it.each<[string, unknown, RegExp]>([
    ['not an object', 42, /expected a JSON object/],
    ['another measurement type', { ...good(1), type: 'ping' }, /expected type "traceroute"/],
    ['no prb_id', { ...good(1), prb_id: undefined }, /prb_id/],
    ['negative prb_id', { ...good(1), prb_id: -4 }, /prb_id/],
    ['af missing', { ...good(1), af: undefined }, /field af/],
    ['result not a list', { ...good(1), result: {} }, /field result/],
    ['hop 0', { ...good(1), result: [{ hop: 0, result: [] }] }, /result\[0\]\.hop/],
    ['hop without number or error', { ...good(1), result: [{ result: [] }] }, /expected a field hop/],
    ['replies not a list', { ...good(1), result: [{ hop: 1, result: 'x' }] }, /result\[0\]\.result: expected a list/],
    ['reply address not a string', { ...good(1), result: [{ hop: 1, result: [{ from: 1 }] }] }, /result\[0\]\.result\[0\]\.from/],
  ])('rejects a record with %s (never throws)', (_name, record, message) => {
    const { results, errors } = parseTracerouteText(`${JSON.stringify(record)}\n${JSON.stringify(good(9))}\n`, 'x.jsonl');
    expect(results.map((r) => r.prbId)).toEqual([9]);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toMatch(message);
    expect(errors[0]!.at).toEqual({ file: 'x.jsonl', line: 1 });
  });

  it('keeps a measurement-level error and the timeouts, errs and hop errors', () => {
    const rec = {
      ...good(1),
      result: [
        { hop: 1, result: [{ x: '*' }, { from: '10.0.0.1', err: 'N', rtt: 1, ttl: 64 }] },
        { hop: 2, error: 'sendto failed' },
      ],
    };
    const failed = { ...good(2), result: [{ error: 'name resolution failed' }] };
    const { results } = parseTracerouteText(`${JSON.stringify(rec)}\n${JSON.stringify(failed)}`, 'x');
    expect(results[0]!.hops).toEqual([
      {
        hop: 1,
        replies: [
          { from: undefined, rtt: undefined, ttl: undefined, err: undefined },
          { from: '10.0.0.1', rtt: 1, ttl: 64, err: 'N' },
        ],
        error: undefined,
      },
      { hop: 2, replies: [], error: 'sendto failed' },
    ]);
    expect(results[1]!.error).toBe('name resolution failed');
  });

  it('an empty file gives nothing and no error', () => {
    expect(parseTracerouteText('  \n', 'e')).toEqual({ results: [], errors: [], embeddedProbes: [] });
  });
});

describe('parseProbeText', () => {
  it.each<[string, string]>([
    [
      'API v2 page',
      JSON.stringify({
        count: 1,
        next: null,
        results: [{ id: 5, address_v4: '81.2.69.160', asn_v4: 3320, tags: [{ slug: 'nat', name: 'NAT' }] }],
      }),
    ],
    ['probe archive', JSON.stringify({ objects: [{ id: 5, address_v4: '81.2.69.160', asn_v4: 3320, tags: ['nat'] }] })],
    [
      'measurement dump',
      JSON.stringify({ results: [], probes: { results: [{ id: 5, address_v4: '81.2.69.160', asn_v4: 3320, tags: ['nat'] }] } }),
    ],
    ['one a line', `${JSON.stringify({ id: 5, address_v4: '81.2.69.160', asn_v4: 3320, tags: ['nat'] })}\n`],
  ])('reads the %s format', (_name, text) => {
    const { probes, errors } = parseProbeText(text, 'p.json');
    expect(errors).toEqual([]);
    expect(probes.get(5)).toMatchObject({ id: 5, addressV4: '81.2.69.160', asnV4: 3320, tags: ['nat'] });
  });

  it('reports bad probes by index and keeps the good ones', () => {
    const { probes, errors } = parseProbeText(JSON.stringify([{ id: 'x' }, { id: 6, tags: 'nat' }, { id: 7 }]), 'p.json');
    expect([...probes.keys()]).toEqual([7]);
    expect(errors.map((e) => `${formatLocation(e.at)}: ${e.message}`)).toEqual([
      'p.json[0]: field id: expected a non-negative integer',
      'p.json[1]: field tags: expected a list',
    ]);
  });
});

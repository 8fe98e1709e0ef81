import { describe, expect, it } from 'vitest';
import { parseDetectArgs } from '../../scripts/detect.ts';
import { resolveDetectOptions } from '../../src/detect/options.ts';

describe('detect command line', () => {
  it('reads inputs, lists and thresholds', () => {
    const o = parseDetectArgs([
      '--logs',
      'a.ndjson',
      'b.log.gz',
      '--asn',
      'asn.csv',
      '--peeringdb',
      'p1.json',
      '--peeringdb',
      'p2.json',
      '--list',
      'vpn:v.txt',
      '--list',
      'relay:egress.csv',
      '--out',
      'o.csv',
      '--min-days',
      '3',
      '--group-share',
      '0.9',
    ]);
    expect(o).toMatchObject({
      logs: ['a.ndjson', 'b.log.gz'],
      asn: ['asn.csv'],
      peeringDb: ['p1.json', 'p2.json'],
      lists: [
        { kind: 'vpn', file: 'v.txt' },
        { kind: 'relay', file: 'egress.csv' },
      ],
      out: 'o.csv',
      minDays: 3,
      groupShare: 0.9,
    });
  });

  it.each([
    [['--logs', 'a', '--out', 'o', '--list', 'cdn:x.txt'], /--list cdn:x\.txt: expected KIND:FILE/],
    [['--logs', 'a', '--out', 'o', '--min-days', 'two'], /--min-days: expected a number/],
    [['--logs', 'a'], /--out FILE is required/],
    [['--out', 'o'], /--logs FILE is required/],
    [['--logs', 'a', '--out', 'o', '--nope'], /^unknown option --nope$/],
    [['--logs', 'a', '--out'], /^--out needs a value$/],
    [['--logs', 'a', '--out', 'o', '--quiet=yes'], /^--quiet takes no value$/],
  ])('rejects %j', (argv, message) => {
    expect(() => parseDetectArgs(argv)).toThrow(message);
  });

  it.each([
    [{ minDays: 0 }, /minDays must be an integer in 1\.\.3650/],
    [{ groupShare: 1.5 }, /groupShare must be a number in 0\.\.1/],
    [{ nope: 1 }, /unknown option "nope"/],
  ])('validates thresholds at construction: %j', (o, message) => {
    expect(() => resolveDetectOptions(o as never)).toThrow(message);
  });
});

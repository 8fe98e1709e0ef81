import { describe, expect, it } from 'vitest';
import type { PrefixEntry } from '../../src/prefix-list/index.ts';
import type { MultiUserMatch } from '../../src/table/index.ts';
import { diffEntries, formatChanges, mergeEntries, parseRebuildArgs } from '../../scripts/rebuild.ts';

const e = (prefix: string, kind: PrefixEntry['kind'], users: number | undefined, file: string, line = 1): PrefixEntry => ({
  prefix,
  family: prefix.includes(':') ? 6 : 4,
  bits: Number(prefix.split('/')[1]),
  kind,
  users,
  file,
  line,
});
const m = (prefix: string, kind: MultiUserMatch['kind'], users?: number): MultiUserMatch => ({ prefix, kind, users });

describe('mergeEntries', () => {
  it('the first source decides the kind; a later one of the same kind fills in users', () => {
    const operator = [e('81.2.80.1/32', 'vpn', undefined, 'vpn.txt'), e('81.2.80.2/32', 'vpn', undefined, 'vpn.txt', 2)];
    const detected = [
      e('81.2.80.1/32', 'cgnat', 5, 'detected', 4),
      e('81.2.80.2/32', 'vpn', 40, 'detected', 5),
      e('81.2.69.0/24', 'cgnat', 300, 'detected', 2),
    ];
    const { entries, overridden } = mergeEntries([operator, detected]);
    expect(entries.map((x) => [x.prefix, x.kind, x.users])).toEqual([
      ['81.2.69.0/24', 'cgnat', 300],
      ['81.2.80.1/32', 'vpn', undefined],
      ['81.2.80.2/32', 'vpn', 40],
    ]);
    expect(overridden).toEqual(['detected:4: 81.2.80.1/32 cgnat overridden by vpn from vpn.txt:1']);
  });

  it('sorts IPv4 before IPv6, by address then length, whatever the input order', () => {
    const a = [
      e('2001:67c::/32', 'cgnat', 1, 'a'),
      e('81.2.0.0/16', 'cgnat', 1, 'a'),
      e('81.2.0.0/24', 'vpn', 1, 'a'),
      e('9.9.9.9/32', 'tor', 1, 'a'),
    ];
    const sorted = mergeEntries([a]).entries.map((x) => x.prefix);
    expect(sorted).toEqual(['9.9.9.9/32', '81.2.0.0/16', '81.2.0.0/24', '2001:67c::/32']);
    expect(mergeEntries([[...a].reverse()]).entries.map((x) => x.prefix)).toEqual(sorted);
  });
});

describe('diffEntries', () => {
  it('sizes changes by addresses (IPv6 by /64s), then by the change in users', () => {
    const before = [m('81.2.69.0/24', 'cgnat', 300), m('81.2.70.0/24', 'cgnat', 10), m('81.2.71.1/32', 'tor')];
    const after = [
      m('81.2.69.0/24', 'cgnat', 320),
      m('81.2.70.0/24', 'vpn', 10),
      m('2001:67c:2e8::/48', 'cgnat'),
      m('81.0.0.0/16', 'enterprise', 50),
    ];
    const changes = diffEntries(before, after);
    expect(changes.map((c) => [c.change, c.prefix, c.weight])).toEqual([
      ['added', '81.0.0.0/16', 65536],
      ['added', '2001:67c:2e8::/48', 65536],
      ['changed', '81.2.69.0/24', 256],
      ['changed', '81.2.70.0/24', 256],
      ['removed', '81.2.71.1/32', 1],
    ]);
    const text = formatChanges(changes, 'old.bin');
    expect(text).toContain('Changes against old.bin: +2 added, -1 removed, ~2 changed');
    expect(text).toContain('    ~ 81.2.70.0/24 cgnat users 10 → vpn users 10');
    // A kind change counts under the new kind.
    expect(text).toMatch(/\n {2}vpn +0 +0 +1\n/);
  });

  it('no change', () => {
    expect(formatChanges(diffEntries([m('81.2.69.0/24', 'cgnat')], [m('81.2.69.0/24', 'cgnat')]), 'x')).toBe(
      'Changes against x: +0 added, -0 removed, ~0 changed (the table is unchanged)\n',
    );
  });
});

describe('parseRebuildArgs', () => {
  it('reads lists with and without a kind, and file lists after --logs and --traceroutes', () => {
    expect(
      parseRebuildArgs([
        '--logs',
        'a.gz',
        'b.gz',
        '--list',
        'vpn:v.txt',
        '--list',
        'mine.csv',
        '--list',
        'C:\\x.csv',
        '--traceroutes',
        't1',
        't2',
        '--max-churn',
        '15%',
        '--allow-documentation',
      ]),
    ).toEqual({
      logs: ['a.gz', 'b.gz'],
      lists: [{ kind: 'vpn', file: 'v.txt' }, { file: 'mine.csv' }, { file: 'C:\\x.csv' }],
      traceroutes: ['t1', 't2'],
      maxChurn: 15,
      allowDocumentation: true,
    });
  });
});

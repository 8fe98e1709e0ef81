import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parsePrefix, parsePrefixList, PrefixListError, SPECIAL_PURPOSE_RANGES, splitCsvLine } from '../../src/prefix-list/index.ts';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/lists/${name}`, import.meta.url), 'utf8');
const doc = { allowDocumentation: true };

describe('parsePrefix', () => {
  it.each([
    ['8.8.8.0/24', '8.8.8.0/24', 4, 24],
    ['8.8.8.8', '8.8.8.8/32', 4, 32],
    ['8.8.8.8/32', '8.8.8.8/32', 4, 32],
    ['1.0.0.0/8', '1.0.0.0/8', 4, 8],
    ['2606:4700::/32', '2606:4700::/32', 6, 32],
    ['2607:FB90::/28', '2607:fb90::/28', 6, 28],
    ['2a02:26f7:d984:ecf5::/64', '2a02:26f7:d984:ecf5::/64', 6, 64],
    ['2a02:26f7:d984:ecf5:0000:0000:0000:0000/64', '2a02:26f7:d984:ecf5::/64', 6, 64],
    ['2a01:4f8::1', '2a01:4f8::1/128', 6, 128],
    ['::ffff:8.8.8.0/120', '8.8.8.0/24', 4, 24],
    ['::ffff:8.8.8.8', '8.8.8.8/32', 4, 32],
    ['::ffff:808:808/128', '8.8.8.8/32', 4, 32],
  ])('%s → %s', (text, prefix, family, bits) => {
    expect(parsePrefix(text)).toMatchObject({ ok: true, prefix, family, bits });
  });

  it.each([
    ['8.8.8.0/33', 'prefix length from 0 to 32'],
    ['8.8.8.0/', 'prefix length from 0 to 32'],
    ['8.8.8.0/024', 'prefix length from 0 to 32'],
    ['8.8.8.0/-1', 'prefix length from 0 to 32'],
    ['8.8.8.0/24/1', 'prefix length'],
    ['2606:4700::/129', 'prefix length from 0 to 128'],
    ['8.8.8.08', 'expected an IPv4 or IPv6 address'],
    ['8.8.8', 'expected an IPv4 or IPv6 address'],
    ['fe80::1%eth0/64', 'expected an IPv4 or IPv6 address'],
    ['8.8.8.0-8.8.8.255', 'expected an IPv4 or IPv6 address'],
    ['AS9009', 'expected an IPv4 or IPv6 address'],
    ['', 'expected an IPv4 or IPv6 address'],
    ['8.8.8.9/24', 'host bits set in "8.8.8.9/24": expected 8.8.8.0/24 (or 8.8.8.9/32 for the single address)'],
    ['2606:4700::1/32', 'host bits set in "2606:4700::1/32": expected 2606:4700::/32 (or 2606:4700::1/128'],
    ['10.1.0.0/16', '10.0.0.0/8 (private-use, RFC 1918)'],
    ['172.16.5.0/24', '172.16.0.0/12 (private-use, RFC 1918)'],
    ['192.168.1.1', '192.168.0.0/16'],
    ['100.64.0.0/10', '100.64.0.0/10 (shared address space'],
    ['100.127.255.255', '100.64.0.0/10'],
    ['127.0.0.1', '127.0.0.0/8 (loopback'],
    ['169.254.10.0/24', '169.254.0.0/16 (link-local'],
    ['224.0.0.0/4', 'multicast'],
    ['239.1.1.1', 'multicast'],
    ['255.255.255.255', '240.0.0.0/4'],
    ['0.0.0.0', '0.0.0.0/8'],
    ['198.18.0.0/15', 'benchmarking'],
    ['192.0.2.0/24', 'documentation ranges need allowDocumentation'],
    ['::/128', 'unspecified'],
    ['::1', 'loopback'],
    ['fe80::/10', 'link-local'],
    ['fd00::/8', 'unique-local'],
    ['ff02::1', 'multicast'],
    ['64:ff9b::/96', 'NAT64'],
    ['2001:db8::/32', 'documentation'],
    ['3fff::/20', 'documentation'],
    ['4000::/3', 'outside global unicast'],
    ['::ffff:10.0.0.0/104', '10.0.0.0/8'],
    ['::ffff:0:0/95', 'host bits set'],
    ['::fffe:0:0/95', 'outside global unicast'],
  ])('%s is rejected: %s', (text, message) => {
    const r = parsePrefix(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toContain(message);
  });

  // Routed aggregates from real routing data that contain a special-purpose block: real address space.
  it.each([
    ['0.0.0.0/0', '0.0.0.0/0'],
    ['96.0.0.0/3', '96.0.0.0/3'],
    ['192.88.0.0/16', '192.88.0.0/16'],
    ['2001::/20', '2001::/20'],
    ['2001:800::/21', '2001:800::/21'],
    ['2001:0000::/16', '2001::/16'],
  ])('%s contains special-purpose space and is accepted', (text, prefix) => {
    expect(parsePrefix(text)).toMatchObject({ ok: true, prefix });
  });

  it.each([['192.88.99.0/24'], ['192.88.99.128/25'], ['2001:2::/48'], ['2001:db8:8000::/33']])(
    '%s inside special space stays an error',
    (text) => {
      const r = parsePrefix(text);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.message).toContain('lies inside special-purpose');
    },
  );

  it('accepts documentation ranges only when allowed', () => {
    expect(parsePrefix('198.51.100.0/24', doc)).toMatchObject({ ok: true, prefix: '198.51.100.0/24' });
    expect(parsePrefix('2001:db8:1::/48', doc)).toMatchObject({ ok: true });
    expect(parsePrefix('10.0.0.0/8', doc).ok).toBe(false);
  });

  it('cites an RFC for every special-purpose range', () => {
    for (const r of SPECIAL_PURPOSE_RANGES) expect(r.rfc).toMatch(/RFC \d+/);
  });
});

describe('splitCsvLine', () => {
  it.each([
    ['a,b,c', ['a', 'b', 'c']],
    ['a,,c,', ['a', '', 'c', '']],
    ['"a,b",c', ['a,b', 'c']],
    ['"say ""hi""",x', ['say "hi"', 'x']],
    ['"2.58.241.67","False",,"TW"', ['2.58.241.67', 'False', '', 'TW']],
  ])('%j', (line, fields) => {
    expect(splitCsvLine(line)).toEqual(fields);
  });
  it.each([['"open'], ['a"b,c'], ['"a"b']])('rejects %j', (line) => {
    expect(splitCsvLine(line)).toBeUndefined();
  });
});

describe('parsePrefixList: formats', () => {
  it('reads the CSV format with comments, blank lines, extra columns, empty users, CRLF, BOM and trailing spaces', () => {
    const text =
      '\ufeff# example\r\n\r\nprefix,kind,users,source\r\n8.8.8.0/24,cgnat,1200,logs  \r\n  9.9.9.9 , VPN , , list\r\n2606:4700::/32,relay,,\r\n';
    const { entries, errors, format } = parsePrefixList(text, { file: 'a.csv' });
    expect(errors).toEqual([]);
    expect(format).toBe('csv');
    expect(entries).toEqual([
      { prefix: '8.8.8.0/24', family: 4, bits: 24, kind: 'cgnat', users: 1200, file: 'a.csv', line: 4 },
      { prefix: '9.9.9.9/32', family: 4, bits: 32, kind: 'vpn', users: undefined, file: 'a.csv', line: 5 },
      { prefix: '2606:4700::/32', family: 6, bits: 32, kind: 'relay', users: undefined, file: 'a.csv', line: 6 },
    ]);
  });

  it('fills empty kind cells from options.kind and accepts columns in any order', () => {
    const { entries, errors } = parsePrefixList('users,prefix,kind\n5,8.8.8.0/24,\n', { file: 'b.csv', kind: 'proxy' });
    expect(errors).toEqual([]);
    expect(entries[0]).toMatchObject({ prefix: '8.8.8.0/24', kind: 'proxy', users: 5 });
  });

  it('reads a plain list with bare addresses and trailing comments (kind from options)', () => {
    const { entries, errors, format } = parsePrefixList('# tor\n1.1.1.1\n2a01:4f8::1  # exit\n\n8.8.0.0/16\n', {
      file: 't.txt',
      kind: 'tor',
    });
    expect(errors).toEqual([]);
    expect(format).toBe('plain');
    expect(entries.map((e) => [e.prefix, e.line, e.kind])).toEqual([
      ['1.1.1.1/32', 2, 'tor'],
      ['2a01:4f8::1/128', 3, 'tor'],
      ['8.8.0.0/16', 5, 'tor'],
    ]);
  });

  it('reads the geofeed format as relay by default, or as options.kind', () => {
    const text = '172.224.226.0/27,GB,GB-EN,London,\n2a02:26f7:d984:ecf5::/64,AR,AR-B,Rojas,\n';
    expect(parsePrefixList(text, { file: 'g.csv' }).entries.map((e) => e.kind)).toEqual(['relay', 'relay']);
    expect(parsePrefixList(text, { file: 'g.csv', kind: 'vpn' }).entries.map((e) => e.kind)).toEqual(['vpn', 'vpn']);
    expect(parsePrefixList(text, { file: 'g.csv' }).format).toBe('geofeed');
  });

  it('reads a MISP warninglist with line numbers', () => {
    const text = '{\n  "list": [\n    "8.8.8.0/24",\n    "10.0.0.0/8"\n  ],\n  "name": "x"\n}\n';
    const { entries, errors, format } = parsePrefixList(text, { file: 'm.json', kind: 'relay' });
    expect(format).toBe('json');
    expect(entries).toMatchObject([{ prefix: '8.8.8.0/24', line: 3 }]);
    expect(errors.map((e) => e.message)).toEqual([expect.stringMatching(/^m\.json:4: expected a public unicast prefix/)]);
  });

  it('returns nothing for an empty or comment-only file', () => {
    expect(parsePrefixList('# nothing\n\n', { file: 'e' })).toEqual({ entries: [], errors: [], format: 'empty' });
  });
});

describe('parsePrefixList: errors', () => {
  it.each([
    [
      'prefix,kind,users\n8.8.8.0/24,bogus,\n',
      'x:2: expected kind to be one of cgnat, enterprise, vpn, relay, proxy, tor, unknown, got "bogus"',
    ],
    ['prefix,kind,users\n8.8.8.0/24,vpn,0\n', 'x:2: expected users to be a positive integer (1 to 4294967295) or empty, got "0"'],
    ['prefix,kind,users\n8.8.8.0/24,vpn,-3\n', 'x:2: expected users to be a positive integer'],
    ['prefix,kind,users\n8.8.8.0/24,vpn,1.5\n', 'x:2: expected users to be a positive integer'],
    ['prefix,kind,users\n8.8.8.0/24,vpn,01\n', 'x:2: expected users to be a positive integer'],
    ['prefix,kind,users\n8.8.8.0/24,vpn,4294967296\n', 'x:2: expected users to be a positive integer'],
    ['prefix,kind,users\n8.8.8.0/24,vpn\n', 'x:2: expected at least 3 fields (prefix,kind,users), got 2'],
    ['prefix,kind,users\n8.8.8.0/24,,\n', 'x:2: expected a kind'],
    ['prefix,kind,users\n"8.8.8.0/24,vpn,\n', 'x:2: expected a CSV row, found an unbalanced quote'],
    ['prefix,kind,users\n8.8.8.9/24,vpn,\n', 'x:2: host bits set in "8.8.8.9/24": expected 8.8.8.0/24'],
    ['prefix,kind,users\n10.0.0.0/8,vpn,\n', 'x:2: expected a public unicast prefix, got 10.0.0.0/8'],
    ['network,users\n8.8.8.0/24,3\n', 'x:1: expected a "kind" column in the header or a kind for the whole file'],
    ['name,kind\nfoo,vpn\n', 'x:1: expected a CSV header with a prefix column'],
    ['AS9009 # M247, GB (NordVPN)\n', 'x:1: expected a CSV header with a prefix column'],
    ['# list\n8.8.8.8\n', 'x:2: expected a kind for a plain list of prefixes'],
    ['{"list": 3}', 'x:1: expected a MISP warninglist JSON document with a "list" array'],
    ['{"list": [', 'x:1: expected a MISP warninglist JSON document'],
  ])('%j → %s', (text, message) => {
    const { errors } = parsePrefixList(text, { file: 'x' });
    expect(errors.length).toBeGreaterThan(0);
    expect(errors[0]).toBeInstanceOf(PrefixListError);
    expect(errors[0]!.message.startsWith(message)).toBe(true);
    expect(errors[0]!.file).toBe('x');
  });

  it('keeps good lines when some are bad, one error per bad line', () => {
    const { entries, errors } = parsePrefixList('8.8.8.8\nnot-an-ip\n9.9.9.9 extra\n1.1.1.1\n', { file: 'p', kind: 'vpn' });
    expect(entries.map((e) => e.prefix)).toEqual(['8.8.8.8/32', '1.1.1.1/32']);
    expect(errors.map((e) => e.line)).toEqual([2, 3]);
    expect(errors[1]!.message).toBe('p:3: expected one CIDR prefix or address per line, got "9.9.9.9 extra"');
  });

  it('rejects bad options with a TypeError', () => {
    expect(() => parsePrefixList('', { file: 'x', kind: 'mobile' as never })).toThrow(TypeError);
    expect(() => parsePrefixList('', {} as never)).toThrow(TypeError);
  });
});

describe('parsePrefixList: real lists (test/fixtures/lists, see PROVENANCE.md)', () => {
  it.each([
    ['tor-exit-nodes.excerpt.lst', 'tor', 'plain', 60],
    ['apple-egress.excerpt.csv', undefined, 'geofeed', 50],
    ['tmus-geo-ip.excerpt.txt', 'cgnat', 'geofeed', 18],
    ['ProtonVPNExitNodes.excerpt.csv', 'vpn', 'csv', 20],
    ['mullvadvpn.excerpt.txt', 'vpn', 'plain', 30],
  ] as const)('%s', (name, kind, format, count) => {
    const r = parsePrefixList(fixture(name), { file: name, ...(kind ? { kind } : {}) });
    expect(r.errors.map((e) => e.message)).toEqual([]);
    expect(r.format).toBe(format);
    expect(r.entries).toHaveLength(count);
  });

  it('canonicalises upper-case IPv6 and keeps nested geofeed rows', () => {
    const r = parsePrefixList(fixture('tmus-geo-ip.excerpt.txt'), { file: 't', kind: 'cgnat' });
    const prefixes = r.entries.map((e) => e.prefix);
    expect(prefixes).toContain('2607:fb90::/28');
    expect(prefixes).toContain('208.54.137.250/32');
    expect(prefixes).toContain('208.54.0.0/17');
    expect(r.entries[0]).toMatchObject({ line: 3, prefix: '172.32.0.0/11' });
  });
});

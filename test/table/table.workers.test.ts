// Runs inside workerd (the Workers runtime): proves the compiler and the zero-copy reader need no
// Node APIs (no Buffer, no fs) and give the same answers there.
import { describe, expect, it } from 'vitest';
import { compileTable, FORMAT_VERSION, MultiUserTable, TableFormatError } from '../../src/table/index.ts';
import { parsePrefixList } from '../../src/prefix-list/index.ts';

const CSV = `# example
prefix,kind,users
198.51.100.0/24,cgnat,1200
198.51.100.64/28,enterprise,40
2001:db8::/32,cgnat,
2001:db8:100:1::1,tor,
`;

describe('MultiUserTable in workerd', () => {
  const { entries, errors } = parsePrefixList(CSV, { file: 'inline.csv', allowDocumentation: true });
  const bytes = compileTable(entries).bytes;

  it('parses, compiles, opens from an ArrayBuffer, verifies and answers', () => {
    expect(errors).toEqual([]);
    expect(navigator.userAgent).toBe('Cloudflare-Workers');
    const table = MultiUserTable.from(bytes.slice().buffer);
    table.verify();
    expect(table.lookup('198.51.100.70')).toEqual({ prefix: '198.51.100.64/28', kind: 'enterprise', users: 40 });
    expect(table.lookup('::ffff:198.51.100.1')).toEqual({ prefix: '198.51.100.0/24', kind: 'cgnat', users: 1200 });
    expect(table.lookup('2001:db8:100:1::1')).toEqual({ prefix: '2001:db8:100:1::1/128', kind: 'tor', users: undefined });
    expect(table.classify('2001:db8:5::9')).toEqual({ kind: 'cgnat', users: undefined });
    expect(table.lookup('203.0.113.1')).toBeUndefined();
    expect(table.lookup('not an ip')).toBeUndefined();
    expect(table.info).toMatchObject({ formatVersion: FORMAT_VERSION, v4Prefixes: 2, v6Prefixes: 2, byteLength: bytes.length });
  });

  it('rejects a corrupt table with a typed error', () => {
    const b = bytes.slice();
    b[0] = 0;
    expect(() => MultiUserTable.from(b)).toThrow(TableFormatError);
    const c = bytes.slice();
    c[c.length - 1]! ^= 0xff;
    expect(() => MultiUserTable.from(c).verify()).toThrow(/checksum/);
  });
});

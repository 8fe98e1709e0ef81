import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { addressKey, clientAddress, connectionAddress, UNKNOWN_ADDRESS_KEY } from '../../src/ratelimit/index.ts';

describe('addressKey', () => {
  it.each([
    ['192.0.2.1', '192.0.2.1', '192.0.2.1'],
    [' 192.0.2.1 ', '192.0.2.1', '192.0.2.1'],
    ['192.0.2.1:8443', '192.0.2.1', '192.0.2.1'],
    ['::ffff:192.0.2.1', '192.0.2.1', '192.0.2.1'],
    // IPv6 per /56 by default: the first 56 bits are the first three groups and the high byte of the fourth.
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1::/56', '2001:db8:1:2:3:4:5:6'],
    ['2001:DB8:1:2::ffff', '2001:db8:1::/56', '2001:db8:1:2::ffff'],
    ['[2001:db8:1:2::7]:443', '2001:db8:1::/56', '2001:db8:1:2::7'],
    ['2001:db8:1:1ff::7', '2001:db8:1:100::/56', '2001:db8:1:1ff::7'],
    ['fe80::1%eth0', 'fe80::/56', 'fe80::1'],
    ['::1', '::/56', '::1'],
  ])('%s → key %s, looked up as %s', (raw, key, address) => {
    expect(addressKey(raw)).toEqual({ key, address });
  });

  it.each([
    undefined,
    null,
    '',
    'nonsense',
    '127.1',
    '0x7f.0.0.1',
    '010.0.0.1',
    '256.1.1.1',
    '1.2.3.4.5',
    '2001:db8::1::2',
    '1.2.3.4, 5.6.7.8',
    '<script>',
  ])('malformed %j → the shared unknown key, no lookup', (raw) => {
    expect(addressKey(raw)).toEqual({ key: UNKNOWN_ADDRESS_KEY, address: undefined });
  });

  // Whoever holds 192.0.2.250 holds these too (a 6to4 /48 alone is 256 /56s): one counter, the table
  // still asked about the IPv6 address as sent.
  it.each([
    ['2002:c000:2fa::1', '2002:c000:2fa::1'], // 6to4
    ['2002:c000:2fa:ff00::1', '2002:c000:2fa:ff00::1'],
    ['2001:0:4136:e378:8000:63bf:3fff:fd05', '2001:0:4136:e378:8000:63bf:3fff:fd05'], // Teredo: ~0x3ffffd05 = 192.0.2.250
    ['64:ff9b::192.0.2.250', '64:ff9b::c000:2fa'], // NAT64
    ['::192.0.2.250', '::c000:2fa'], // IPv4-compatible
    ['::ffff:0:192.0.2.250', '::ffff:0:c000:2fa'], // IPv4-translated
  ])('%s embeds 192.0.2.250 → counted as it, looked up as %s', (raw, address) => {
    expect(addressKey(raw)).toEqual({ key: '192.0.2.250', address });
    expect(addressKey(raw, 24)).toEqual({ key: '192.0.2.0/24', address });
  });

  it('groups by configurable prefixes', () => {
    expect(addressKey('2001:db8:1:2:3::1', 32, 48)).toEqual({ key: '2001:db8:1::/48', address: '2001:db8:1:2:3::1' });
    expect(addressKey('2001:db8:1:2:3::1', 32, 128)).toEqual({ key: '2001:db8:1:2:3::1', address: '2001:db8:1:2:3::1' });
    expect(addressKey('192.0.2.77', 24, 64)).toEqual({ key: '192.0.2.0/24', address: '192.0.2.77' });
    expect(addressKey('2001:db8:1:2:3::1', 32, 60)).toEqual({ key: '2001:db8:1::/60', address: '2001:db8:1:2:3::1' });
  });
});

describe('clientAddress', () => {
  async function seen(headers: Record<string, string>, trustProxy: number, socket = '203.0.113.9') {
    const app = new Hono();
    app.get('/', (c) => c.text(clientAddress(c, trustProxy) ?? 'none'));
    const res = await app.request('/', { headers }, { incoming: { socket: { remoteAddress: socket } } });
    return res.text();
  }

  it('uses the socket (@hono/node-server env) and ignores X-Forwarded-For without trustProxy', async () => {
    expect(await seen({ 'x-forwarded-for': '198.51.100.1' }, 0)).toBe('203.0.113.9');
  });

  it('ignores CF-Connecting-IP outside Workers (anyone can send it)', async () => {
    expect(await seen({ 'cf-connecting-ip': '198.51.100.1' }, 0)).toBe('203.0.113.9');
  });

  it('takes the trustProxy-th X-Forwarded-For entry from the right', async () => {
    expect(await seen({ 'x-forwarded-for': 'spoofed, 198.51.100.7' }, 1)).toBe('198.51.100.7');
    expect(await seen({ 'x-forwarded-for': 'spoofed, 198.51.100.7, 10.0.0.2' }, 2)).toBe('198.51.100.7');
    expect(await seen({ 'x-forwarded-for': '198.51.100.7' }, 2)).toBe('none');
    expect(await seen({}, 1)).toBe('none');
  });

  it('reads Bun and Deno connection info', async () => {
    const app = new Hono();
    app.get('/', (c) => c.text(connectionAddress(c) ?? 'none'));
    expect(await (await app.request('/', {}, { requestIP: () => ({ address: '192.0.2.5' }) })).text()).toBe('192.0.2.5');
    expect(await (await app.request('/', {}, { server: { requestIP: () => null } })).text()).toBe('none');
    expect(await (await app.request('/', {}, { remoteAddr: { hostname: '192.0.2.6' } })).text()).toBe('192.0.2.6');
    expect(await (await app.request('/')).text()).toBe('none');
  });
});

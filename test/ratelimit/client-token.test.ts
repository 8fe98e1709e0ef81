import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clientTokens } from '../../src/ratelimit/client-token.ts';

const SECRET = 'a-test-secret-of-thirty-two-chars!!';
const OTHER = 'another-secret-of-thirty-two-chars!';
const NOW = Date.UTC(2026, 11, 1, 12, 0, 0);

function decode(token: string): Buffer {
  return Buffer.from(token, 'base64url');
}

describe('client tokens', () => {
  it('verifies from any address of the same /24, not from another /24', async () => {
    const tokens = clientTokens({ secret: SECRET });
    const token = (await tokens.issue('198.51.100.7', NOW))!;
    const same = await tokens.verify(token, '198.51.100.250', NOW + 1000);
    expect(same).toMatchObject({ verified: false });
    expect(same!.id).toMatch(/^[0-9a-f]{24}$/);
    expect(await tokens.verify(token, '198.51.101.7', NOW)).toBeUndefined();
    expect(await tokens.verify(token, '2001:db8::1', NOW)).toBeUndefined();
  });

  it('binds IPv6 tokens to the /48', async () => {
    const tokens = clientTokens({ secret: SECRET });
    const token = (await tokens.issue('2001:db8:aa:1::5', NOW))!;
    expect(await tokens.verify(token, '2001:db8:aa:ffff::1', NOW)).toBeDefined();
    expect(await tokens.verify(token, '2001:db8:ab::1', NOW)).toBeUndefined();
  });

  it('lays the token out as documented (checked with node:crypto, an independent HMAC)', async () => {
    const tokens = clientTokens({ secret: SECRET, ttl: 3600 });
    const bytes = decode((await tokens.issue('198.51.100.7', NOW, true))!);
    expect(bytes.length).toBe(34);
    expect(bytes[0]).toBe(1); // version
    expect(bytes[1]).toBe(1); // verified
    expect(bytes.readUInt32BE(14)).toBe(NOW / 1000 + 3600); // expiry = issue second + ttl
    const message = Buffer.concat([bytes.subarray(0, 18), Buffer.from([0]), Buffer.from('198.51.100.0/24')]);
    const expected = createHmac('sha256', SECRET).update(message).digest().subarray(0, 16);
    expect(bytes.subarray(18).equals(expected)).toBe(true);
  });

  it('carries the verified flag and a fresh id each time', async () => {
    const tokens = clientTokens({ secret: SECRET });
    const a = await tokens.verify(await tokens.issue('198.51.100.7', NOW, true), '198.51.100.7', NOW);
    const b = await tokens.verify(await tokens.issue('198.51.100.7', NOW), '198.51.100.7', NOW);
    expect(a?.verified).toBe(true);
    expect(b?.verified).toBe(false);
    expect(a?.id).not.toBe(b?.id);
  });

  it('expires after the ttl, and refuses an expiry further out than any it issues (clock games)', async () => {
    const tokens = clientTokens({ secret: SECRET, ttl: 600 });
    const token = (await tokens.issue('198.51.100.7', NOW))!;
    expect(await tokens.verify(token, '198.51.100.7', NOW + 599_000)).toBeDefined();
    expect(await tokens.verify(token, '198.51.100.7', NOW + 600_000)).toBeUndefined();
    // Issued by an isolate whose clock ran an hour ahead: the expiry lies beyond now + ttl + 60 s skew.
    const future = (await tokens.issue('198.51.100.7', NOW + 3_600_000))!;
    expect(await tokens.verify(future, '198.51.100.7', NOW)).toBeUndefined();
    const slightlyAhead = (await tokens.issue('198.51.100.7', NOW + 30_000))!;
    expect(await tokens.verify(slightlyAhead, '198.51.100.7', NOW)).toBeDefined();
  });

  it('refuses a token signed with another secret, and verifies old tokens during a rotation', async () => {
    const old = clientTokens({ secret: OTHER });
    const token = (await old.issue('198.51.100.7', NOW))!;
    expect(await clientTokens({ secret: SECRET }).verify(token, '198.51.100.7', NOW)).toBeUndefined();
    expect(await clientTokens({ secret: [SECRET, OTHER] }).verify(token, '198.51.100.7', NOW)).toBeDefined();
  });

  it('refuses every token with one bit flipped anywhere (all 34 × 8 positions)', async () => {
    const tokens = clientTokens({ secret: SECRET });
    const bytes = decode((await tokens.issue('198.51.100.7', NOW))!);
    for (let bit = 0; bit < bytes.length * 8; bit++) {
      const mutated = Buffer.from(bytes);
      mutated[bit >> 3]! ^= 1 << (bit & 7);
      expect(await tokens.verify(mutated.toString('base64url'), '198.51.100.7', NOW), `bit ${bit}`).toBeUndefined();
    }
  });

  it('never throws and never accepts arbitrary input', async () => {
    const tokens = clientTokens({ secret: SECRET });
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string(), fc.base64String({ minLength: 40, maxLength: 52 }), fc.constant(undefined)), async (text) => {
        expect(await tokens.verify(text, '198.51.100.7', NOW)).toBeUndefined();
      }),
      { numRuns: 300 },
    );
  });

  it('issues nothing for a non-address', async () => {
    const tokens = clientTokens({ secret: SECRET });
    expect(await tokens.issue('unknown-address', NOW)).toBeUndefined();
    expect(tokens.bindingPrefix('203.0.113.9')).toBe('203.0.113.0/24');
    expect(tokens.bindingPrefix('2001:db8:1:2::3')).toBe('2001:db8:1::/48');
  });

  it.each([
    [{ secret: 'short' }, /secret/],
    [{}, /secret/],
    [{ secret: [] }, /secret/],
    [{ secret: SECRET, ttl: 10 }, /"ttl"/],
    [{ secret: SECRET, ipv4Prefix: 33 }, /"ipv4Prefix"/],
    [{ secret: SECRET, ipv6Prefix: 8 }, /"ipv6Prefix"/],
  ])('refuses bad options %j', (options, message) => {
    expect(() => clientTokens(options as never)).toThrow(message);
  });
});

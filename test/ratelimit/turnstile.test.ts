import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { challengePage, safeReturnPath, TURNSTILE_ACTION, verifyTurnstile } from '../../src/ratelimit/turnstile.ts';
import { FAIL, PASS, SPENT, startSiteverify } from '../support/siteverify.ts';

// Cloudflare's siteverify cannot be reached from this machine: test/support/siteverify.ts stands in
// for it on loopback, speaking its documented format.
let standIn: Awaited<ReturnType<typeof startSiteverify>>;
let url: string;
let seen: URLSearchParams[];

beforeAll(async () => {
  standIn = await startSiteverify();
  url = standIn.url;
  seen = standIn.seen;
});
afterAll(() => standIn.close());

describe('turnstile siteverify', () => {
  it('passes a solved token and sends the documented fields', async () => {
    const verdict = await verifyTurnstile({ siteKey: 'k', secret: PASS, verifyUrl: url }, 'XXXX.DUMMY.TOKEN.XXXX', '198.51.100.7');
    expect(verdict.success).toBe(true);
    const form = seen.at(-1)!;
    expect(form.get('secret')).toBe(PASS);
    expect(form.get('response')).toBe('XXXX.DUMMY.TOKEN.XXXX');
    expect(form.get('remoteip')).toBe('198.51.100.7');
    expect(form.get('idempotency_key')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it.each([
    [FAIL, 'XXXX.DUMMY.TOKEN.XXXX', 'invalid-input-response'],
    [SPENT, 'XXXX.DUMMY.TOKEN.XXXX', 'timeout-or-duplicate'],
    [PASS, 'other-action', 'action-mismatch'],
    [PASS, '', 'missing-or-malformed-response'],
    [PASS, 'x'.repeat(2049), 'missing-or-malformed-response'],
  ])('refuses secret %s with response %s: %s', async (secret, response, code) => {
    const verdict = await verifyTurnstile({ siteKey: 'k', secret, verifyUrl: url }, response, undefined);
    expect(verdict).toEqual({ success: false, errorCodes: [code] });
  });

  it('fails closed when siteverify cannot be reached or answers garbage', async () => {
    const unreachable = await verifyTurnstile({ siteKey: 'k', secret: PASS, verifyUrl: 'http://127.0.0.1:1/' }, 'tok', undefined);
    expect(unreachable.success).toBe(false);
    const garbage = await verifyTurnstile({ siteKey: 'k', secret: PASS }, 'tok', undefined, async () => new Response('<html>'));
    expect(garbage.success).toBe(false);
  });
});

describe('challenge page', () => {
  it('embeds the site key and a local return path, escaped', () => {
    const html = challengePage({ siteKey: 'site"<key>', secret: 's' }, '/pricing?a=1&b=2');
    expect(html).toContain('data-sitekey="site&#34;&#60;key&#62;"');
    expect(html).toContain('name="return" value="/pricing?a=1&#38;b=2"');
    expect(html).toContain(`data-action="${TURNSTILE_ACTION}"`);
    expect(html).toContain('action="/__multi-user/challenge"');
  });

  it.each([
    ['/a/b?c', '/a/b?c'],
    ['//evil.example/', '/'],
    ['/\\evil.example', '/'],
    ['https://evil.example/', '/'],
    ['/with space', '/'],
    ['', '/'],
    [undefined, '/'],
  ])('return path %j → %j', (path, expected) => {
    expect(safeReturnPath(path)).toBe(expected);
  });
});

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { challengePage, safeReturnPath, verifyTurnstile, TURNSTILE_ACTION } from '../../src/ratelimit/turnstile.ts';

// Cloudflare's siteverify cannot be reached from this machine: this local HTTP server stands in for it,
// speaking its documented format (form-encoded secret/response/remoteip/idempotency_key in, JSON
// { success, error-codes, challenge_ts, hostname, action } out) and honouring Cloudflare's documented
// test secrets: 1x…AA always passes, 2x…AA always fails, 3x…AA answers "timeout-or-duplicate".
const PASS = '1x0000000000000000000000000000000AA';
const FAIL = '2x0000000000000000000000000000000AA';
const SPENT = '3x0000000000000000000000000000000AA';
const seen: URLSearchParams[] = [];
let server: Server;
let url: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      const form = new URLSearchParams(body);
      seen.push(form);
      const secret = form.get('secret');
      const answer =
        req.method !== 'POST' || !form.get('response')
          ? { success: false, 'error-codes': ['missing-input-response'] }
          : secret === PASS
            ? { success: true, 'error-codes': [], challenge_ts: new Date().toISOString(), hostname: 'example.com', action: form.get('response') === 'other-action' ? 'login' : TURNSTILE_ACTION }
            : secret === SPENT
              ? { success: false, 'error-codes': ['timeout-or-duplicate'] }
              : secret === FAIL
                ? { success: false, 'error-codes': ['invalid-input-response'] }
                : { success: false, 'error-codes': ['invalid-input-secret'] };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/turnstile/v0/siteverify`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

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

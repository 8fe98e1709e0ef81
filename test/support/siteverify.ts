/**
 * A stand-in for Cloudflare Turnstile's siteverify endpoint, which cannot be reached from this
 * machine. It speaks the documented format — form-encoded `secret`, `response`, `remoteip`,
 * `idempotency_key` in; JSON `{ success, error-codes, challenge_ts, hostname, action }` out — and
 * honours Cloudflare's documented test secrets: 1x…AA always passes, 2x…AA always fails, 3x…AA
 * answers "timeout-or-duplicate". With the passing secret, the response {@link FAILING_RESPONSE}
 * fails (our addition, so one deployment can test both outcomes) and `other-action` passes for
 * another widget's action.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { siteverifyAnswer } from './siteverify-answer.ts';

export { FAIL, FAILING_RESPONSE, PASS, SPENT, TEST_SITE_KEY, siteverifyAnswer } from './siteverify-answer.ts';

/** Starts the stand-in on loopback; `seen` collects every form it was sent. */
export async function startSiteverify(): Promise<{ url: string; seen: URLSearchParams[]; close(): Promise<void> }> {
  const seen: URLSearchParams[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      const form = new URLSearchParams(body);
      seen.push(form);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(siteverifyAnswer(req.method ?? 'GET', form)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/turnstile/v0/siteverify`;
  return { url, seen, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

import type { Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import {
  addressKey,
  challengePage,
  safeReturnPath,
  verifyTurnstile,
  type ClientKeyLimiter,
  type RateLimitStore,
  type StoreRule,
  type TurnstileOptions,
} from '../ratelimit/index.ts';
import { blocked, limitedResponse, type LimitedAnswer } from './limited-response.ts';

/** Where the challenge page posts the solved Turnstile token. */
export const CHALLENGE_PATH = '/__multi-user/challenge';
/** Largest form body the challenge endpoint reads (a Turnstile token is at most 2,048 characters). */
export const MAX_CHALLENGE_BODY = 4096;
/**
 * Attempts per client address: 10 per minute, then a 10-minute block; a solved challenge clears the
 * count, so only failed attempts accumulate (as the admin endpoints do).
 */
export const CHALLENGE_ATTEMPTS: StoreRule = Object.freeze({
  algorithm: 'fixed-window',
  limit: 10,
  periodMs: 60_000,
  mitigationMs: 600_000,
});

/**
 * The answer to a request blocked by a rule with `action: "challenge"`: browsers (`Accept: text/html`) at an address
 * where client keys apply get the Turnstile challenge page (429, `Retry-After`, not cached); everyone
 * else gets the worker's ordinary 429.
 *
 * @example
 * ```ts
 * const answer = challengeOrLimited(turnstile);
 * return answer(request, { decision, retryAfter }, outcome.headers);
 * ```
 */
export function challengeOrLimited(turnstile: TurnstileOptions): LimitedAnswer {
  const options = { ...turnstile, postPath: CHALLENGE_PATH };
  return function challengeOrLimited(request, info, headers) {
    if (info.decision.keyed === undefined || !(request.headers.get('accept') ?? '').includes('text/html')) {
      return limitedResponse(request, info, headers);
    }
    const url = new URL(request.url);
    return blocked(challengePage(options, url.pathname + url.search), 'text/html; charset=UTF-8', info.retryAfter, headers);
  };
}

/**
 * What the challenge endpoint needs: the Turnstile settings, the client-key issuer, a store counting
 * attempts per address, and the fetch to reach siteverify with.
 *
 * @example
 * ```ts
 * const deps: ChallengeDeps = { turnstile, clientKeys, attempts: new MemoryStore() };
 * ```
 */
export interface ChallengeDeps {
  turnstile: TurnstileOptions;
  clientKeys: ClientKeyLimiter;
  attempts: RateLimitStore;
  fetcher?: typeof fetch;
}

/**
 * `POST /__multi-user/challenge`: checks the posted Turnstile token with siteverify; on success sets a
 * verified client token (its own budget at the rule's base limit, outside the mint bound, still
 * under the address aggregate) and redirects (303) to the posted local return path (never another
 * site). A failed check gets 429; a body over {@link MAX_CHALLENGE_BODY} bytes 413; other methods 405.
 *
 * @example
 * ```ts
 * if (c.req.path === CHALLENGE_PATH) return challengeEndpoint(c, { turnstile, clientKeys, attempts });
 * ```
 */
export async function challengeEndpoint(c: Context, deps: ChallengeDeps): Promise<Response> {
  if (c.req.method !== 'POST') return c.text("the challenge endpoint takes the challenge page's POST\n", 405, { Allow: 'POST' });
  const raw = c.req.header('cf-connecting-ip');
  const counted = addressKey(raw);
  if (counted.address === undefined) return c.text('no client address\n', 400);
  const key = attemptsKey(counted.key);
  const attempt = await deps.attempts.hit(key, CHALLENGE_ATTEMPTS, Date.now());
  if (!attempt.allowed) return failed(c, attempt.retryAfterMs);
  const read: { form?: URLSearchParams } = {};
  const tooLarge = await capBody(c, async () => {
    read.form = new URLSearchParams(new TextDecoder().decode(await c.req.arrayBuffer()));
  });
  if (tooLarge instanceof Response) return tooLarge;
  const form = read.form ?? new URLSearchParams();
  const verdict = await verifyTurnstile(deps.turnstile, form.get('cf-turnstile-response'), counted.address, deps.fetcher);
  if (!verdict.success) return failed(c, 60_000);
  await deps.attempts.reset?.(key);
  const cookie = await deps.clientKeys.issueCookie(c.req.raw, counted.address, Date.now(), true);
  const headers = new Headers({ Location: safeReturnPath(form.get('return')), 'Cache-Control': 'no-store' });
  if (cookie !== undefined) headers.append('Set-Cookie', cookie);
  return new Response(null, { status: 303, headers });
}

// hono's body limit, run in place: whatever Content-Length claims, no more than the cap is read.
const capBody = bodyLimit({
  maxSize: MAX_CHALLENGE_BODY,
  onError: (c) => c.text(`the form is larger than ${MAX_CHALLENGE_BODY} bytes\n`, 413),
});

function failed(c: Context, retryAfterMs: number): Response {
  const retryAfter = String(Math.max(1, Math.ceil(retryAfterMs / 1000)));
  return c.text('The challenge was not passed. Go back and try again.\n', 429, { 'Retry-After': retryAfter, 'Cache-Control': 'no-store' });
}

/**
 * The attempts counter's key in the rules' store. The rules' keys are `<id> <address key>`, and a rule
 * id cannot contain `"`: a rule with the id `challenge` shared `challenge <address key>` with this
 * counter, so its requests used up challenge attempts and a solved challenge reset its count.
 */
function attemptsKey(addressKey: string): string {
  return `"challenge" ${addressKey}`;
}

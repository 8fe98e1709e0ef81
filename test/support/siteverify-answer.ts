/**
 * The answers of the siteverify stand-in (see siteverify.ts), without Node imports so that workerd
 * tests can answer the worker's siteverify call with them too.
 */
import { TURNSTILE_ACTION } from '../../src/ratelimit/turnstile.ts';

export const PASS = '1x0000000000000000000000000000000AA';
export const FAIL = '2x0000000000000000000000000000000AA';
export const SPENT = '3x0000000000000000000000000000000AA';
/** Cloudflare's documented always-passing test site key. */
export const TEST_SITE_KEY = '1x00000000000000000000AA';
export const FAILING_RESPONSE = 'XXXX.DUMMY.FAIL.XXXX';

/** The stand-in's answer to one siteverify call. */
export function siteverifyAnswer(method: string, form: URLSearchParams): Record<string, unknown> {
  const secret = form.get('secret');
  const response = form.get('response');
  if (method !== 'POST' || !response) return { success: false, 'error-codes': ['missing-input-response'] };
  if (secret === PASS && response !== FAILING_RESPONSE) {
    return {
      success: true,
      'error-codes': [],
      challenge_ts: new Date().toISOString(),
      hostname: 'example.com',
      action: response === 'other-action' ? 'login' : TURNSTILE_ACTION,
    };
  }
  if (secret === SPENT) return { success: false, 'error-codes': ['timeout-or-duplicate'] };
  if (secret === FAIL || secret === PASS) return { success: false, 'error-codes': ['invalid-input-response'] };
  return { success: false, 'error-codes': ['invalid-input-secret'] };
}

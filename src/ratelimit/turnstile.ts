/**
 * Cloudflare Turnstile for the `challenge` action: the page a browser over its limit is shown, and
 * the server-side `siteverify` check of the token it posts back.
 */

/** Cloudflare's documented endpoint; tests point {@link TurnstileOptions.verifyUrl} at a local stand-in. */
export const SITEVERIFY_URL = 'https://challenges.cloudflare.com/turnstile/v0/siteverify';
/** The widget's action name, checked in the siteverify answer so a token solved for another widget is refused. */
export const TURNSTILE_ACTION = 'multi-user-ip';
/** Turnstile tokens are at most 2,048 characters (Cloudflare's documentation). */
const MAX_RESPONSE = 2048;
const SAFE_RETURN = /^\/(?![/\\])[\x21-\x7e]{0,2047}$/;

/**
 * Settings of the challenge.
 *
 * @example
 * ```ts
 * const turnstile: TurnstileOptions = { siteKey: env.TURNSTILE_SITE_KEY, secret: env.TURNSTILE_SECRET };
 * ```
 */
export interface TurnstileOptions {
  /** The widget's site key (public). */
  siteKey: string;
  /** The widget's secret key, sent to siteverify only. */
  secret: string;
  /** Default {@link SITEVERIFY_URL}. */
  verifyUrl?: string;
  /** Where the page posts the solved token. Default `/__multi-user/challenge`. */
  postPath?: string;
}

/**
 * What siteverify said, reduced to what the limiter acts on.
 *
 * @example
 * ```ts
 * const v: TurnstileVerdict = { success: false, errorCodes: ['invalid-input-response'] };
 * ```
 */
export interface TurnstileVerdict {
  success: boolean;
  errorCodes: string[];
}

/**
 * The challenge page: the Turnstile widget in a form that posts the solved token, with the path to
 * return to, back to the worker. Values are HTML-escaped; the return path must be a local path.
 *
 * @example
 * ```ts
 * return new Response(challengePage(options, '/pricing'), { status: 429, headers: { 'Content-Type': 'text/html; charset=utf-8' } });
 * ```
 */
export function challengePage(options: TurnstileOptions, returnTo: string): string {
  const action = escapeHtml(options.postPath ?? '/__multi-user/challenge');
  const back = escapeHtml(safeReturnPath(returnTo));
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>One moment, please</title>
<script src="https://challenges.cloudflare.com/turnstile/v0/api.js" async defer></script>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#222}</style>
</head><body>
<h1>One moment, please</h1>
<p>Many requests came from your network just now. Confirm you are a person to continue with your own allowance.</p>
<form method="post" action="${action}">
<input type="hidden" name="return" value="${back}">
<div class="cf-turnstile" data-sitekey="${escapeHtml(options.siteKey)}" data-action="${TURNSTILE_ACTION}"></div>
<p><button type="submit">Continue</button></p>
</form>
</body></html>
`;
}

/**
 * Checks a posted Turnstile token with siteverify (form-encoded `secret`, `response`, `remoteip`,
 * `idempotency_key`, as documented). Never throws: a network error, a non-JSON answer, a token over
 * 2,048 characters or for another widget action is a failure with an error code saying which.
 *
 * @example
 * ```ts
 * const { success } = await verifyTurnstile(options, form.get('cf-turnstile-response'), clientIp);
 * ```
 */
export async function verifyTurnstile(
  options: TurnstileOptions,
  response: unknown,
  remoteIp: string | undefined,
  fetcher: typeof fetch = fetch,
): Promise<TurnstileVerdict> {
  if (typeof response !== 'string' || response === '' || response.length > MAX_RESPONSE) {
    return { success: false, errorCodes: ['missing-or-malformed-response'] };
  }
  const body = new URLSearchParams({ secret: options.secret, response, idempotency_key: crypto.randomUUID() });
  if (remoteIp !== undefined) body.set('remoteip', remoteIp);
  try {
    const res = await fetcher(options.verifyUrl ?? SITEVERIFY_URL, { method: 'POST', body });
    const answer = (await res.json()) as { success?: unknown; 'error-codes'?: unknown; action?: unknown };
    const errorCodes = Array.isArray(answer['error-codes']) ? answer['error-codes'].filter((c): c is string => typeof c === 'string') : [];
    if (answer.success !== true) return { success: false, errorCodes };
    if (answer.action !== undefined && answer.action !== TURNSTILE_ACTION) return { success: false, errorCodes: ['action-mismatch'] };
    return { success: true, errorCodes };
  } catch (error) {
    return { success: false, errorCodes: [`siteverify-unreachable: ${error instanceof Error ? error.message : String(error)}`] };
  }
}

/**
 * A path to send the browser back to after the challenge: a local path (no scheme, no `//host`,
 * no backslash trick, printable ASCII), else `/`. Stops the challenge from being an open redirect.
 *
 * @example
 * ```ts
 * safeReturnPath('/pricing?x=1'); // '/pricing?x=1'
 * safeReturnPath('//evil.example/'); // '/'
 * ```
 */
export function safeReturnPath(path: unknown): string {
  return typeof path === 'string' && SAFE_RETURN.test(path) ? path : '/';
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

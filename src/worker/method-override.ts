import type { RequestTarget } from './request-target.ts';

/** Headers origins read a POST's real method from (Rack, Laravel, Symfony, Express `method-override`, Hono). */
const OVERRIDE_HEADERS = ['x-http-method-override', 'x-http-method', 'x-method-override'] as const;
/** Most of a form body read for a `_method` field; past it, the post may be any method. */
export const OVERRIDE_BODY_LIMIT = 64 * 1024;
/** What a post too large to read may be routed as. */
const ANY_OVERRIDE: readonly string[] = ['PUT', 'PATCH', 'DELETE'];
const METHOD = /^[A-Za-z]{1,16}$/;
const FIELD = /(?:^|&)_method=([^&]*)/g;
const MULTIPART_FIELD = /name="?_method"?[^\r\n]*\r?\n(?:[^\r\n]+\r?\n)*\r?\n([^\r\n]*)/gi;

/**
 * The methods besides POST that an origin may route a POST as: HTML forms can only GET and POST, so
 * Rails, Laravel, Symfony, Hono's `methodOverride` and Express's `method-override` take the method
 * from an `X-HTTP-Method-Override` (or `X-HTTP-Method`, `X-Method-Override`) header, a `_method`
 * query parameter or a `_method` form field. A rule for DELETE must count a POST that says DELETE.
 * A form body is read from a clone (the origin still gets the whole body), at most
 * {@link OVERRIDE_BODY_LIMIT} bytes; a longer or unreadable one may be PUT, PATCH or DELETE.
 * Synchronous unless there is a form body to read; `[]` for anything but a POST.
 *
 * @example
 * ```ts
 * const request = new Request('https://edge.example/v2/7?_method=delete', { method: 'POST' });
 * overrideMethods(request, requestTarget(request.url)); // ['DELETE']
 * ```
 */
export function overrideMethods(request: Request, url: RequestTarget): string[] | Promise<string[]> {
  if (request.method !== 'POST') return [];
  const found = new Set<string>();
  for (const name of OVERRIDE_HEADERS) {
    const value = request.headers.get(name);
    if (value !== null) for (const m of value.split(',')) add(found, m);
  }
  if (url.search.includes('_method=')) fields(url.search.slice(1), FIELD, found);
  const type = (request.headers.get('content-type') ?? '').toLowerCase();
  const form = type.startsWith('application/x-www-form-urlencoded')
    ? FIELD
    : type.startsWith('multipart/form-data')
      ? MULTIPART_FIELD
      : undefined;
  if (form === undefined || request.body === null) return [...found];
  return bodyText(request.clone()).then(
    (text) => {
      if (text === undefined) for (const m of ANY_OVERRIDE) found.add(m);
      else if (text.includes('_method')) fields(text, form, found);
      return [...found];
    },
    () => [...found, ...ANY_OVERRIDE],
  );
}

function add(found: Set<string>, method: string): void {
  const m = method.trim();
  if (METHOD.test(m)) found.add(m.toUpperCase());
}

function fields(text: string, field: RegExp, found: Set<string>): void {
  for (const match of text.matchAll(field)) {
    let value = match[1]!;
    try {
      value = decodeURIComponent(value.replaceAll('+', ' '));
    } catch {
      // a bad escape: the value as sent
    }
    add(found, value);
  }
}

/** The body as text, `undefined` past {@link OVERRIDE_BODY_LIMIT} bytes (the rest is left unread). */
async function bodyText(clone: Request): Promise<string | undefined> {
  const declared = Number(clone.headers.get('content-length'));
  if (declared > OVERRIDE_BODY_LIMIT) {
    await clone.body?.cancel();
    return undefined;
  }
  const reader = clone.body!.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > OVERRIDE_BODY_LIMIT) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  return new TextDecoder().decode(bytes);
}

import type { RequestTarget } from './request-target.ts';

/** Headers origins read a POST's real method from (Rack, Laravel, Symfony, Express `method-override`, Hono). */
const OVERRIDE_HEADERS = ['x-http-method-override', 'x-http-method', 'x-method-override'] as const;
/** Most of a form body read for a `_method` field; past it, the post may be any method. */
export const OVERRIDE_BODY_LIMIT = 64 * 1024;
/** What a post whose form cannot be read may be routed as. */
const ANY_OVERRIDE: readonly string[] = ['PUT', 'PATCH', 'DELETE'];
const METHOD = /^[A-Za-z]{1,16}$/;

/**
 * The methods besides POST that an origin may route a POST as: HTML forms can only GET and POST, so
 * Rails, Laravel, Symfony, Hono's `methodOverride` and Express's `method-override` take the method
 * from an `X-HTTP-Method-Override` (or `X-HTTP-Method`, `X-Method-Override`) header, a `_method`
 * query parameter or a `_method` form field. A rule for DELETE must count a POST that says DELETE.
 * A form body (URL-encoded or multipart) is read from a clone (the origin still gets the whole
 * body), at most {@link OVERRIDE_BODY_LIMIT} bytes, and parsed by the platform's form parser; a
 * longer or unparsable one may be PUT, PATCH or DELETE. Names are decoded as origins decode them
 * (`%5Fmethod` is `_method` to Rack). Synchronous unless there is a form body to read; `[]` for
 * anything but a POST.
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
  if (url.search !== '') for (const m of new URLSearchParams(url.search).getAll('_method')) add(found, m);
  const type = request.headers.get('content-type') ?? '';
  const lower = type.toLowerCase();
  const form = lower.startsWith('application/x-www-form-urlencoded') || lower.startsWith('multipart/form-data');
  if (!form || request.body === null) return [...found];
  return formOf(request.clone(), type).then(
    (fields) => {
      if (fields === undefined) for (const m of ANY_OVERRIDE) found.add(m);
      else for (const m of fields.getAll('_method')) if (typeof m === 'string') add(found, m);
      return [...found];
    },
    // A form the platform's parser refuses may still be read by the origin's own.
    () => [...found, ...ANY_OVERRIDE],
  );
}

function add(found: Set<string>, method: string): void {
  const m = method.trim();
  if (METHOD.test(m)) found.add(m.toUpperCase());
}

/** The form, parsed by the platform's form parser; `undefined` past {@link OVERRIDE_BODY_LIMIT} bytes. */
async function formOf(clone: Request, type: string): Promise<FormData | undefined> {
  const chunks = await bodyChunks(clone);
  return chunks === undefined ? undefined : new Response(new Blob(chunks), { headers: { 'content-type': type } }).formData();
}

/** The body's chunks, `undefined` past {@link OVERRIDE_BODY_LIMIT} bytes (the rest is left unread). */
async function bodyChunks(clone: Request): Promise<Uint8Array[] | undefined> {
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
  return chunks;
}

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { originRequest } from '../../src/worker/origin.ts';
import { requestTarget } from '../../src/worker/request-target.ts';

// The reference: the origin's base path and the request's path and query (as the URL parser reads
// the request URL) put together with the URL API's own setters.
function reference(requestUrl: string, origin: URL): string {
  const incoming = new URL(requestUrl);
  const target = new URL(origin.href);
  target.pathname = `${origin.pathname.replace(/\/$/, '')}${incoming.pathname}`;
  target.search = incoming.search;
  return target.href;
}

const origins = fc
  .record({
    scheme: fc.constantFrom('http', 'https'),
    host: fc.domain(),
    port: fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }),
    segments: fc.array(fc.webSegment(), { maxLength: 3 }),
    trailing: fc.boolean(),
  })
  .map(({ scheme, host, port, segments, trailing }) => {
    const path = segments.length === 0 ? '/' : `/${segments.join('/')}${trailing ? '/' : ''}`;
    return new URL(`${scheme}://${host}${port === undefined ? '' : `:${port}`}${path}`);
  });

// Request URLs as workerd hands them to the worker: parsed and serialised once already.
const requestUrls = fc.oneof(
  fc.webUrl({ withQueryParameters: true, withFragments: true }),
  fc.constantFrom(
    'https://edge.example/',
    'https://edge.example',
    'https://edge.example?only=query',
    'https://edge.example/a?',
    'https://edge.example/a??',
    'https://edge.example/a?b?',
    'https://edge.example/a?#f',
    'https://edge.example//double//slash/',
    'https://edge.example/a/%2e%2E/b/%2E/c',
    'https://edge.example/api/users/..%2f..%2fx?y=%ff',
    'https://edge.example/%ff/ü?q=é#frag?not-query',
    'http://edge.example:8787/a;b=c/d?e#f',
  ),
);

describe('originRequest: the upstream URL', () => {
  it('is the origin base path followed by the request path and query, as the URL API builds it', () => {
    fc.assert(
      fc.property(requestUrls, origins, (url, origin) => {
        const request = new Request(new URL(url).href);
        expect(originRequest(request, requestTarget(request.url), origin, 'multi=?0').url).toBe(reference(request.url, origin));
      }),
      { numRuns: 2000 },
    );
  });

  it('is the same for a target as workerd hands it over, unparsed, and never leaves the base path', () => {
    // workerd's request.url is "http://" + Host + the target as sent: dot segments (also %2e), backslashes, raw bytes.
    const pieces = fc.constantFrom('a', 'B', '.', '..', '%2e', '%2E%2e', '.%2e', '\\', '%5c', '%2f', ';x', 'é', ' ', '%ff', '', '~');
    const rawTargets = fc
      .tuple(fc.array(pieces, { maxLength: 6 }), fc.option(fc.constantFrom('?q=1', '?', '?a/../b'), { nil: '' }))
      .map(([segments, query]) => `/${segments.join('/')}${query}`);
    fc.assert(
      fc.property(rawTargets, origins, (target, origin) => {
        const raw = `http://edge.example${target}`;
        const upstream = new URL(originRequest(new Request('http://edge.example/'), requestTarget(raw), origin, 'multi=?0').url);
        expect(upstream.href).toBe(reference(raw, origin));
        expect(upstream.pathname.startsWith(origin.pathname.replace(/\/$/, ''))).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it.each([
    ['https://edge.example/a/b?c=d', 'https://origin.example', 'https://origin.example/a/b?c=d'],
    ['https://edge.example/a/b?c=d', 'https://origin.example/app/', 'https://origin.example/app/a/b?c=d'],
    ['https://edge.example/', 'https://origin.example/app', 'https://origin.example/app/'],
    ['https://edge.example/x#frag', 'http://origin.example:8080/app', 'http://origin.example:8080/app/x'],
  ])('%s through %s → %s', (url, origin, expected) => {
    expect(originRequest(new Request(url), requestTarget(url), new URL(origin), 'multi=?0').url).toBe(expected);
  });

  it('refuses an origin with a query or fragment (parseOrigin never returns one)', () => {
    const root = requestTarget('https://edge.example/');
    expect(() => originRequest(new Request('https://edge.example/'), root, new URL('https://origin.example/?q'), 'multi=?0')).toThrow(
      TypeError,
    );
    expect(() => originRequest(new Request('https://edge.example/'), root, new URL('https://origin.example/#f'), 'multi=?0')).toThrow(
      TypeError,
    );
  });
});

describe('requestTarget on workerd', () => {
  it("reads a request's path and query as workerd's URL parser does", () => {
    fc.assert(
      fc.property(requestUrls, (url) => {
        const request = new Request(new URL(url).href);
        const parsed = new URL(request.url);
        // requestTarget may hand back a URL, whose fields are getters: compare the two the worker reads.
        const { pathname, search } = requestTarget(request.url);
        expect({ pathname, search }).toEqual({ pathname: parsed.pathname, search: parsed.search });
      }),
      { numRuns: 2000 },
    );
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pathForms } from '../../src/worker/path.ts';
import { requestTarget, type RequestTarget } from '../../src/worker/request-target.ts';

describe('pathForms', () => {
  it.each([
    // A plain path is its only form.
    ['/api/users', ['/api/users']],
    // %61 decodes on its own; the bad %ff stays and spoils nothing.
    ['/%61pi/users/%ff', ['/%61pi/users/%ff', '/api/users/%ff']],
    // Resolved before decoding ..%2f is one segment (Hono, WSGI); decoded first it climbs (nginx).
    ['/api/users/..%2f..%2fx', ['/api/users/..%2f..%2fx', '/api/users/../../x', '/x']],
    ['//api/./users/', ['//api/./users/', '/api/users/']],
    ['/a\\..\\login', ['/a\\..\\login', '/login']],
    ['/LOGIN;jsessionid=1', ['/login;jsessionid=1', '/login']],
    // Valid UTF-8 runs decode as UTF-8; a lone % stays.
    ['/caf%C3%A9/%', ['/caf%c3%a9/%', '/café/%']],
    // An overlong encoding of "/" is not UTF-8 and not ASCII: left alone.
    ['/%c0%af', ['/%c0%af']],
  ])('%s → %j', (path, forms) => {
    expect(pathForms(path)).toEqual(forms);
  });
});

describe('requestTarget', () => {
  // A URL's fields are getters (a spread copies none): compare the two fields the worker reads.
  const parts = (t: RequestTarget) => ({ pathname: t.pathname, search: t.search });

  // Each expected value is what the URL parser reads from the same serialised URL (worked out by hand).
  it.each([
    ['https://edge.example/a/b?x=1#top', '/a/b', '?x=1'],
    ['https://edge.example/', '/', ''],
    ['https://edge.example/?', '/', ''],
    ['https://edge.example/p#frag?not-a-query', '/p', ''],
    ['https://edge.example/p?#', '/p', ''],
    ['https://u%2F:p%3F%23@edge.example:8443/%2F..%2Fx?q=%3F', '/%2F..%2Fx', '?q=%3F'],
    ['http://[2001:db8::1]:8080/api?', '/api', ''],
  ])('%s → %s %s', (href, pathname, search) => {
    expect(new URL(href).href).toBe(href); // the input is already in serialised form
    expect(parts(requestTarget(href))).toEqual({ pathname, search });
  });

  // workerd's request.url for an incoming HTTP request keeps the target as sent (checked with a raw
  // socket against workerd serve): these are such URLs, each read as the URL parser reads it (WHATWG:
  // backslash is a slash, %2e a dot, dot segments resolved, UTF-8 and spaces percent-encoded).
  it.each([
    ['http://h.example/a\\b/../c?x', '/a/c', '?x'],
    ['http://h.example/a/%2e%2e/b', '/b', ''],
    ['http://h.example/a/./b/../c', '/a/c', ''],
    ['http://h.example/api/.', '/api/', ''],
    ['http://h.example/ä?q=ü', '/%C3%A4', '?q=%C3%BC'],
    ['http://h.example/x?a b', '/x', '?a%20b'],
    ['http://h.example/file.txt?v=1.2', '/file.txt', '?v=1.2'],
    ['http://h.example/.well-known/x', '/.well-known/x', ''],
    ['http://h.example/a/.%2E?q', '/', '?q'],
  ])('raw %s → %s %s', (href, pathname, search) => {
    expect(parts(requestTarget(href))).toEqual({ pathname, search });
  });

  it('reads every http(s) URL, raw or serialised, as the URL parser does', () => {
    const piece = fc.string({
      unit: fc.constantFrom('/', '?', '#', '%', '\\', '.', '@', ':', ';', 'a', 'Z', 'é', ' ', '2F', '3f', '2e', '2E'),
    });
    fc.assert(
      fc.property(
        fc.oneof(
          fc.webUrl({
            withQueryParameters: true,
            withFragments: true,
            authoritySettings: { withUserInfo: true, withPort: true, withIPv6: true },
          }),
          fc.tuple(fc.constantFrom('http://h', 'https://u:p@h:1', 'http://[::1]'), piece).map(([base, rest]) => `${base}/${rest}`),
        ),
        (raw) => {
          // Both as sent (workerd passes incoming targets through) and serialised (a Request built in JS).
          for (const href of [raw.split('#')[0]!, new URL(raw).href]) {
            const url = new URL(href);
            expect(parts(requestTarget(href))).toEqual({ pathname: url.pathname, search: url.search });
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});

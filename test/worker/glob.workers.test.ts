/**
 * Rule globs (src/worker/glob.ts), in workerd, where URLPattern — the reference for what a glob
 * means — is built in.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkGlob, globMatcher, isGlob, URLPATTERN_MAX_PATH } from '../../src/worker/glob.ts';
import worker from '../../src/worker/index.ts';
import { fixedEnv, send, uniqueId } from './helpers.ts';

// What a glob meant before it had its own matcher: URLPattern, case-insensitive, with a prefix's endings.
const reference = (glob: string, form: string) =>
  new URLPattern({ pathname: `${glob}{([^a-z0-9_\\-].*)}?` }, { ignoreCase: true }).test({ pathname: form });

// Text without anything URLPattern or the URL parser would read specially (no dot segment is generated).
const literal = fc.stringMatching(/^[a-zA-Z0-9_.-]{0,3}$/);
const globs = fc
  .array(fc.tuple(literal, fc.constantFrom('/', '')), { minLength: 1, maxLength: 5 })
  .chain((parts) =>
    fc
      .array(fc.boolean(), { minLength: parts.length, maxLength: parts.length })
      .map((stars) => parts.map(([text, slash], i) => `${slash}${text}${stars[i] ? '*' : ''}`).join('')),
  )
  .map((g) => `/${g}`)
  .filter((g) => g.includes('*'))
  // URLPattern reads a "." or ".." piece of text as a dot segment and drops it (`/.*` is `/*` to it); rule paths do not have them.
  .filter((g) => !g.split(/[*/]/).some((piece) => piece === '.' || piece === '..'))
  // and reads `**` as a wildcard with a `*` modifier (its "/" before it optional); to glob.ts it is one wildcard.
  .filter((g) => !g.includes('**'));
const forms = fc
  .array(fc.stringMatching(/^[a-z0-9_.-]{0,4}$/), { maxLength: 6 })
  .filter((segments) => segments.every((s) => s !== '.' && s !== '..'))
  .map((segments) => `/${segments.join('/')}`);

describe('globMatcher', () => {
  it('matches a glob of text and "*" as URLPattern does, and a "/*" glob also without it', () => {
    fc.assert(
      fc.property(globs, forms, (glob, form) => {
        const expected = reference(glob, form) || (glob.endsWith('/*') && reference(glob.slice(0, -2), form));
        expect(globMatcher(glob)(form)).toBe(expected);
      }),
      { numRuns: 20_000 },
    );
  });

  it('matches forms built to fit the glob (the property above mostly sees misses)', () => {
    fc.assert(
      fc.property(globs, fc.array(fc.stringMatching(/^[a-z0-9/_.-]{0,5}$/), { minLength: 8, maxLength: 8 }), (glob, fills) => {
        const form = glob
          .toLowerCase()
          .split('*')
          .map((piece, i) => (i === 0 ? piece : `${fills[i]}${piece}`))
          .join('');
        fc.pre(!/\/\.\.?(?:\/|$)/.test(form));
        expect(globMatcher(glob)(form)).toBe(true);
        expect(reference(glob, form)).toBe(true);
      }),
      { numRuns: 5_000 },
    );
  });

  it.each([
    ['/api/*', '/api', true], // as Hono routes it
    ['/api/*', '/api.json', true],
    ['/api/*', '/apix', false],
    ['/api/*', '/api-v2/x', false],
    ['/v2/*/delete', '/v2/7/delete/', true],
    ['/v2/*/delete', '/v2/7/delete/x/deleted', true], // the first "delete" ends a word
    ['/v2/*/delete', '/v2/7/deleted', false],
    ['/v2/*/delete', '/v2/delete', false], // "*" sits between two slashes
    ['/img/*.png', '/img/a/b.png', true],
    ['/img/*.png', '/img/a.pngx', false],
    ['/a*b*c', '/abc', true],
    ['/a*b*c', '/acb', false],
    ['/a/:id(\\d+)/*', '/a/12', true],
    ['/a/:id(\\d+)/*', '/a/x', false],
  ])('%s on %s: %s', (glob, form, expected) => {
    expect(globMatcher(glob)(form)).toBe(expected);
  });

  it(`runs a glob with URLPattern syntax only on forms up to ${URLPATTERN_MAX_PATH} characters; a longer one counts as a match`, () => {
    const match = globMatcher('/a/:id(\\d+)/x');
    expect(match(`/a/b/${'y'.repeat(URLPATTERN_MAX_PATH)}`)).toBe(true);
    expect(match('/a/b/y')).toBe(false);
  });

  // Not a timing goal: before glob.ts, URLPattern's backtracking took minutes on this path (7.7 s at 4 KB),
  // so the test's default timeout is what fails.
  it('answers a three-star glob on a 16 KB path that it does not match', () => {
    expect(globMatcher('/t/*/*/*/z')(`/t/${'x/'.repeat(8000)}`)).toBe(false);
  });
});

describe('isGlob', () => {
  it.each([
    ['/img/*.png', true],
    ['/users/:id/delete', true],
    ['/:tenant', true],
    ['/v1/things:search', false], // a colon inside a segment is text
    ['/api', false],
  ])('%s: %s', (path, expected) => {
    expect(isGlob(path)).toBe(expected);
  });
});

describe('checkGlob', () => {
  it.each([['/img/*.png'], ['/t/*/*/*/z'], ['/a/:id(\\d+)/*'], ['/a/{x}?/*']])('accepts %s', (glob) => {
    expect(checkGlob(glob)).toBeUndefined();
  });

  it.each([
    ['/a/:id/*/*', 'may have one "*"'],
    ['/a/(x)(y)(z)/*', 'two groups'],
    ['/a/(/*', 'not a valid URLPattern'],
  ])('refuses %s', (glob, message) => {
    expect(checkGlob(glob)).toContain(message);
  });
});

describe('glob rules in the worker', () => {
  it('a rule for /api/* limits /api too', async () => {
    const env = fixedEnv({ STORE: 'memory', RULES: JSON.stringify([{ id: uniqueId('api'), limit: 1, period: 60, path: '/api/*' }]) });
    expect((await send(worker, env, '192.0.2.250', '/api/x')).status).toBe(200);
    expect((await send(worker, env, '192.0.2.250', '/api')).status).toBe(429);
    expect((await send(worker, env, '192.0.2.250', '/api?x=1')).status).toBe(429);
  });

  it('a rule for /users/:id/delete limits /users/7/delete (a parameter, not the text ":id")', async () => {
    const env = fixedEnv({
      STORE: 'memory',
      RULES: JSON.stringify([{ id: uniqueId('param'), limit: 1, period: 60, path: '/users/:id/delete' }]),
    });
    expect((await send(worker, env, '192.0.2.250', '/users/7/delete')).status).toBe(200);
    expect((await send(worker, env, '192.0.2.250', '/users/8/delete')).status).toBe(429);
    expect((await send(worker, env, '192.0.2.250', '/users/8/deleted')).status).toBe(200);
  });

  it('a glob with URLPattern syntax and two "*" is a config error naming the rule', async () => {
    const token = 'a-test-admin-token-of-32-chars-ok';
    const env = fixedEnv({ ADMIN_TOKEN: token, RULES: JSON.stringify([{ id: 'g', limit: 1, period: 60, path: '/a/:id/*/*' }]) });
    expect((await send(worker, env, '192.0.2.250', '/a')).status).toBe(500);
    const health = await send(worker, env, '192.0.2.250', '/__multi-user/health', { headers: { authorization: `Bearer ${token}` } });
    expect(((await health.json()) as { config: { error: string } }).config.error).toContain('RULES[0].path: a glob with URLPattern syntax');
  });
});

import { describe, expect, it } from 'vitest';
import { pathForms } from '../../src/worker/path.ts';

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

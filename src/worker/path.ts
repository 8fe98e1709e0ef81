// Characters and sequences after which a path has more than one form.
const NEEDS_WORK = /[%\\;A-Z]|\/\/|\/\.(?:\/|\.|;|$)/;
const ESCAPES = /(?:%[0-9a-f]{2})+/gi;

/**
 * Every form of a request path that an origin might route, lower-cased: the path as sent, each
 * `%XX` escape decoded on its own (a bad escape such as `%ff` or a lone `%` stays as it is and spoils
 * nothing else), and each of these with dot-segments resolved, backslashes read as slashes,
 * `;parameters` dropped and repeated slashes collapsed — resolved both before decoding (Hono, WSGI:
 * `..%2f` is part of a segment) and after (nginx: `%2F..%2F` climbs). Origins disagree on all of these
 * (Express and ASP.NET route case-insensitively, Tomcat strips `;jsessionid=…`), so a rule is matched
 * against each form, and a rule that matches any form applies: matching more generously only ever
 * applies a limit, never lifts one. A path that needs none of this is its only form.
 *
 * @example
 * ```ts
 * pathForms('/api/users'); // ['/api/users']
 * pathForms('/%61pi/users/%ff'); // ['/%61pi/users/%ff', '/api/users/%ff']
 * pathForms('/api/users/..%2f..%2fx'); // […, '/api/users/../../x', '/x']
 * ```
 */
export function pathForms(path: string): string[] {
  if (hasOneForm(path)) return [path];
  const raw = path.toLowerCase();
  const forms = new Set([raw, resolve(raw)]);
  if (raw.includes('%')) {
    const decoded = decodeEscapes(raw).toLowerCase();
    forms.add(decoded);
    forms.add(resolve(decoded));
    forms.add(decodeEscapes(resolve(raw)).toLowerCase());
  }
  return [...forms];
}

/**
 * Whether a path is its own only form (no escape, backslash, `;`, upper-case letter, empty or dot
 * segment): then `pathForms(path)` is `[path]`, and a caller may skip building that array.
 *
 * @example
 * ```ts
 * hasOneForm('/api/users'); // true
 * hasOneForm('/api/../x'); // false
 * ```
 */
export function hasOneForm(path: string): boolean {
  return !NEEDS_WORK.test(path);
}

/**
 * Decodes each run of `%XX` escapes as UTF-8 where it is valid, and otherwise escape by escape,
 * leaving those above 0x7f (which are not UTF-8 on their own: `%ff`, overlong `%c0%af`) as they are.
 */
function decodeEscapes(p: string): string {
  return p.replace(ESCAPES, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      return run.replace(/%([0-7][0-9a-f])/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
    }
  });
}

/** Backslashes as slashes, `;parameters` dropped, `.` and `..` resolved, empty segments collapsed. */
function resolve(p: string): string {
  if (p.includes('\\')) p = p.replaceAll('\\', '/');
  const out: string[] = [];
  for (let segment of p.split('/')) {
    const semi = segment.indexOf(';');
    if (semi >= 0) segment = segment.slice(0, semi);
    if (segment === '' || segment === '.') continue;
    if (segment === '..') out.pop();
    else out.push(segment);
  }
  const trailing = out.length > 0 && /\/(?:\.{1,2})?(?:;[^/]*)?$/.test(p) ? '/' : '';
  return `/${out.join('/')}${trailing}`;
}

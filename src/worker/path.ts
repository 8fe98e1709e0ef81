// Characters and sequences after which a path needs the slow normalisation below.
const NEEDS_WORK = /[%\\;A-Z]|\/\/|\/\.(?:\/|\.|$)/;

/**
 * The form of a request path that rules are matched against: percent-decoded, backslashes read as
 * slashes, `;parameters` dropped from every segment, `.` and `..` resolved, repeated slashes collapsed,
 * lower-cased. Origins disagree on all of these (Express and ASP.NET route case-insensitively, Tomcat
 * strips `;jsessionid=…`, nginx resolves `%2F..%2F`), so each variant a client could send must land on
 * the same rule; matching more generously only ever applies a limit, never lifts one.
 *
 * @example
 * ```ts
 * normalisePath('/x%2F..%2FLOGIN;jsessionid=1'); // '/login'
 * normalisePath('//api/./users/'); // '/api/users/'
 * ```
 */
export function normalisePath(path: string): string {
  if (!NEEDS_WORK.test(path)) return path;
  let p = path;
  if (p.includes('%')) {
    try {
      p = decodeURIComponent(p);
    } catch {
      // A malformed escape stays as it is: the origin will reject it too.
    }
  }
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
  return `/${out.join('/')}${trailing}`.toLowerCase();
}

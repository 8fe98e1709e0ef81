/**
 * A rule's `path` glob as a matcher of request path forms (lower-cased, as `pathForms` gives them).
 *
 * A glob of literal text and `*` (`/img/*.png`, `/v2/*` followed by `/delete`) is matched here, without a regular
 * expression: URLPattern compiles each `*` to `(.*)`, and V8's backtracking made a glob with three of
 * them take 7.7 s for one 4 KB path (two: 174 ms for 16 KB), while the isolate served nothing else —
 * any client could send such a path. Literal pieces are found left to right (the leftmost place of
 * each leaves the most room for the rest), so the time is linear in the path. A glob with other
 * URLPattern syntax (`:id`, `(\d+)`, `{…}?`) goes to URLPattern with `ignoreCase`; it may have one `*`
 * and two groups, and a path form longer than {@link URLPATTERN_MAX_PATH} characters counts as a match
 * (the rule applies) rather than being run through it.
 *
 * Either way a glob also takes the endings a prefix takes (nothing, or anything that does not continue
 * its last word: `/img/*.png` matches `/img/a.png/`, `/img/a.png.json`, `/img/a.png%20`, not `/img/a.pngx`), and
 * a glob ending in `/*` also matches the path before it (`/api/*` matches `/api`, as Hono routes it).
 */

/** Longest path form run through a URLPattern glob; a longer one counts as a match. */
export const URLPATTERN_MAX_PATH = 512;

// URLPattern syntax besides a plain `*`: names, groups, modifiers, escapes.
const URLPATTERN_SYNTAX = /[:(){}?+\\]/;
// What a glob may be followed by, like a prefix: nothing, or anything that does not continue the last word.
const GLOB_ENDING = '{([^a-z0-9_\\-].*)}?';
const WORD = /[a-z0-9_-]/;

// A segment that starts with `:name`: a URLPattern parameter, as every router reads it.
const PARAMETER = /\/:[A-Za-z_$]/;

/**
 * Whether a rule's path is a glob rather than a prefix: it has a `*`, or a segment that starts with a
 * `:name` parameter (`/users/:id/delete`; a prefix could never match it, since no request path holds
 * `:id`). A `:` elsewhere (`/v1/things:search`) stays literal.
 *
 * @example
 * ```ts
 * isGlob('/img/*.png'); // true
 * isGlob('/users/:id/delete'); // true
 * isGlob('/v1/things:search'); // false
 * ```
 */
export function isGlob(path: string): boolean {
  return path.includes('*') || PARAMETER.test(path);
}

/**
 * What is wrong with a rule's glob (`undefined`: nothing), for the rule parser's error message.
 *
 * @example
 * ```ts
 * checkGlob('/img/*.png'); // undefined
 * checkGlob('/a/:x(\\d+)/*.*'); // 'a glob with URLPattern syntax (…) may have one "*" …'
 * ```
 */
export function checkGlob(glob: string): string | undefined {
  if (!URLPATTERN_SYNTAX.test(glob)) return undefined;
  if (glob.split('*').length > 2 || glob.split('(').length > 3) {
    return `a glob with URLPattern syntax (":name", "(regexp)", "{…}") may have one "*" and two groups, as each can make matching backtrack; got "${glob}"`;
  }
  try {
    urlPattern(glob);
  } catch {
    return `"${glob}" is not a valid URLPattern pathname glob`;
  }
  return undefined;
}

/**
 * The matcher of a glob (a `path` with `*`) that {@link checkGlob} accepted: a function of a
 * lower-cased path form.
 *
 * @example
 * ```ts
 * const match = globMatcher('/img/*.png');
 * match('/img/a/b.png.json'); // true
 * match('/img/a.pngx'); // false
 * ```
 */
export function globMatcher(glob: string): (form: string) => boolean {
  const full = URLPATTERN_SYNTAX.test(glob) ? patternMatcher(glob) : wildcardMatcher(glob.toLowerCase());
  if (!glob.endsWith('/*')) return full;
  const bare = glob.slice(0, -2);
  const before = URLPATTERN_SYNTAX.test(bare) ? patternMatcher(bare) : wildcardMatcher(bare.toLowerCase());
  return function matchGlob(form) {
    return full(form) || before(form);
  };
}

function patternMatcher(glob: string): (form: string) => boolean {
  const pattern = urlPattern(glob);
  return function matchPattern(form) {
    if (form.length > URLPATTERN_MAX_PATH) return true;
    try {
      return pattern.test({ pathname: form });
    } catch {
      return false;
    }
  };
}

function urlPattern(glob: string): URLPattern {
  return new URLPattern({ pathname: `${glob}${GLOB_ENDING}` }, { ignoreCase: true });
}

/** Literal pieces and `*` (any text, `/` included), lower-cased; the last piece takes a prefix's endings. */
function wildcardMatcher(glob: string): (form: string) => boolean {
  const pieces = glob.split('*');
  const first = pieces[0]!;
  const last = pieces[pieces.length - 1]!;
  const middle = pieces.slice(1, -1).filter((piece) => piece !== '');
  return function matchWildcards(form) {
    if (!form.startsWith(first)) return false;
    if (pieces.length === 1) return endsWord(form, first.length);
    let at = first.length;
    for (const piece of middle) {
      const found = form.indexOf(piece, at);
      if (found < 0) return false;
      at = found + piece.length;
    }
    if (last === '') return true;
    for (let found = form.indexOf(last, at); found >= 0; found = form.indexOf(last, found + 1)) {
      if (endsWord(form, found + last.length)) return true;
    }
    return false;
  };
}

/** Whether a match ending at `end` takes a prefix's endings: the end of the form, or a character that does not continue the word. */
function endsWord(form: string, end: number): boolean {
  return end === form.length || !WORD.test(form[end]!);
}

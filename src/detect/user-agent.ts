import { isbot } from 'isbot';
import UAParser from 'ua-parser-js';
import { hashString } from './hash.ts';

/**
 * What detection needs to know about one user-agent string.
 *
 * @example
 * ```ts
 * const info: UserAgentInfo = { id: 123, bot: false, browser: true, family: 'Chrome', major: 145 };
 * ```
 */
export interface UserAgentInfo {
  /** 32-bit hash of the exact string: the identity used in sketches and the popularity table. */
  id: number;
  /** `isbot` says it is a crawler, library or automation tool. */
  bot: boolean;
  /** Not a bot and parses as a real browser (name, major version and engine known). */
  browser: boolean;
  /** Browser name as ua-parser-js 1.x reports it, or '' when not a browser. */
  family: string;
  /** Major version, or 0 when unknown. */
  major: number;
}

/**
 * Creates a cached user-agent classifier: `isbot` for bots, `ua-parser-js` 1.x (MIT) for browsers.
 * Logs repeat a few thousand strings millions of times, so each string is parsed once; the cache is
 * capped (`maxCached`, default 200,000 strings) so a client sending random strings cannot grow memory
 * without bound (past the cap strings are parsed every time: slower, never wrong).
 *
 * @example
 * ```ts
 * const classify = createUserAgentClassifier();
 * classify('Googlebot/2.1 (+http://www.google.com/bot.html)').bot; // true
 * ```
 */
export function createUserAgentClassifier(options: { maxCached?: number } = {}): (ua: string) => UserAgentInfo {
  const maxCached = options.maxCached ?? 200_000;
  if (!Number.isInteger(maxCached) || maxCached < 0) {
    throw new TypeError(`createUserAgentClassifier: maxCached must be a non-negative integer, got ${maxCached}`);
  }
  const cache = new Map<string, UserAgentInfo>();
  const parser = new UAParser();
  return function classifyUserAgent(ua: string): UserAgentInfo {
    const hit = cache.get(ua);
    if (hit !== undefined) return hit;
    const info = classifyUncached(ua, parser);
    if (cache.size < maxCached) cache.set(ua, info);
    return info;
  };
}

function classifyUncached(ua: string, parser: UAParser): UserAgentInfo {
  const id = hashString(ua);
  if (ua.length === 0 || ua === '-') return { id, bot: false, browser: false, family: '', major: 0 };
  if (isbot(ua)) return { id, bot: true, browser: false, family: '', major: 0 };
  parser.setUA(ua);
  const browser = parser.getBrowser();
  const engine = parser.getEngine();
  const major = Number.parseInt(browser.major ?? '', 10);
  const isBrowser = browser.name !== undefined && Number.isFinite(major) && engine.name !== undefined;
  return {
    id,
    bot: false,
    browser: isBrowser,
    family: isBrowser ? browser.name! : '',
    major: isBrowser ? major : 0,
  };
}

/**
 * Thresholds of the detector. Every field is optional; the defaults are documented here and in
 * docs/detection.md, and none of them is tuned to the simulator's parameters (the user estimate is
 * calibrated from each log's own user-agent popularity).
 *
 * @example
 * ```ts
 * const options: DetectOptions = { minDays: 3, minBrowsersPerDay: 10 };
 * ```
 */
export interface DetectOptions {
  /** Days with browser traffic an address needs (sustained, not a burst). Default 2. */
  minDays?: number;
  /** Mean distinct browser user agents per active day to count as multi-user. Default 8. */
  minBrowsersPerDay?: number;
  /** Plausibility of the user-agent mix (0–1; 1 = as natural as the log's crowd). Default 0.35. */
  minPlausibility?: number;
  /** Browser requests per (user agent, day): one client rotating per request scores 1. Default 1.5. */
  minRequestsPerUaDay?: number;
  /** Multi-user addresses a /24 (IPv6 /48) needs before any of them is called `cgnat`. Default 2. */
  minPoolAddresses?: number;
  /** Share of a /24's (/48's) active units that must be multi-user to emit the whole /24. Default 0.75. */
  groupShare?: number;
  /** Active units a /24 (/48) needs before it can be emitted whole. Default 4. */
  groupMinAddresses?: number;
  /** `BotScore` at or below which a request is a bot (Cloudflare: 1–29 likely automated). Default 29. */
  maxBotScore?: number;
  /** Share of malformed lines above which a file is an error. Default 0.5. */
  maxMalformedShare?: number;
  /** Malformed lines quoted per file in the report. Default 5. */
  malformedExamples?: number;
  /** AS-type rule: units an unknown AS needs to look like an access network. Default 8. */
  minAccessAddresses?: number;
  /** AS-type rule: highest median browsers per day of an access network's units. Default 3. */
  maxAccessMedianBrowsers?: number;
  /** AS-type rule: weekend share of browser requests at or below which an AS is enterprise. Default 0.1. */
  maxEnterpriseWeekendShare?: number;
  /** AS-type rule: browser share of requests at or below which an AS is hosting. Default 0.2. */
  maxHostingBrowserShare?: number;
}

/** {@link DetectOptions} with every default filled in. */
export type ResolvedDetectOptions = Required<DetectOptions>;

/**
 * The defaults.
 *
 * @example
 * ```ts
 * DEFAULT_DETECT_OPTIONS.minDays; // 2
 * ```
 */
export const DEFAULT_DETECT_OPTIONS: ResolvedDetectOptions = Object.freeze({
  minDays: 2,
  minBrowsersPerDay: 8,
  minPlausibility: 0.35,
  minRequestsPerUaDay: 1.5,
  minPoolAddresses: 2,
  groupShare: 0.75,
  groupMinAddresses: 4,
  maxBotScore: 29,
  maxMalformedShare: 0.5,
  malformedExamples: 5,
  minAccessAddresses: 8,
  maxAccessMedianBrowsers: 3,
  maxEnterpriseWeekendShare: 0.1,
  maxHostingBrowserShare: 0.2,
});

const LIMITS: { [K in keyof ResolvedDetectOptions]: [number, number, boolean] } = {
  minDays: [1, 3650, true],
  minBrowsersPerDay: [1, 1e6, false],
  minPlausibility: [0, 1, false],
  minRequestsPerUaDay: [0, 1e6, false],
  minPoolAddresses: [1, 65536, true],
  groupShare: [0, 1, false],
  groupMinAddresses: [1, 65536, true],
  maxBotScore: [0, 99, true],
  maxMalformedShare: [0, 1, false],
  malformedExamples: [0, 1000, true],
  minAccessAddresses: [1, 1e9, true],
  maxAccessMedianBrowsers: [0, 1e6, false],
  maxEnterpriseWeekendShare: [0, 1, false],
  maxHostingBrowserShare: [0, 1, false],
};

/**
 * Fills in defaults and validates; throws a `TypeError` naming the bad option.
 *
 * @example
 * ```ts
 * resolveDetectOptions({ minDays: 3 }).minBrowsersPerDay; // 8
 * resolveDetectOptions({ groupShare: 2 }); // throws TypeError: groupShare must be …
 * ```
 */
export function resolveDetectOptions(options: DetectOptions = {}): ResolvedDetectOptions {
  const out = { ...DEFAULT_DETECT_OPTIONS };
  for (const [key, value] of Object.entries(options) as [keyof DetectOptions, number | undefined][]) {
    if (value === undefined) continue;
    const limits = LIMITS[key];
    if (limits === undefined) throw new TypeError(`detect: unknown option "${key}"`);
    const [lo, hi, integer] = limits;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < lo || value > hi || (integer && !Number.isInteger(value))) {
      throw new TypeError(`detect: ${key} must be ${integer ? 'an integer' : 'a number'} in ${lo}..${hi}, got ${String(value)}`);
    }
    out[key] = value;
  }
  return out;
}

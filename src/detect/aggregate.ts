import { parseIPv4, ipv6Unit } from './address.ts';
import { hashPair, mix32 } from './hash.ts';
import type { LogRecord } from './parse.ts';
import { BottomK, DistinctSketch } from './sketch.ts';
import type { UserAgentInfo } from './user-agent.ts';

/**
 * Per-unit state (a unit is an IPv4 address or an IPv6 /64). Sketches are allocated on first use so a
 * client seen once costs a few hundred bytes; none grows past a fixed size, so memory is bounded by
 * the number of units, never by the number of lines.
 *
 * @example
 * ```ts
 * const s = new UnitState(4, 0x51024507);
 * s.requests; // 0
 * ```
 */
export class UnitState {
  asn = 0;
  requests = 0;
  browserRequests = 0;
  botRequests = 0;
  weekendBrowserRequests = 0;
  /** Distinct source ports (HLL, 2^8 registers). */
  ports: DistinctSketch | undefined;
  /** Which of the 64 blocks of 1,024 ports were seen (two 32-bit masks). */
  portBlocksLo = 0;
  portBlocksHi = 0;
  /** Distinct browser user agents, with a uniform sample of their ids (bottom-64). */
  uas: BottomK | undefined;
  /** Distinct (day, browser user agent) pairs. */
  uaDays: DistinctSketch | undefined;
  /** Distinct days and hours with browser traffic. */
  days: DistinctSketch | undefined;
  hours: DistinctSketch | undefined;
  /** The previous request's port, agent and hour: a session repeats them, and re-adding is a no-op. */
  lastPort = -1;
  lastUa = 0;
  lastHour = Number.NaN;

  constructor(
    readonly family: 4 | 6,
    readonly unit: number | string,
  ) {}
}

/**
 * Why a request was left out of the browser counts.
 *
 * @example
 * ```ts
 * const e: Exclusions = { isbot: 3, botScore: 1, verifiedBot: 0, notBrowser: 2 };
 * ```
 */
export interface Exclusions {
  /** `isbot` matched the user agent. */
  isbot: number;
  /** `BotScore` at or below the threshold. */
  botScore: number;
  /** A `VerifiedBotCategory` was set. */
  verifiedBot: number;
  /** Neither bot nor a user agent that parses as a browser (empty, `-`, unknown tools). */
  notBrowser: number;
}

/**
 * Streams parsed requests into per-unit state. The state of a unit does not depend on the order of
 * its lines, so logs may be read in any order (and states merged).
 *
 * @example
 * ```ts
 * const agg = new Aggregator(29, createUserAgentClassifier());
 * const r = newLogRecord();
 * parseLogpushLine(line, r);
 * agg.add(r); // false when the ClientIP is no address
 * ```
 */
export class Aggregator {
  readonly v4 = new Map<number, UnitState>();
  readonly v6 = new Map<string, UnitState>();
  readonly excluded: Exclusions = { isbot: 0, botScore: 0, verifiedBot: 0, notBrowser: 0 };
  requests = 0;
  browserRequests = 0;
  withPort = 0;
  withTime = 0;
  minTime = Number.POSITIVE_INFINITY;
  maxTime = Number.NEGATIVE_INFINITY;
  /** Days of the week seen (bit 0 = Sunday), to know whether weekends were covered. */
  weekdaysSeen = 0;
  private lastV6Ip = '';
  private lastV6Unit: string | number | undefined;

  constructor(
    private readonly maxBotScore: number,
    private readonly classify: (ua: string) => UserAgentInfo,
  ) {}

  /** Adds one request; returns false (and changes nothing) when `r.ip` is not an address. */
  add(r: LogRecord): boolean {
    let state: UnitState | undefined;
    const v4 = parseIPv4(r.ip);
    if (v4 >= 0) {
      state = this.v4.get(v4);
      if (state === undefined) this.v4.set(v4, (state = new UnitState(4, v4)));
    } else {
      // A session repeats its address; IPv6 parsing is the costly part, so remember the last one.
      let unit: string | number | undefined;
      if (r.ip === this.lastV6Ip) unit = this.lastV6Unit;
      else {
        unit = r.ip.includes(':') ? ipv6Unit(r.ip) : undefined;
        this.lastV6Ip = r.ip;
        this.lastV6Unit = unit;
      }
      if (unit === undefined) return false;
      if (typeof unit === 'number') {
        state = this.v4.get(unit);
        if (state === undefined) this.v4.set(unit, (state = new UnitState(4, unit)));
      } else {
        state = this.v6.get(unit);
        if (state === undefined) this.v6.set(unit, (state = new UnitState(6, unit)));
      }
    }
    this.requests++;
    state.requests++;
    // The smallest ASN a unit's lines name: independent of line order, so merged shards agree.
    if (r.asn > 0 && (state.asn === 0 || r.asn < state.asn)) state.asn = r.asn;
    if (r.port >= 0) {
      this.withPort++;
    }
    if (r.port >= 0 && r.port !== state.lastPort) {
      state.lastPort = r.port;
      (state.ports ??= new DistinctSketch(8)).add(mix32(r.port + 1));
      const block = r.port >>> 10;
      if (block < 32) state.portBlocksLo |= 1 << block;
      else state.portBlocksHi |= 1 << (block - 32);
    }
    const ua = this.classify(r.ua);
    if (ua.bot) {
      this.excluded.isbot++;
      state.botRequests++;
      return true;
    }
    if (r.botScore <= this.maxBotScore) {
      this.excluded.botScore++;
      state.botRequests++;
      return true;
    }
    if (r.verifiedBot.length > 0) {
      this.excluded.verifiedBot++;
      state.botRequests++;
      return true;
    }
    if (!ua.browser) {
      this.excluded.notBrowser++;
      return true;
    }
    this.browserRequests++;
    state.browserRequests++;
    const t = r.time;
    if (t === t) {
      this.withTime++;
      if (t < this.minTime) this.minTime = t;
      if (t > this.maxTime) this.maxTime = t;
      const hour = Math.floor(t / 3600);
      const day = Math.floor(hour / 24);
      const weekday = (day + 4) % 7; // 1970-01-01 was a Thursday; 0 = Sunday
      if (weekday === 0 || weekday === 6) state.weekendBrowserRequests++;
      if (ua.id === state.lastUa && hour === state.lastHour) return true;
      state.lastUa = ua.id;
      state.lastHour = hour;
      this.weekdaysSeen |= 1 << weekday;
      (state.uas ??= new BottomK(64)).add(ua.id, ua.id);
      (state.days ??= new DistinctSketch(6)).add(mix32(day));
      (state.hours ??= new DistinctSketch(8)).add(mix32(hour));
      (state.uaDays ??= new DistinctSketch(10)).add(hashPair(day, ua.id));
    } else if (ua.id !== state.lastUa) {
      state.lastUa = ua.id;
      (state.uas ??= new BottomK(64)).add(ua.id, ua.id);
    }
    return true;
  }

  /**
   * Everything this aggregator learned, as plain data for `postMessage` (worker threads each read part
   * of the log; {@link merge} combines them). The result does not depend on how lines were split.
   */
  exportState(): AggregatorState {
    const unit = (s: UnitState): PlainUnit => ({
      family: s.family,
      unit: s.unit,
      asn: s.asn,
      requests: s.requests,
      browserRequests: s.browserRequests,
      botRequests: s.botRequests,
      weekendBrowserRequests: s.weekendBrowserRequests,
      portBlocksLo: s.portBlocksLo,
      portBlocksHi: s.portBlocksHi,
      ports: s.ports?.toPlain(),
      uas: s.uas?.toPlain(),
      uaDays: s.uaDays?.toPlain(),
      days: s.days?.toPlain(),
      hours: s.hours?.toPlain(),
    });
    return {
      units: [...[...this.v4.values()].map(unit), ...[...this.v6.values()].map(unit)],
      excluded: { ...this.excluded },
      requests: this.requests,
      browserRequests: this.browserRequests,
      withPort: this.withPort,
      withTime: this.withTime,
      minTime: this.minTime,
      maxTime: this.maxTime,
      weekdaysSeen: this.weekdaysSeen,
    };
  }

  /** Folds another aggregator's exported state into this one (set unions, sums). */
  merge(o: AggregatorState): void {
    const e = this.excluded;
    e.isbot += o.excluded.isbot;
    e.botScore += o.excluded.botScore;
    e.verifiedBot += o.excluded.verifiedBot;
    e.notBrowser += o.excluded.notBrowser;
    this.requests += o.requests;
    this.browserRequests += o.browserRequests;
    this.withPort += o.withPort;
    this.withTime += o.withTime;
    this.minTime = Math.min(this.minTime, o.minTime);
    this.maxTime = Math.max(this.maxTime, o.maxTime);
    this.weekdaysSeen |= o.weekdaysSeen;
    const join = <T extends DistinctSketch | BottomK>(mine: T | undefined, theirs: T | undefined): T | undefined => {
      if (theirs === undefined) return mine;
      if (mine === undefined) return theirs;
      mine.merge(theirs as never);
      return mine;
    };
    for (const u of o.units) {
      let s: UnitState | undefined;
      if (u.family === 4) {
        s = this.v4.get(u.unit as number);
        if (s === undefined) this.v4.set(u.unit as number, (s = new UnitState(4, u.unit)));
      } else {
        s = this.v6.get(u.unit as string);
        if (s === undefined) this.v6.set(u.unit as string, (s = new UnitState(6, u.unit)));
      }
      if (u.asn > 0 && (s.asn === 0 || u.asn < s.asn)) s.asn = u.asn;
      s.requests += u.requests;
      s.browserRequests += u.browserRequests;
      s.botRequests += u.botRequests;
      s.weekendBrowserRequests += u.weekendBrowserRequests;
      s.portBlocksLo |= u.portBlocksLo;
      s.portBlocksHi |= u.portBlocksHi;
      s.ports = join(s.ports, u.ports && DistinctSketch.fromPlain(u.ports));
      s.uas = join(s.uas, u.uas && BottomK.fromPlain(u.uas));
      s.uaDays = join(s.uaDays, u.uaDays && DistinctSketch.fromPlain(u.uaDays));
      s.days = join(s.days, u.days && DistinctSketch.fromPlain(u.days));
      s.hours = join(s.hours, u.hours && DistinctSketch.fromPlain(u.hours));
    }
  }

  /** Number of units (IPv4 addresses and IPv6 /64s) with state. */
  get units(): number {
    return this.v4.size + this.v6.size;
  }
}

type PlainSketch = ReturnType<DistinctSketch['toPlain']>;

/** One unit's state as plain data (see {@link Aggregator.exportState}). */
export interface PlainUnit {
  family: 4 | 6;
  unit: number | string;
  asn: number;
  requests: number;
  browserRequests: number;
  botRequests: number;
  weekendBrowserRequests: number;
  portBlocksLo: number;
  portBlocksHi: number;
  ports: PlainSketch | undefined;
  uas: ReturnType<BottomK['toPlain']> | undefined;
  uaDays: PlainSketch | undefined;
  days: PlainSketch | undefined;
  hours: PlainSketch | undefined;
}

/**
 * An aggregator's state as plain, structured-cloneable data.
 *
 * @example
 * ```ts
 * const state: AggregatorState = shard.exportState();
 * main.merge(state);
 * ```
 */
export interface AggregatorState {
  units: PlainUnit[];
  excluded: Exclusions;
  requests: number;
  browserRequests: number;
  withPort: number;
  withTime: number;
  minTime: number;
  maxTime: number;
  weekdaysSeen: number;
}

/**
 * One reply inside a traceroute hop, normalised. A timeout (`{ x: "*" }`) has no `from`.
 *
 * @example
 * ```ts
 * const reply: HopReply = { from: '192.168.1.1', rtt: 2.4, ttl: 64, err: undefined };
 * ```
 */
export interface HopReply {
  /** Address that answered; `undefined` for a timeout or a reply without an address. */
  from: string | undefined;
  rtt: number | undefined;
  ttl: number | undefined;
  /** The `err` field (ICMP unreachable code such as `"N"`, `"H"`, or a number), if any. */
  err: string | undefined;
}

/**
 * One hop of a traceroute: its number and replies, or the error the probe reported for it.
 *
 * @example
 * ```ts
 * const hop: TracerouteHop = { hop: 1, replies: [{ from: '10.0.0.1', rtt: 1, ttl: 64, err: undefined }], error: undefined };
 * ```
 */
export interface TracerouteHop {
  hop: number;
  replies: HopReply[];
  error: string | undefined;
}

/**
 * Where a record came from: the file and the 1-based line (one result a line) or 0-based index (JSON array).
 *
 * @example
 * ```ts
 * const at: RecordLocation = { file: 'results.jsonl', line: 3 };
 * ```
 */
export interface RecordLocation {
  file: string;
  line?: number;
  index?: number;
}

/**
 * A RIPE Atlas traceroute result with the fields the hop rules need.
 *
 * @example
 * ```ts
 * const { results } = parseTracerouteText(text, 'results.jsonl');
 * results[0]?.from; // the probe's public address as the Atlas controller saw it
 * ```
 */
export interface TracerouteResult {
  prbId: number;
  msmId: number | undefined;
  timestamp: number | undefined;
  af: 4 | 6;
  fw: number | undefined;
  proto: string | undefined;
  /** The probe's public address (the `from` field). */
  from: string | undefined;
  /** The probe's local address (`src_addr`); missing in old firmware. */
  srcAddr: string | undefined;
  dstAddr: string | undefined;
  hops: TracerouteHop[];
  /** A measurement-level failure (`result: [{ error }]` without a hop number), e.g. name resolution. */
  error: string | undefined;
  at: RecordLocation;
}

/**
 * A record that could not be used, with where it was and why.
 *
 * @example
 * ```ts
 * const e: RecordError = { at: { file: 'r.jsonl', line: 7 }, message: 'invalid JSON: Unexpected end of JSON input' };
 * ```
 */
export interface RecordError {
  at: RecordLocation;
  message: string;
}

/**
 * Formats a location as `file:line` or `file[index]`.
 *
 * @example
 * ```ts
 * formatLocation({ file: 'a.json', index: 4 }); // 'a.json[4]'
 * ```
 */
export function formatLocation(at: RecordLocation): string {
  if (at.line !== undefined) return `${at.file}:${at.line}`;
  if (at.index !== undefined) return `${at.file}[${at.index}]`;
  return at.file;
}

/**
 * Splits a JSON document into records: a JSON array (the API), an object with a `results` array (API
 * wrappers such as the v1 measurement dump), or one JSON value per line (bulk downloads). Records that do
 * not parse are returned as errors with their line; nothing here throws.
 *
 * @example
 * ```ts
 * const { records, errors } = splitJsonRecords('{"a":1}\n{"a":2}\n', 'x.jsonl');
 * records.length; // 2
 * ```
 */
export function splitJsonRecords(
  text: string,
  file: string,
  arrayKeys: readonly string[] = ['results'],
): { records: { value: unknown; at: RecordLocation }[]; whole: unknown; errors: RecordError[] } {
  const records: { value: unknown; at: RecordLocation }[] = [];
  const errors: RecordError[] = [];
  const trimmed = text.replace(/^\uFEFF/, '').trim();
  if (trimmed === '') return { records, whole: undefined, errors };
  const first = trimmed[0];
  let whole: unknown;
  let wholeOk = false;
  if (first === '[' || first === '{') {
    try {
      whole = JSON.parse(trimmed);
      wholeOk = true;
    } catch {
      wholeOk = false;
    }
  }
  if (wholeOk) {
    let list: unknown[] | undefined;
    if (Array.isArray(whole)) list = whole;
    else if (whole !== null && typeof whole === 'object') {
      for (const key of arrayKeys) {
        const v = (whole as Record<string, unknown>)[key];
        if (Array.isArray(v)) {
          list = v;
          break;
        }
      }
      // A single record on its own (one line, or a pretty-printed object).
      if (list === undefined) list = [whole];
    }
    if (list !== undefined) {
      const single = !Array.isArray(whole) && list.length === 1 && list[0] === whole;
      list.forEach((value, index) => records.push({ value, at: single ? { file, line: 1 } : { file, index } }));
      return { records, whole, errors };
    }
  }
  // One value a line. Also salvages a broken JSON array laid out one record a line (a truncated download):
  // the brackets and trailing commas are dropped and every complete line still counts.
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  lines.forEach((raw, i) => {
    let line = raw.trim();
    if (line === '' || line === '[' || line === ']' || line === '],') return;
    if (line.startsWith('[')) line = line.slice(1);
    if (line.endsWith(']')) line = line.slice(0, -1);
    if (line.endsWith(',')) line = line.slice(0, -1);
    try {
      records.push({ value: JSON.parse(line), at: { file, line: i + 1 } });
    } catch (e) {
      errors.push({ at: { file, line: i + 1 }, message: `invalid JSON: ${(e as Error).message}` });
    }
  });
  return { records, whole: undefined, errors };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function optString(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function optNumber(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/**
 * Validates and normalises one traceroute record. Returns the error message when it is not a usable
 * traceroute result (wrong type, no `prb_id`, bad `af`, `result` not a list, a hop without a number…).
 *
 * @example
 * ```ts
 * const r = normaliseTraceroute({ type: 'traceroute', af: 4, prb_id: 1, from: '81.2.69.1', result: [] }, { file: 'x', line: 1 });
 * typeof r === 'string'; // false
 * ```
 */
export function normaliseTraceroute(value: unknown, at: RecordLocation): TracerouteResult | string {
  if (!isObject(value)) return 'expected a JSON object (a traceroute result)';
  if (value.type !== undefined && value.type !== 'traceroute') {
    return `expected type "traceroute", got ${JSON.stringify(value.type)}`;
  }
  const prbId = value.prb_id;
  if (typeof prbId !== 'number' || !Number.isInteger(prbId) || prbId < 0) {
    return 'field prb_id: expected a non-negative integer';
  }
  const af = value.af;
  if (af !== 4 && af !== 6) return `field af: expected 4 or 6, got ${JSON.stringify(af)}`;
  if (!Array.isArray(value.result)) return 'field result: expected a list of hops';
  const hops: TracerouteHop[] = [];
  let error: string | undefined;
  for (const [i, h] of value.result.entries()) {
    if (!isObject(h)) return `result[${i}]: expected an object`;
    if (h.hop === undefined) {
      // `{ error: "..." }` alone: the whole measurement failed on this probe (e.g. DNS), not one hop.
      if (typeof h.error === 'string') {
        error = h.error;
        continue;
      }
      return `result[${i}]: expected a field hop (a positive integer)`;
    }
    if (typeof h.hop !== 'number' || !Number.isInteger(h.hop) || h.hop < 1 || h.hop > 255) {
      return `result[${i}].hop: expected an integer 1–255, got ${JSON.stringify(h.hop)}`;
    }
    const replies: HopReply[] = [];
    if (h.result !== undefined) {
      if (!Array.isArray(h.result)) return `result[${i}].result: expected a list of replies`;
      for (const [j, r] of h.result.entries()) {
        if (!isObject(r)) return `result[${i}].result[${j}]: expected an object`;
        if (r.from !== undefined && typeof r.from !== 'string') {
          return `result[${i}].result[${j}].from: expected an address string`;
        }
        replies.push({
          from: optString(r.from),
          rtt: optNumber(r.rtt),
          ttl: optNumber(r.ttl),
          err: r.err === undefined ? undefined : String(r.err),
        });
      }
    }
    hops.push({ hop: h.hop, replies, error: typeof h.error === 'string' ? h.error : undefined });
  }
  hops.sort((a, b) => a.hop - b.hop);
  return {
    prbId,
    msmId: optNumber(value.msm_id),
    timestamp: optNumber(value.timestamp),
    af,
    fw: optNumber(value.fw),
    proto: optString(value.proto),
    from: optString(value.from),
    srcAddr: optString(value.src_addr),
    dstAddr: optString(value.dst_addr),
    hops,
    error,
    at,
  };
}

/**
 * Parses a file of RIPE Atlas traceroute results (JSON array, `{ results: [...] }` wrapper, or one result
 * a line). Bad records are collected in `errors` with their line or index; the good ones are all kept.
 * A wrapper that also embeds probe objects (`probes.results`, as in the v1 measurement dumps) hands them
 * back in `embeddedProbes` for {@link parseProbeRecords}.
 *
 * @example
 * ```ts
 * const { results, errors } = parseTracerouteText(text, 'msm-5017.jsonl');
 * console.log(`${results.length} results, ${errors.length} malformed`);
 * ```
 */
export function parseTracerouteText(
  text: string,
  file: string,
): { results: TracerouteResult[]; errors: RecordError[]; embeddedProbes: unknown[] } {
  const { records, whole, errors } = splitJsonRecords(text, file);
  const results: TracerouteResult[] = [];
  for (const { value, at } of records) {
    const r = normaliseTraceroute(value, at);
    if (typeof r === 'string') errors.push({ at, message: r });
    else results.push(r);
  }
  let embeddedProbes: unknown[] = [];
  if (isObject(whole) && isObject(whole.probes) && Array.isArray(whole.probes.results)) {
    embeddedProbes = whole.probes.results;
  }
  return { results, errors, embeddedProbes };
}

/**
 * The ClickHouse SQL of the clickhouse engine, as text builders (pure: no I/O). Two passes over the
 * input: a scan (line counts, malformed lines and the distinct user-agent strings, which TypeScript
 * classifies once each) and the aggregation, written as `-State` functions grouped per day and unit
 * and `-Merge`d per unit, so the same text runs on one process (chDB), one server, or a cluster
 * (`s3Cluster`, Distributed tables; states also fit an AggregatingMergeTree filled day by day).
 */

/**
 * Where the log lines come from.
 *
 * @example
 * ```ts
 * const s: LogSource = { kind: 'lines', from: "file('logs/*.ndjson.gz', 'LineAsString')" };
 * ```
 */
export type LogSource =
  /** A table function yielding one `line String` per log line, with `_path` and `_row_number`. */
  | { kind: 'lines'; from: string }
  /** An existing table with Logpush columns (`columns`: the ones it has). */
  | { kind: 'table'; table: string; columns: ReadonlySet<string> };

/** The Logpush fields read, with the type each is extracted as. */
const FIELDS = [
  ['ClientIP', 'Nullable(String)'],
  ['ClientSrcPort', 'Nullable(String)'],
  ['ClientRequestUserAgent', 'Nullable(String)'],
  ['EdgeStartTimestamp', 'Nullable(String)'],
  ['BotScore', 'Nullable(Float64)'],
  ['VerifiedBotCategory', 'Nullable(String)'],
  ['ClientASN', 'Nullable(Float64)'],
] as const;

/** Quotes a string literal for ClickHouse SQL. */
export function sqlString(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** Quotes an identifier (`db.table` keeps its dot). */
export function sqlIdentifier(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/.test(name)) {
    throw new TypeError(`not a plain table name: "${name}" (expected name or database.name)`);
  }
  return name
    .split('.')
    .map((p) => `\`${p}\``)
    .join('.');
}

/**
 * Murmur3's finaliser (`mix32` in src/detect/hash.ts) as a chain of aliased SQL expressions ending in
 * `${name}`: the Node engine's sketch hashes, so the registers below equal the Node engine's.
 */
function mix32Sql(name: string, input: string): string {
  const m = (a: string, k: string) => `bitAnd(${a} * ${k}, 0xffffffff)`;
  return [
    `toUInt64(bitAnd(${input}, 0xffffffff)) AS ${name}_0`,
    `${m(`bitXor(${name}_0, bitShiftRight(${name}_0, 16))`, '0x85ebca6b')} AS ${name}_1`,
    `${m(`bitXor(${name}_1, bitShiftRight(${name}_1, 13))`, '0xc2b2ae35')} AS ${name}_2`,
    `bitXor(${name}_2, bitShiftRight(${name}_2, 16)) AS ${name}`,
  ].join(',\n    ');
}

/**
 * HyperLogLog register index and rank of hash `h` at precision `p`, as `DistinctSketch` computes them
 * (rank = leading zeros of the remaining bits + 1, via bit smearing and a popcount).
 */
function registerSql(h: string, p: number): string {
  const w = `${h}_w${p}`;
  const smear = [1, 2, 4, 8, 16].reduce((acc, k) => `bitOr(${acc}, bitShiftRight(${acc}, ${k}))`, w);
  return [
    `toUInt16(bitShiftRight(${h}, ${32 - p})) AS ${h}_i`,
    `bitAnd(bitShiftLeft(${h}, ${p}), 0xffffffff) AS ${w}`,
    `toUInt8(if(${w} = 0, ${32 - p + 1}, 33 - bitCount(${smear}))) AS ${h}_r`,
  ].join(',\n    ');
}

/** The sketches the Node engine keeps: name, precision and the SQL of the hashed value. */
export const SKETCHES = [
  ['ports', 8, 'assumeNotNull(port) + 1'],
  ['days', 6, 'assumeNotNull(day)'],
  ['hours', 8, 'assumeNotNull(hour)'],
] as const;

/** The raw fields as `f_<name>` columns, plus `file`, `line_no` and `line`. */
function rawSelect(source: LogSource, only?: readonly string[]): string {
  if (source.kind === 'lines') {
    // One JSON parse per line for every field read (the scan reads two).
    const fields = only === undefined ? FIELDS : FIELDS.filter(([n]) => only.includes(n));
    const tuple = `Tuple(${fields.map(([n, t]) => `${n} ${t}`).join(', ')})`;
    return `SELECT _path AS file, _row_number + 1 AS line_no, line,
    JSONExtract(line, ${sqlString(tuple)}) AS j,
    ${fields.map(([n], i) => `tupleElement(j, ${i + 1}) AS f_${n}`).join(',\n    ')}
  FROM ${source.from}
  WHERE NOT (length(line) = 0 OR (length(line) < 3 AND trimBoth(line) = ''))`;
  }
  const col = (n: string, t: string) =>
    source.columns.has(n)
      ? t === 'Nullable(String)'
        ? `CAST(toString(\`${n}\`) AS ${t})`
        : `CAST(\`${n}\` AS ${t})`
      : `CAST(NULL AS ${t})`;
  return `SELECT ${sqlString(source.table)} AS file, rowNumberInAllBlocks() + 1 AS line_no, ifNull(f_ClientIP, '') AS line,
    ${FIELDS.map(([n, t]) => `${col(n, t)} AS f_${n}`).join(',\n    ')}
  FROM ${sqlIdentifier(source.table)}`;
}

/**
 * Every line with its address unit and the fields detection reads, as Node's parser reads them:
 * `fam` 4/6 (IPv4-mapped IPv6 counts as IPv4), `unit` (the IPv4 integer or the IPv6 /64's upper 64
 * bits), `port`, `t` (Unix seconds, from RFC 3339 or from seconds/ms/µs/ns by magnitude), `hour`,
 * `day`, `weekday` (0 = Sunday), `ua`, `uah` (its sipHash64: the join key of the verdicts),
 * `bot_score` (1–99 or NULL), `verified`, `asn`. `ip6` is NULL for a line without a usable ClientIP.
 */
function parsedSelect(source: LogSource): string {
  return `SELECT file, line_no, line,
    ${addressSql()},
    toUInt32OrNull(f_ClientSrcPort) AS port0,
    if(port0 <= 65535, port0, NULL) AS port,
    ifNull(f_ClientRequestUserAgent, '') AS ua,
    sipHash64(ua) AS uah,
    multiIf(f_EdgeStartTimestamp IS NULL OR f_EdgeStartTimestamp = '', NULL,
      match(f_EdgeStartTimestamp, '^[0-9]{4}-'), toFloat64(toUnixTimestamp(parseDateTimeBestEffortOrNull(f_EdgeStartTimestamp, 'UTC'))),
      toFloat64OrNull(f_EdgeStartTimestamp)) AS n,
    multiIf(n IS NULL OR n < 0 OR NOT isFinite(n), NULL, n >= 1e17, n / 1e9, n >= 1e14, n / 1e6, n >= 1e11, n / 1e3, n) AS t,
    toInt64(floor(t / 3600)) AS hour,
    intDiv(hour, 24) AS day,
    (day + 4) % 7 AS weekday,
    if(f_BotScore >= 1 AND f_BotScore <= 99, f_BotScore, NULL) AS bot_score,
    ifNull(f_VerifiedBotCategory, '') != '' AS verified,
    if(f_ClientASN > 0 AND f_ClientASN < 4294967296 AND f_ClientASN = floor(f_ClientASN), toUInt32(f_ClientASN), 0) AS asn
  FROM (${rawSelect(source)})`;
}

/** The unit columns from `f_ClientIP` (see {@link parsedSelect}). */
function addressSql(): string {
  return `toIPv6OrNull(f_ClientIP) AS ip6,
    toUInt128(ifNull(ip6, toIPv6('::'))) AS v,
    bitShiftRight(v, 32) = 0xffff AS is4,
    if(is4, 4, 6) AS fam,
    if(is4, toUInt64(bitAnd(v, 0xffffffff)), toUInt64(bitShiftRight(v, 64))) AS unit`;
}

/**
 * Pass 1: per file (`g = 0`: lines, malformed, the first malformed lines with their numbers) and
 * per distinct user agent (`g = 1`: the string and its request count).
 *
 * @example
 * ```ts
 * scanQuery(source, 5); // SELECT … GROUP BY GROUPING SETS ((file), (uah))
 * ```
 */
export function scanQuery(source: LogSource, examples: number): string {
  return `SELECT grouping(file) AS g, file, toString(uah) AS uah, any(ua) AS ua, count() AS lines,
    countIf(ip6 IS NULL) AS malformed,
    groupArraySortedIf(${Math.max(1, examples)})((line_no, if(ip6 IS NULL, line, '')), ip6 IS NULL) AS examples
  FROM (SELECT file, line_no, line, toIPv6OrNull(f_ClientIP) AS ip6, ifNull(f_ClientRequestUserAgent, '') AS ua, sipHash64(ua) AS uah
    FROM (${rawSelect(source, ['ClientIP', 'ClientRequestUserAgent'])}))
  GROUP BY GROUPING SETS ((file), (uah))`;
}

/**
 * The verdict table's columns: the user agent's `uah`, its Node id (`hashString`), and its class
 * (0 neither bot nor browser, 1 bot, 2 browser).
 */
export const VERDICT_COLUMNS = ['uah', 'id', 'cls'] as const;

/** DDL of the (session-scoped) verdict table. */
export function verdictTableDdl(name: string): string {
  return `CREATE TEMPORARY TABLE ${sqlIdentifier(name)} (uah UInt64, id UInt32, cls UInt8)`;
}

/**
 * Pass 2a: mergeable states per day and unit. `excl`: 0 a browser request, 1 isbot, 2 bot score,
 * 3 verified bot, 4 not a browser (the order of the Node aggregator's checks).
 *
 * @example
 * ```ts
 * // Fill an AggregatingMergeTree day by day, then merge with mergeQuery('detect_states').
 * `INSERT INTO detect_states ${statesQuery(source, 'ua_verdicts', 29)}`;
 * ```
 */
export function statesQuery(source: LogSource, verdicts: string, maxBotScore: number): string {
  const browser = 'excl = 0';
  const timed = 'excl = 0 AND t IS NOT NULL';
  return `SELECT ifNull(day, -1) AS d, fam, unit,
    minStateIf(asn, asn > 0) AS asn,
    countState() AS requests,
    countStateIf(${browser}) AS browser_requests,
    countStateIf(excl = 1) AS x_isbot,
    countStateIf(excl = 2) AS x_bot_score,
    countStateIf(excl = 3) AS x_verified,
    countStateIf(excl = 4) AS x_not_browser,
    countStateIf(${timed} AND weekday IN (0, 6)) AS weekend_browser_requests,
    countStateIf(port IS NOT NULL) AS with_port,
    uniqExactStateIf(h_ports, port IS NOT NULL) AS ports,
    groupBitOrStateIf(bitShiftLeft(toUInt64(1), intDiv(assumeNotNull(port), 1024)), port IS NOT NULL) AS port_blocks,
    groupBitmapStateIf(ua_id, ${browser}) AS uas,
    uniqExactStateIf(h_days, ${timed}) AS days,
    uniqExactStateIf(h_hours, ${timed}) AS hours,
    uniqExactStateIf(h_ua_days, ${timed}) AS ua_days,
    maxMapStateIf(([h_ports_i], [h_ports_r]), port IS NOT NULL) AS ports_hll,
    maxMapStateIf(([h_days_i], [h_days_r]), ${timed}) AS days_hll,
    maxMapStateIf(([h_hours_i], [h_hours_r]), ${timed}) AS hours_hll,
    maxMapStateIf(([h_ua_days_i], [h_ua_days_r]), ${timed}) AS ua_days_hll,
    countStateIf(${timed}) AS with_time,
    minStateIf(assumeNotNull(t), ${timed}) AS min_time,
    maxStateIf(assumeNotNull(t), ${timed}) AS max_time,
    groupBitOrStateIf(bitShiftLeft(toUInt8(1), assumeNotNull(weekday)), ${timed}) AS weekdays
  FROM (
    SELECT p.fam, p.unit, p.asn, p.port, p.t, p.hour, p.day, p.weekday, v.id AS ua_id,
    ${SKETCHES.map(([n, p, e]) => `${mix32Sql(`h_${n}`, e)},\n    ${registerSql(`h_${n}`, p)}`).join(',\n    ')},
    ${mix32Sql('h_pair0', 'assumeNotNull(day)')},
    ${mix32Sql('h_ua_days', 'bitXor(bitAnd(h_pair0 * 0x9e3779b1, 0xffffffff), ua_id)')},
    ${registerSql('h_ua_days', 10)},
      multiIf(v.cls = 1, 1, p.bot_score IS NOT NULL AND p.bot_score <= ${Math.trunc(maxBotScore)}, 2, p.verified, 3, v.cls = 2, 0, 4) AS excl
    FROM (${parsedSelect(source)}) AS p
    GLOBAL ANY LEFT JOIN ${sqlIdentifier(verdicts)} AS v ON v.uah = p.uah
    WHERE p.ip6 IS NOT NULL
  )
  GROUP BY d, fam, unit`;
}

/** The columns {@link mergeQuery} returns, in order. */
export const UNIT_COLUMNS = [
  'fam',
  'unit',
  'asn',
  'requests',
  'browser_requests',
  'x_isbot',
  'x_bot_score',
  'x_verified',
  'x_not_browser',
  'weekend_browser_requests',
  'with_port',
  'ports',
  'port_blocks',
  'uas',
  'days',
  'hours',
  'ua_days',
  'with_time',
  'min_time',
  'max_time',
  'weekdays',
  'ports_hll',
  'days_hll',
  'hours_hll',
  'ua_days_hll',
] as const;

/**
 * Pass 2b: one row per unit, merging the states of {@link statesQuery} (a subquery, or a table of
 * states). `uas` is the 64 smallest browser user-agent ids: exactly the Node engine's bottom-64 sample.
 *
 * @example
 * ```ts
 * mergeQuery(`(${statesQuery(source, 'ua_verdicts', 29)})`);
 * ```
 */
export function mergeQuery(states: string): string {
  return `SELECT fam, toString(unit) AS unit,
    minMerge(asn), countMerge(requests), countMerge(browser_requests),
    countMerge(x_isbot), countMerge(x_bot_score), countMerge(x_verified), countMerge(x_not_browser),
    countMerge(weekend_browser_requests), countMerge(with_port), uniqExactMerge(ports), toString(groupBitOrMerge(port_blocks)),
    arraySort(bitmapToArray(bitmapSubsetLimit(groupBitmapMergeState(uas), 0, 64))),
    uniqExactMerge(days), uniqExactMerge(hours), uniqExactMerge(ua_days),
    countMerge(with_time), minMerge(min_time), maxMerge(max_time), groupBitOrMerge(weekdays),
    maxMapMerge(ports_hll), maxMapMerge(days_hll), maxMapMerge(hours_hll), maxMapMerge(ua_days_hll)
  FROM ${states}
  GROUP BY fam, unit`;
}

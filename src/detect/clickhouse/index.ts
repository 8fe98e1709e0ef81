/**
 * The clickhouse detection engine: the heavy aggregation as ClickHouse SQL (chDB in this process, or
 * a server or cluster), the classification by the shared TypeScript classifier. Kept out of
 * `src/detect/index.ts` so importing detection never loads chDB; see docs/detection.md.
 *
 * @example
 * ```ts
 * import { aggregateWithClickHouse } from './src/detect/clickhouse/index.ts';
 * import { classifyAggregate } from './src/detect/index.ts';
 * const agg = await aggregateWithClickHouse(['logs/*.ndjson.gz']);
 * const { prefixes } = classifyAggregate(agg.aggregator, agg.files, agg.options, {});
 * ```
 */
export { aggregateWithClickHouse, detectWithClickHouse, type ClickHouseAggregate, type ClickHouseEngineOptions } from './engine.ts';
export {
  ClickHouseError,
  MissingPeerError,
  openChdb,
  openClickHouseServer,
  type ClickHouseBackend,
  type ClickHouseServerOptions,
} from './backend.ts';
export { mergeQuery, scanQuery, statesQuery, verdictTableDdl, UNIT_COLUMNS, VERDICT_COLUMNS, type LogSource } from './sql.ts';
export { inputSources, linesFrom, type InputSource } from './sources.ts';
export { CountedSketch, aggregatorFromRows } from './units.ts';

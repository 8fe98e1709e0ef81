/**
 * The prefix-list parser: pure text → entries + errors (no file system access).
 *
 * @example
 * ```ts
 * import { parsePrefixList } from './src/prefix-list/index.ts';
 * const { entries, errors } = parsePrefixList(text, { file: 'lists/tor.txt', kind: 'tor' });
 * ```
 */
export {
  parsePrefixList,
  PrefixListError,
  type PrefixEntry,
  type PrefixListFormat,
  type ParsePrefixListOptions,
  type ParsedPrefixList,
} from './parse.ts';
export { parsePrefix, type ParsedPrefix, type PrefixProblem, type ParsePrefixOptions } from './prefix.ts';
export { SPECIAL_PURPOSE_RANGES, findSpecialPurpose, type SpecialPurposeRange } from './special-purpose.ts';
export { splitCsvLine } from './csv.ts';
export { mergeByPrecedence, type MergedLists } from './merge.ts';

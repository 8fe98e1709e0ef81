/**
 * The compiled multi-user prefix table: binary format, compiler and reader. Pure (bytes in, answers
 * out): runs in workerd, Node and browsers.
 *
 * @example
 * ```ts
 * import { compileTable, MultiUserTable } from 'multi-user-ip/table';
 * const { bytes } = compileTable([{ prefix: '198.51.100.0/24', kind: 'cgnat', users: 1200 }]);
 * MultiUserTable.from(bytes).lookup('198.51.100.7')?.kind; // 'cgnat'
 * ```
 */
export { MultiUserTable, type TableInfo, type MultiUserClass } from './reader.ts';
export { compileTable, TableCompileError, type TableEntry, type TableCompileErrorCode, type CompileStats } from './compile.ts';
export { TableFormatError, FORMAT_VERSION, SECTION_NAMES, type TableFormatErrorCode } from './format.ts';
export { readTablePrefixes } from './prefixes.ts';
export { crc32 } from './crc32.ts';
export { MULTI_USER_KINDS, type MultiUserKind, type MultiUserMatch, type MultiUserClassifier } from './types.ts';

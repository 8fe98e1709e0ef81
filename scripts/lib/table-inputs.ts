/**
 * Reading build-table's inputs: files (gzip detected), per-line problems (fatal, or skipped and
 * reported with `skipInvalid`), and several lists merged by precedence (the earlier input wins).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { mergeByPrecedence, parsePrefixList, type PrefixEntry, type PrefixListFormat } from '../../src/prefix-list/index.ts';
import type { MultiUserKind } from '../../src/table/index.ts';
import { gunzipIfGzip, inputError } from './files.ts';

/** One input list; `kind` is required for plain lists and MISP JSON, and fills empty `kind` cells. */
export interface TableInput {
  file: string;
  kind?: MultiUserKind;
}

/** How inputs are read and merged. */
export interface TableInputOptions {
  /** Base for relative paths. */
  cwd: string;
  allowDocumentation: boolean;
  /** Skip bad lines (reported in `skipped`) instead of failing. */
  skipInvalid: boolean;
  /** `first`: the earlier input wins a prefix listed by several inputs; `error`: that is an error. */
  onConflict: 'first' | 'error';
}

/** One input as read, for the manifest and the summary. */
export interface ReadInput {
  file: string;
  kind: MultiUserKind | null;
  format: PrefixListFormat;
  /** Entries parsed from the file. */
  entries: number;
  /** Prefixes an earlier input listed with other attributes (dropped from this one). */
  lost: number;
  /** Lines skipped with `skipInvalid`. */
  skipped: number;
  gzip: boolean;
  sha256: string;
}

/** What {@link readTableInputs} returns: problems are fatal; `skipped` lists lines left out. */
export interface TableInputs {
  entries: PrefixEntry[];
  inputs: ReadInput[];
  problems: string[];
  skipped: string[];
  /** The first few precedence losses, `file:line: …`. */
  lostExamples: string[];
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads, parses and merges the inputs. Never throws for bad content: unreadable files and bad lines
 * become `problems` (or `skipped` lines with `skipInvalid`).
 *
 * @example
 * ```ts
 * const { entries, problems } = readTableInputs([{ file: 'tor.txt', kind: 'tor' }], { cwd: '.', allowDocumentation: false, skipInvalid: false, onConflict: 'first' });
 * ```
 */
export function readTableInputs(inputs: readonly TableInput[], options: TableInputOptions): TableInputs {
  const problems: string[] = [];
  const skipped: string[] = [];
  const sources: PrefixEntry[][] = [];
  const read: ReadInput[] = [];
  for (const input of inputs) {
    let raw: Uint8Array;
    let data: Uint8Array;
    try {
      raw = readFileSync(resolve(options.cwd, input.file));
      data = gunzipIfGzip(raw, input.file);
    } catch (e) {
      const err = inputError(input.file, e);
      problems.push(err instanceof Error ? err.message : String(err));
      continue;
    }
    let text: string;
    try {
      text = utf8.decode(data);
    } catch {
      problems.push(`${input.file}:1: expected UTF-8 text (a CSV or a list of prefixes, optionally gzipped), got binary data`);
      continue;
    }
    const parsed = parsePrefixList(text, {
      file: input.file,
      ...(input.kind ? { kind: input.kind } : {}),
      allowDocumentation: options.allowDocumentation,
    });
    for (const e of parsed.errors) (options.skipInvalid ? skipped : problems).push(e.message);
    sources.push(parsed.entries);
    read.push({
      file: input.file,
      kind: input.kind ?? null,
      format: parsed.format,
      entries: parsed.entries.length,
      lost: 0,
      skipped: options.skipInvalid ? parsed.errors.length : 0,
      gzip: data !== raw,
      sha256: sha256(raw),
    });
  }
  if (options.onConflict === 'error') {
    // A loop, not push(...spread): a list of a few hundred thousand entries overflows the call stack.
    const entries: PrefixEntry[] = [];
    for (const s of sources) for (const e of s) entries.push(e);
    return { entries, inputs: read, problems, skipped, lostExamples: [] };
  }
  const merged = mergeByPrecedence(sources);
  read.forEach((r, i) => (r.lost = merged.lost[i]!));
  return { entries: merged.entries, inputs: read, problems, skipped, lostExamples: merged.examples };
}

/**
 * The per-input lines of build-table's summary: entries, prefixes lost to an earlier input, skipped
 * lines (the first 20 quoted with file:line and reason).
 *
 * @example
 * ```ts
 * console.log(formatInputSummary(readTableInputs(inputs, options)).join('\n'));
 * ```
 */
export function formatInputSummary(read: TableInputs): string[] {
  const out = ['  inputs (earlier wins a prefix listed by several):'];
  for (const i of read.inputs) {
    const extra = [i.lost > 0 ? `${i.lost} lost to an earlier input` : '', i.skipped > 0 ? `${i.skipped} invalid line(s) skipped` : '']
      .filter(Boolean)
      .join(', ');
    out.push(`    ${i.file}${i.gzip ? ' (gzip)' : ''}: ${i.entries} entries${extra ? `, ${extra}` : ''}`);
  }
  for (const x of read.lostExamples) out.push(`      ${x}`);
  if (read.skipped.length > 0) {
    out.push(`  skipped ${read.skipped.length} invalid line(s) (--skip-invalid):`);
    for (const x of read.skipped.slice(0, 20)) out.push(`    ${x}`);
    if (read.skipped.length > 20) out.push(`    … and ${read.skipped.length - 20} more`);
  }
  return out;
}

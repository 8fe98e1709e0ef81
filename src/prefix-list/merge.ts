import type { PrefixEntry } from './parse.ts';

/**
 * What {@link mergeByPrecedence} returns.
 *
 * @example
 * ```ts
 * const { entries, lost, examples }: MergedLists = mergeByPrecedence([operator, detected]);
 * ```
 */
export interface MergedLists {
  /** The entries kept, in source order (within a source, in its order). */
  entries: PrefixEntry[];
  /** Per source: how many of its prefixes an earlier source listed with other attributes (dropped). */
  lost: number[];
  /** The first few losses as `file:line: prefix kind users lost to kind users from file:line`. */
  examples: string[];
}

const same = (a: PrefixEntry, b: PrefixEntry) => a.kind === b.kind && a.users === b.users;
const describe = (e: PrefixEntry) => `${e.kind} users=${e.users ?? '(empty)'}`;

/**
 * Merges several prefix lists by precedence: the first source that lists a prefix decides its kind
 * and users; a later source listing the same prefix loses it (and is counted in `lost` when its
 * attributes differ; an identical repeat is no loss). Within ONE source every entry is kept, so a
 * prefix listed twice in one file with different attributes still reaches the compiler, which
 * reports it as an error. Nested prefixes from different sources are not a conflict: the longest
 * match decides.
 *
 * @example
 * ```ts
 * const { entries, lost } = mergeByPrecedence([tor, x4bnetVpn]);
 * // lost[1]: prefixes of the X4BNet list already listed (differently) by the Tor list
 * ```
 */
export function mergeByPrecedence(sources: readonly (readonly PrefixEntry[])[], maxExamples = 10): MergedLists {
  const owner = new Map<string, PrefixEntry>();
  const ownerSource = new Map<string, number>();
  const entries: PrefixEntry[] = [];
  const lost = sources.map(() => 0);
  const examples: string[] = [];
  sources.forEach((source, s) => {
    for (const e of source) {
      const first = ownerSource.get(e.prefix);
      if (first === undefined) {
        ownerSource.set(e.prefix, s);
        owner.set(e.prefix, e);
      } else if (first !== s) {
        const kept = owner.get(e.prefix)!;
        if (!same(kept, e)) {
          lost[s]!++;
          if (examples.length < maxExamples) {
            examples.push(`${e.file}:${e.line}: ${e.prefix} ${describe(e)} lost to ${describe(kept)} from ${kept.file}:${kept.line}`);
          }
        }
        continue;
      }
      entries.push(e);
    }
  });
  return { entries, lost, examples };
}

import type { MultiUserClassifier, MultiUserKind, MultiUserMatch } from '../table/types.ts';
import { blockOf } from './ip-class.ts';
import type { AddressLabel } from './labels.ts';

/**
 * Counts and scores of a binary comparison. `precision`, `recall` and `f1` are `undefined` when their
 * denominator is zero (e.g. no address predicted positive), never a made-up 0 or 1.
 *
 * @example
 * ```ts
 * const s = score({ tp: 8, fp: 2, fn: 2, tn: 30 });
 * s.precision; // 0.8
 * ```
 */
export interface Scores {
  tp: number;
  fp: number;
  fn: number;
  tn: number;
  precision: number | undefined;
  recall: number | undefined;
  f1: number | undefined;
}

/**
 * Precision, recall and F1 from a confusion matrix.
 *
 * @example
 * ```ts
 * score({ tp: 1, fp: 0, fn: 1, tn: 0 }).f1; // 0.666…
 * ```
 */
export function score(c: { tp: number; fp: number; fn: number; tn: number }): Scores {
  const precision = c.tp + c.fp === 0 ? undefined : c.tp / (c.tp + c.fp);
  const recall = c.tp + c.fn === 0 ? undefined : c.tp / (c.tp + c.fn);
  const f1 =
    precision === undefined || recall === undefined || precision + recall === 0
      ? undefined
      : (2 * precision * recall) / (precision + recall);
  return { ...c, precision, recall, f1 };
}

/**
 * One labelled address on which the list and the ground truth disagree.
 *
 * @example
 * ```ts
 * const d: Disagreement = { address: '81.2.69.7', truth: 'not-cgnat', listed: true, match, why: '…' };
 * ```
 */
export interface Disagreement {
  address: string;
  truth: 'cgnat' | 'not-cgnat';
  /** Whether the list calls it positive (a match of one of the positive kinds). */
  listed: boolean;
  match: MultiUserMatch | undefined;
  /** `false positive`/`false negative`, the list's side and the traceroute rule's side. */
  why: string;
  label: AddressLabel;
}

/**
 * Options of {@link evaluateList}.
 *
 * @example
 * ```ts
 * evaluateList(labels, table, { positiveKinds: ['cgnat', 'unknown'] });
 * ```
 */
export interface EvaluateOptions {
  /** List kinds that count as "the list says carrier NAT". Default `['cgnat']`. */
  positiveKinds?: readonly MultiUserKind[];
}

/**
 * Everything the reports show.
 *
 * @example
 * ```ts
 * const m = evaluateList(labels, table);
 * console.log(m.byAddress.f1, m.byBlock.f1);
 * ```
 */
export interface ValidationMetrics {
  positiveKinds: MultiUserKind[];
  /** Labels per ground-truth class (`unknown` included, though it is never scored). */
  labelCounts: Record<'cgnat' | 'not-cgnat' | 'unknown', number>;
  byAddress: Scores;
  /** By /24 (IPv6: /48): a block is scored when its labelled addresses agree; positive when the list matches any of them. */
  byBlock: Scores & { conflicting: string[] };
  /** Ground truth × what the list says (its kind, or `not listed`), counting addresses. */
  kindMatrix: Record<'cgnat' | 'not-cgnat' | 'unknown', Record<string, number>>;
  disagreements: Disagreement[];
}

/**
 * Scores a multi-user list (anything with `lookup(ip)`, e.g. a `MultiUserTable`) on the labelled addresses.
 * `unknown` labels are not scored. Disagreements come sorted: false positives first, then by address order.
 *
 * @example
 * ```ts
 * const table = MultiUserTable.from(bytes);
 * const m = evaluateList(labels, table);
 * m.byAddress.precision;
 * ```
 */
export function evaluateList(
  labels: readonly AddressLabel[],
  classifier: MultiUserClassifier,
  options: EvaluateOptions = {},
): ValidationMetrics {
  const positiveKinds = [...(options.positiveKinds ?? ['cgnat'])];
  if (positiveKinds.length === 0) throw new TypeError('positiveKinds: expected at least one kind');
  const positive = new Set<string>(positiveKinds);
  const labelCounts = { cgnat: 0, 'not-cgnat': 0, unknown: 0 };
  const kindMatrix: ValidationMetrics['kindMatrix'] = { cgnat: {}, 'not-cgnat': {}, unknown: {} };
  const addr = { tp: 0, fp: 0, fn: 0, tn: 0 };
  const blocks = new Map<string, { truths: Set<string>; listed: boolean }>();
  const disagreements: Disagreement[] = [];
  for (const label of labels) {
    labelCounts[label.label]++;
    const match = classifier.lookup(label.address);
    const column = match ? match.kind : 'not listed';
    kindMatrix[label.label][column] = (kindMatrix[label.label][column] ?? 0) + 1;
    if (label.label === 'unknown') continue;
    const listed = match !== undefined && positive.has(match.kind);
    const truth = label.label;
    if (truth === 'cgnat' && listed) addr.tp++;
    else if (truth === 'not-cgnat' && listed) addr.fp++;
    else if (truth === 'cgnat') addr.fn++;
    else addr.tn++;
    const block = blockOf(label.address);
    const b = blocks.get(block) ?? { truths: new Set<string>(), listed: false };
    b.truths.add(truth);
    b.listed ||= listed;
    blocks.set(block, b);
    if ((truth === 'cgnat') !== listed) {
      const listSide = match
        ? `list: ${match.prefix} ${match.kind}${listed ? '' : ` (not a positive kind: ${positiveKinds.join('/')})`}`
        : 'list: no prefix covers it';
      disagreements.push({
        address: label.address,
        truth,
        listed,
        match,
        why: `${listed ? 'false positive' : 'false negative'}; ${listSide}; traceroutes: ${label.reason} — ${label.detail}`,
        label,
      });
    }
  }
  const blk = { tp: 0, fp: 0, fn: 0, tn: 0 };
  const conflicting: string[] = [];
  for (const [block, b] of [...blocks].sort((x, y) => (x[0] < y[0] ? -1 : 1))) {
    if (b.truths.size > 1) {
      conflicting.push(block);
      continue;
    }
    const truth = [...b.truths][0];
    if (truth === 'cgnat' && b.listed) blk.tp++;
    else if (truth === 'cgnat') blk.fn++;
    else if (b.listed) blk.fp++;
    else blk.tn++;
  }
  disagreements.sort((a, b) => Number(b.listed) - Number(a.listed));
  return {
    positiveKinds,
    labelCounts,
    byAddress: score(addr),
    byBlock: { ...score(blk), conflicting },
    kindMatrix,
    disagreements,
  };
}

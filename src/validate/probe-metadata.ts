import { splitJsonRecords, type RecordError, type RecordLocation } from './atlas-result.ts';

/**
 * The probe metadata the labelling uses (RIPE Atlas probe objects: API v2 `/probes/`, the daily probe
 * archive, or the `probes` embedded in a measurement dump).
 *
 * @example
 * ```ts
 * const p: ProbeInfo = { id: 2060, addressV4: '109.231.194.13', asnV4: 25180, tags: ['office', 'no-nat'], at: { file: 'p.json', index: 0 } };
 * ```
 */
export interface ProbeInfo {
  id: number;
  addressV4: string | undefined;
  asnV4: number | undefined;
  /** Tag slugs, e.g. `nat`, `no-nat`, `home`, `system-ipv4-rfc1918`. */
  tags: string[];
  at: RecordLocation;
}

/**
 * Normalises probe objects. Tags may be objects (`{ slug, name }`, API v2) or plain slugs (probe archive).
 * Malformed objects are reported with their index, never fatal.
 *
 * @example
 * ```ts
 * const { probes } = parseProbeRecords([{ id: 1, address_v4: '81.2.69.1', asn_v4: 3320, tags: ['nat'] }], 'x');
 * probes.get(1)?.tags; // ['nat']
 * ```
 */
export function parseProbeRecords(
  values: readonly { value: unknown; at: RecordLocation }[] | readonly unknown[],
  file: string,
): { probes: Map<number, ProbeInfo>; errors: RecordError[] } {
  const probes = new Map<number, ProbeInfo>();
  const errors: RecordError[] = [];
  values.forEach((item, index) => {
    const wrapped =
      item !== null && typeof item === 'object' && 'at' in item && 'value' in item
        ? (item as { value: unknown; at: RecordLocation })
        : { value: item, at: { file, index } };
    const { value, at } = wrapped;
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      errors.push({ at, message: 'expected a probe object' });
      return;
    }
    const v = value as Record<string, unknown>;
    const id = v.id ?? v.prb_id;
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) {
      errors.push({ at, message: 'field id: expected a non-negative integer' });
      return;
    }
    const tags: string[] = [];
    if (v.tags !== undefined && v.tags !== null) {
      if (!Array.isArray(v.tags)) {
        errors.push({ at, message: 'field tags: expected a list' });
        return;
      }
      for (const t of v.tags) {
        if (typeof t === 'string') tags.push(t);
        else if (t !== null && typeof t === 'object' && typeof (t as { slug?: unknown }).slug === 'string') {
          tags.push((t as { slug: string }).slug);
        }
      }
    }
    probes.set(id, {
      id,
      addressV4: typeof v.address_v4 === 'string' ? v.address_v4 : undefined,
      asnV4: typeof v.asn_v4 === 'number' ? v.asn_v4 : undefined,
      tags,
      at,
    });
  });
  return { probes, errors };
}

/**
 * Parses a probe metadata file: a JSON array, `{ results: [...] }` (API v2), `{ objects: [...] }` (probe
 * archive), `{ probes: { results: [...] } }` (a measurement dump), or one probe a line.
 *
 * @example
 * ```ts
 * const { probes, errors } = parseProbeText('{"results":[{"id":7,"tags":[{"slug":"nat"}]}]}', 'probes.json');
 * probes.get(7)?.tags; // ['nat']
 * ```
 */
export function parseProbeText(text: string, file: string): { probes: Map<number, ProbeInfo>; errors: RecordError[] } {
  const split = splitJsonRecords(text, file, ['results', 'objects']);
  let records = split.records;
  const whole = split.whole as { probes?: { results?: unknown } } | undefined;
  if (whole && typeof whole === 'object' && !Array.isArray(whole) && Array.isArray(whole.probes?.results)) {
    records = (whole.probes.results as unknown[]).map((value, index) => ({ value, at: { file, index } }));
  }
  const parsed = parseProbeRecords(records, file);
  return { probes: parsed.probes, errors: [...split.errors, ...parsed.errors] };
}

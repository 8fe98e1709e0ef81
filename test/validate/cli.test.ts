import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { parseValidateArgs, runValidate } from '../../scripts/validate.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const fx = join(root, 'test/fixtures/ripe-atlas/');
const SAGAN = join(fx, 'sagan/traceroutes.jsonl');
const PIERKY = join(fx, 'pierky/1033154.json.gz');
const PIERKY2 = join(fx, 'pierky/3082698.json');
const tmp = mkdtempSync(join(tmpdir(), 'validate-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const quiet = () => {};

// Hand-made list over the fixtures' probe addresses:
// Scored under the broad reading (the default strict one labels nothing cgnat in this 2013/2015 data):
//   46.128.148.0/24  cgnat  → prb 4401, labelled cgnat (private hop after home router): TP
//   195.32.94.0/24   cgnat  → prb 832, cgnat: TP
//   77.249.189.0/24  cgnat  → prb 10890, not-cgnat (home router holds the address): FP
//   91.67.45.0/24    cgnat  → prb 11905, unknown (silent hop): not scored
//   31.7.8.98/32     enterprise → prb 10735, not-cgnat: TN (enterprise is not a positive kind)
// The other 7 of the 9 broad cgnat labels are not listed (FN); the other not-cgnat labels are TN.
const LIST =
  'prefix,kind,users\n46.128.148.0/24,cgnat,300\n195.32.94.0/24,cgnat,\n77.249.189.0/24,cgnat,\n91.67.45.0/24,cgnat,\n31.7.8.98/32,enterprise,\n';
const listFile = join(tmp, 'list.csv');
writeFileSync(listFile, LIST);

describe('runValidate on the real fixtures and a crafted list', async () => {
  const report = join(tmp, 'report.html');
  const labelsOut = join(tmp, 'labels.csv');
  const out = await runValidate({
    traceroutes: [SAGAN, PIERKY, PIERKY2],
    list: listFile,
    report,
    labelsOut,
    print: quiet,
    privateCarrierHops: 'cgnat',
  });
  const strict = await runValidate({ traceroutes: [SAGAN, PIERKY, PIERKY2], print: quiet });
  const count = (o: typeof out) => {
    const counts = { cgnat: 0, 'not-cgnat': 0, unknown: 0 };
    for (const l of o.groundTruth.labels) counts[l.label]++;
    return counts;
  };

  it('labels every probe address (counts as in docs/validation.md)', () => {
    // strict: 36 rule 1 + 3 IPv6 + 10 edge + 20 straight addresses (21 probes, 4746/10935 share one) + 1 home router = 70
    expect(count(strict)).toEqual({ cgnat: 0, 'not-cgnat': 70, unknown: 32 });
    // broad: the nine rule-5 probes move from unknown to cgnat
    expect(count(out)).toEqual({ cgnat: 9, 'not-cgnat': 70, unknown: 23 });
    expect(strict.text).toContain('reading: strict (default)');
    expect(out.text).toContain('reading: BROAD READING (--private-hops cgnat)');
  });

  it('scores the list by address and by /24', () => {
    expect(out.metrics!.byAddress).toMatchObject({ tp: 2, fp: 1, fn: 7, tn: 69 });
    expect(out.metrics!.byAddress.precision).toBeCloseTo(2 / 3, 12);
    expect(out.metrics!.byAddress.recall).toBeCloseTo(2 / 9, 12);
    // Every labelled address is alone in its /24 except 195.140.237.1 (two probes, one address).
    expect(out.metrics!.byBlock).toMatchObject({ tp: 2, fp: 1, fn: 7, tn: 69, conflicting: [] });
    expect(out.metrics!.kindMatrix['not-cgnat']).toEqual({ cgnat: 1, enterprise: 1, 'not listed': 68 });
  });

  it('prints the scores, the confusion matrix and the disagreements', () => {
    // F1 = 2·(2/3)·(2/9) / (2/3 + 2/9) = 1/3
    expect(out.text).toMatch(/by address\s+2\s+1\s+7\s+69\s+66\.7%\s+22\.2%\s+33\.3%/);
    expect(out.text).toContain('Confusion matrix (addresses)');
    expect(out.text).toContain('77.249.189.38    truth not-cgnat  false positive; list: 77.249.189.0/24 cgnat');
    expect(out.text).toContain('Disagreements (8)');
  });

  it('writes a self-contained HTML report with the inlined chart', () => {
    const html = readFileSync(report, 'utf8');
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain('<canvas id="rules"');
    expect(html).toContain('new Chart(');
    expect(html).toMatch(/Chart\.js v4/); // the chart.js banner, inlined
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=/);
    expect(html).toContain('<td>77.249.189.38</td><td>not-cgnat</td><td>positive</td>');
    expect(html).toContain('Reading: BROAD READING');
  });

  it('writes address,label,reason for every address', () => {
    const lines = readFileSync(labelsOut, 'utf8').trimEnd().split('\n');
    expect(lines[0]).toBe('address,label,reason');
    expect(lines).toHaveLength(1 + out.groundTruth.labels.length);
    expect(lines).toContainEqual(
      expect.stringMatching(/^46\.128\.148\.30,cgnat,"private-hop-after-home-router: home router hop 1 10\.0\.4\.1/),
    );
  });
});

describe('runValidate inputs', () => {
  it('a JSON array (API) and one result a line (bulk) give the same labels; gzip is found by magic bytes', async () => {
    const lines = readFileSync(SAGAN, 'utf8').trim().split('\n');
    const asArray = join(tmp, 'api-result'); // no extension: detection is by content
    writeFileSync(asArray, gzipSync(`[${lines.join(',\n')}]`));
    const a = await runValidate({ traceroutes: [asArray], print: quiet });
    const b = await runValidate({ traceroutes: [SAGAN], print: quiet });
    const strip = (o: typeof a) => o.groundTruth.labels.map((l) => [l.address, l.label, l.reason]);
    expect(strip(a)).toEqual(strip(b));
    expect(a.groundTruth.results).toHaveLength(19);
  });

  it('reports malformed lines with file:line and keeps going', async () => {
    const lines = readFileSync(SAGAN, 'utf8').trim().split('\n');
    const bad = join(tmp, 'bad.jsonl');
    writeFileSync(bad, [lines[0], '{"af": 4, "prb_id": 1, "resu', '{"af":4,"prb_id":"x","result":[]}', lines[1]].join('\n'));
    const out = await runValidate({ traceroutes: [bad], print: quiet });
    expect(out.groundTruth.results).toHaveLength(2);
    expect(out.text).toContain(`${bad}:2: invalid JSON`);
    expect(out.text).toContain(`${bad}:3: field prb_id: expected a non-negative integer`);
  });

  it('takes probe metadata from --probes', async () => {
    const probes = join(tmp, 'probes.json');
    writeFileSync(
      probes,
      JSON.stringify({ results: [{ id: 190, address_v4: '107.3.81.49', asn_v4: 7922, tags: [{ slug: 'home', name: 'Home' }] }] }),
    );
    const out = await runValidate({ traceroutes: [SAGAN], probes, print: quiet });
    expect(out.groundTruth.probes.get(190)?.asnV4).toBe(7922);
  });
});

describe('parseValidateArgs', () => {
  it('collects several files after --traceroutes', () => {
    expect(parseValidateArgs(['--traceroutes', 'a.json', 'b.json', '--list', 'l.csv', '--positive-kinds', 'cgnat,unknown'])).toMatchObject({
      traceroutes: ['a.json', 'b.json'],
      list: 'l.csv',
      positiveKinds: ['cgnat', 'unknown'],
    });
  });
  it.each<[string[], RegExp]>([
    [[], /--traceroutes: expected at least one file/],
    [['--traceroutes', 'a', '--private-hops', 'maybe'], /--private-hops: expected cgnat or unknown/],
    [['--traceroutes', 'a', '--positive-kinds', 'cgnat,mobile'], /--positive-kinds: unknown kind "mobile"/],
    [['--traceroutes', 'a', '--bogus'], /bogus/],
  ])('%j is refused', (argv, message) => {
    expect(() => parseValidateArgs(argv)).toThrow(message);
  });
});

describe('the CLI as a child process (exit codes)', () => {
  const run = async (args: string[]) => {
    try {
      const { stdout, stderr } = await promisify(execFile)(
        join(root, 'node_modules/.bin/tsx'),
        [join(root, 'scripts/validate.ts'), ...args],
        { cwd: root },
      );
      return { code: 0, stdout, stderr };
    } catch (e) {
      const err = e as { code: number; stdout: string; stderr: string };
      return { code: err.code, stdout: err.stdout, stderr: err.stderr };
    }
  };

  it('0: validated', async () => {
    const r = await run(['--traceroutes', SAGAN, PIERKY2, '--list', listFile]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('by address');
  });

  it('1: nothing readable', async () => {
    const junk = join(tmp, 'junk.jsonl');
    writeFileSync(junk, 'not json\n');
    const r = await run(['--traceroutes', junk]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`no traceroute result could be read from ${junk} (1 malformed; first: ${junk}:1: invalid JSON`);
  });

  it('1: a missing file, named', async () => {
    const r = await run(['--traceroutes', join(tmp, 'nope.json')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('nope.json: no such file or directory (ENOENT)');
  });

  it('1: a list that does not compile (one prefix, two kinds)', async () => {
    const conflicting = join(tmp, 'conflict.csv');
    writeFileSync(conflicting, 'prefix,kind\n81.2.69.0/24,cgnat\n81.2.69.0/24,vpn\n');
    const r = await run(['--traceroutes', SAGAN, '--list', conflicting]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('the list does not compile');
  });

  it('2: bad arguments', async () => {
    const r = await run(['--list', listFile]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("validate: --traceroutes: expected at least one file\nrun 'multi-user-ip validate --help' for usage\n");
  });
});

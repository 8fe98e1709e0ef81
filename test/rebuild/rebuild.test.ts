import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MultiUserTable } from '../../src/table/index.ts';
import { rawTraceroute } from '../validate/helpers.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const tsx = join(root, 'node_modules/.bin/tsx');
const dir = mkdtempSync(join(tmpdir(), 'rebuild-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}
async function rebuild(args: string[]): Promise<Run> {
  try {
    const { stdout, stderr } = await promisify(execFile)(tsx, [join(root, 'scripts/rebuild.ts'), ...args], {
      cwd: dir,
      maxBuffer: 1 << 24,
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}
const write = (file: string, text: string) => {
  mkdirSync(join(dir, file, '..'), { recursive: true });
  writeFileSync(join(dir, file), text);
};
const read = (file: string) => readFileSync(join(dir, file));
const summary = (file: string) => JSON.parse(readFileSync(join(dir, file), 'utf8'));

const DETECTED = [
  'prefix,kind,users,confidence,evidence',
  '81.2.69.0/24,cgnat,300,0.9,days=4',
  '81.2.70.0/24,cgnat,200,0.8,days=3',
  '81.2.80.1/32,cgnat,5,0.5,days=2', // the operator's VPN list says otherwise: the list wins
  '81.2.80.2/32,vpn,40,0.7,days=2', // same kind as the list, which gives no users: the estimate is kept
  '2a02:c00:1::/48,cgnat,,0.6,days=2',
].join('\n');

beforeAll(() => {
  write('detected.csv', `${DETECTED}\n`);
  write('lists/vpn.txt', '# operator VPN exits\n81.2.80.1\n81.2.80.2\n');
  write('lists/bad.txt', '81.2.69.0/33\n');
  write('corrupt.bin', 'MUIT this is not a table');
  // Ground truth: two carrier-NAT probes, two without; the list catches one of each (precision 50%).
  const cg = (from: string, prb: number) =>
    rawTraceroute({ from, prb, src: '192.168.1.10', hops: ['192.168.1.1', '100.64.0.1', '81.2.1.1'] });
  const direct = (from: string, prb: number) => rawTraceroute({ from, prb, src: '192.168.1.10', hops: ['192.168.1.1', '81.2.1.1'] });
  write(
    'atlas.jsonl',
    [cg('81.2.69.10', 1), direct('81.2.70.20', 2), cg('81.2.90.5', 3), direct('81.2.91.5', 4)].map((r) => JSON.stringify(r)).join('\n'),
  );
  write(
    'detected2.csv',
    `${DETECTED.replace('81.2.69.0/24,cgnat,300', '81.2.69.0/24,cgnat,400').replace('81.2.70.0/24,cgnat,200,0.8,days=3\n', '')}\n81.3.0.0/16,cgnat,1000,0.9,days=5\n81.2.81.0/24,enterprise,50,0.7,days=5\n`,
  );
});

/**
 * The table and list in service that the tests compare against: what rebuild makes of detected.csv and
 * lists/vpn.txt, built once into service/ (no test reads another test's output).
 */
const inService = (() => {
  let built: Promise<void> | undefined;
  return () =>
    (built ??= rebuild([
      '--detected',
      'detected.csv',
      '--list',
      'vpn:lists/vpn.txt',
      '--out-list',
      'service/list.csv',
      '--out',
      'service/table.bin',
    ]).then((r) => {
      expect(r.code).toBe(0);
    }));
})();

describe('npm run rebuild (child process, every exit path)', () => {
  it('0: builds from a ready list and the operator list, writes the list, reports every prefix as added', async () => {
    const r = await rebuild([
      '--detected',
      'detected.csv',
      '--list',
      'vpn:lists/vpn.txt',
      '--out-list',
      'data/list.csv',
      '--out',
      'out/table.bin',
      '--summary',
      's1.json',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('merge: 5 prefixes, 1 entry overridden by a list given earlier');
    expect(r.stdout).toContain('detected.csv:4: 81.2.80.1/32 cgnat overridden by vpn from lists/vpn.txt:2');
    expect(r.stdout).toContain('Changes against an empty table: +5 added, -0 removed, ~0 changed');
    expect(r.stdout).toMatch(/rebuild: built: .*out\/table\.bin \(changed\)/);
    const table = MultiUserTable.from(read('out/table.bin'));
    expect(table.lookup('81.2.69.7')).toEqual({ prefix: '81.2.69.0/24', kind: 'cgnat', users: 300 });
    expect(table.lookup('81.2.80.1')).toMatchObject({ kind: 'vpn', users: undefined });
    expect(table.lookup('81.2.80.2')).toMatchObject({ kind: 'vpn', users: 40 });
    expect(read('data/list.csv').toString()).toContain('\n81.2.69.0/24,cgnat,300,detected.csv\n');
    expect(summary('s1.json')).toMatchObject({ status: 'built', exitCode: 0, changed: true, added: 5, removed: 0, modified: 0 });
  });

  it('0: the same inputs against the table in service: unchanged', async () => {
    await inService();
    writeFileSync(join(dir, 'prev.bin'), read('service/table.bin'));
    const r = await rebuild([
      '--detected',
      'detected.csv',
      '--list',
      'vpn:lists/vpn.txt',
      '--out-list',
      'data/list1.csv',
      '--out',
      'out/table1.bin',
      '--previous',
      'prev.bin',
      '--max-churn',
      '10',
      '--summary',
      's2.json',
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Changes against prev.bin: +0 added, -0 removed, ~0 changed (the table is unchanged)');
    expect(summary('s2.json')).toMatchObject({ status: 'built', changed: false });
    expect(read('out/table1.bin').equals(read('prev.bin'))).toBe(true);
  });

  it('0: a change report by kind, largest changes first', async () => {
    await inService();
    const r = await rebuild([
      '--detected',
      'detected2.csv',
      '--list',
      'vpn:lists/vpn.txt',
      '--out-list',
      'data/list2.csv',
      '--out',
      'out/table2.bin',
      '--previous',
      'service/table.bin',
      '--max-churn',
      '100',
      '--summary',
      's3.json',
    ]);
    expect(r.code).toBe(0);
    const report = r.stdout.slice(r.stdout.indexOf('Changes against'));
    expect(report.split('\n').slice(0, 9)).toEqual([
      'Changes against service/table.bin: +2 added, -1 removed, ~1 changed',
      '  kind           added  removed  changed',
      '  cgnat              1        1        1',
      '  enterprise         1        0        0',
      '  largest first:',
      '    + 81.3.0.0/16 cgnat users 1000', // 65,536 addresses
      '    - 81.2.70.0/24 cgnat users 200', // 256 addresses, users −200
      '    ~ 81.2.69.0/24 cgnat users 300 → cgnat users 400', // 256 addresses, users +100
      '    + 81.2.81.0/24 enterprise users 50', // 256 addresses, users +50
    ]);
    expect(summary('s3.json')).toMatchObject({ status: 'built', changed: true, added: 2, removed: 1, modified: 1 });
  });

  it('3: refused by the churn guard; the table and the list in service stay as they were', async () => {
    await inService();
    const tableBefore = read('service/table.bin');
    const listBefore = read('service/list.csv');
    write('service3/table.bin', '');
    writeFileSync(join(dir, 'service3/table.bin'), tableBefore);
    writeFileSync(join(dir, 'service3/list.csv'), listBefore);
    const r = await rebuild([
      '--detected',
      'detected2.csv',
      '--list',
      'vpn:lists/vpn.txt',
      '--out-list',
      'service3/list.csv',
      '--out',
      'service3/table.bin',
      '--previous',
      'service3/table.bin',
      '--max-churn',
      '10',
      '--summary',
      's4.json',
      '--report-dir',
      'reports3',
    ]);
    expect(r.code).toBe(3);
    expect(r.stdout).toContain('Changes against service3/table.bin: +2 added, -1 removed, ~1 changed');
    expect(r.stdout).toMatch(/rebuild: refused-churn: .*exceeds --max-churn 10%.*nothing written/);
    expect(read('service3/table.bin').equals(tableBefore)).toBe(true);
    expect(read('service3/list.csv').equals(listBefore)).toBe(true);
    expect(summary('s4.json')).toMatchObject({ status: 'refused-churn', exitCode: 3, changed: false });
    expect(read('reports3/changes.txt').toString()).toMatch(/^Changes against service3\/table\.bin: \+2 added, -1 removed, ~1 changed\n/);
    // The table report shows the refused table and why (the browser test opens it).
    const html = read('reports3/table.html').toString();
    expect(html).toContain('Refused by the churn guard, nothing written: ');
    expect(html).toContain('<b>+2 added</b>, <b>−1 removed</b>, <b>~1 changed</b>');
  });

  it('4: refused by the validation gate, with the validation report written and nothing else', async () => {
    const r = await rebuild([
      '--detected',
      'detected.csv',
      '--traceroutes',
      'atlas.jsonl',
      '--min-precision',
      '0.9',
      '--out-list',
      'data/list4.csv',
      '--out',
      'out/table4.bin',
      '--report-dir',
      'reports4',
      '--summary',
      's5.json',
    ]);
    expect(r.code).toBe(4);
    expect(r.stdout).toMatch(/by address\s+1\s+1\s+1\s+1\s+50\.0%\s+50\.0%\s+50\.0%/);
    expect(r.stdout).toContain('rebuild: refused-validation: precision 50.0% < 90.0% on the ground truth; nothing written');
    expect(existsSync(join(dir, 'out/table4.bin'))).toBe(false);
    expect(existsSync(join(dir, 'data/list4.csv'))).toBe(false);
    expect(existsSync(join(dir, 'reports4/validation.html'))).toBe(true);
    expect(read('reports4/labels.csv').toString().split('\n')[1]).toMatch(/^81\.2\.69\.10,cgnat,shared-hop-before-public: /);
    expect(summary('s5.json')).toMatchObject({ status: 'refused-validation', exitCode: 4, precision: 0.5, recall: 0.5 });
  });

  it('0: validation that passes the gate', async () => {
    const r = await rebuild([
      '--detected',
      'detected.csv',
      '--traceroutes',
      'atlas.jsonl',
      '--min-precision',
      '50%',
      '--min-recall',
      '0.5',
      '--out-list',
      'data/list5.csv',
      '--out',
      'out/table5.bin',
    ]);
    expect(r.code).toBe(0);
    expect(existsSync(join(dir, 'out/table5.bin'))).toBe(true);
  });

  it('1: a bad line in an operator list fails, naming file and line, and writes nothing', async () => {
    const r = await rebuild([
      '--detected',
      'detected.csv',
      '--list',
      'cgnat:lists/bad.txt',
      '--out-list',
      'data/list6.csv',
      '--out',
      'out/table6.bin',
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/rebuild: failed: bad list lines \(nothing written\):\n {2}lists\/bad\.txt:1: /);
    expect(existsSync(join(dir, 'out/table6.bin'))).toBe(false);
    expect(existsSync(join(dir, 'data/list6.csv'))).toBe(false);
  });

  it('1: a corrupt previous table fails', async () => {
    const r = await rebuild([
      '--detected',
      'detected.csv',
      '--out-list',
      'data/list7.csv',
      '--out',
      'out/table7.bin',
      '--previous',
      'corrupt.bin',
      '--max-churn',
      '10',
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('corrupt.bin: expected a readable, intact multi-user table');
    expect(existsSync(join(dir, 'out/table7.bin'))).toBe(false);
  });

  it.each<[string[], RegExp]>([
    [['--out', 'x.bin'], /nothing to build from/],
    [['--detected', 'detected.csv', '--list', 'mobile:lists/vpn.txt'], /--list mobile:lists\/vpn\.txt: unknown kind "mobile"/],
    [['--detected', 'detected.csv', '--max-churn', '10'], /--max-churn needs --previous/],
    [['--detected', 'detected.csv', '--previous', 'missing.bin'], /--previous missing\.bin: no such file/],
    [['--detected', 'detected.csv', '--min-precision', '1.5', '--traceroutes', 'atlas.jsonl'], /--min-precision: expected a fraction/],
    [['--detected', 'detected.csv', '--frobnicate'], /frobnicate/],
  ])('2: bad arguments %j', async (args, message) => {
    const r = await rebuild(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toContain("\nrun 'multi-user-ip rebuild --help' for usage\n");
  });
});

describe('npm run rebuild from logs (detection included)', () => {
  beforeAll(async () => {
    await promisify(execFile)(
      tsx,
      [join(root, 'scripts/simulate.ts'), '--out', join(dir, 'sim'), '--scale', '0.005', '--days', '2', '--gzip'],
      { cwd: root },
    );
  }, 120_000);

  it('0: detects, merges the operator lists, builds, and writes the detection report', async () => {
    const r = await rebuild([
      '--logs',
      'sim/logs.ndjson.gz',
      '--asn',
      'sim/asn.csv',
      '--peeringdb',
      'sim/peeringdb.json',
      '--list',
      'vpn:sim/lists/vpn-exits.txt',
      '--list',
      'tor:sim/lists/tor-exits.txt',
      '--list',
      'relay:sim/lists/relay-egress.csv',
      '--out-list',
      'data/from-logs.csv',
      '--out',
      'out/from-logs.bin',
      '--report-dir',
      'reports-logs',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const detected = Number(/detect: (\d+) prefixes from 1 log file/.exec(r.stdout)?.[1]);
    expect(detected).toBeGreaterThan(0);
    expect(existsSync(join(dir, 'reports-logs/detection.html'))).toBe(true);
    const table = MultiUserTable.from(read('out/from-logs.bin'));
    expect([...table.entries()].length).toBeGreaterThanOrEqual(detected);
    // The operator's Tor list is in the table whatever detection concluded.
    const tor = readFileSync(join(dir, 'sim/lists/tor-exits.txt'), 'utf8')
      .split('\n')
      .find((l) => /^\d/.test(l))!
      .trim();
    expect(table.lookup(tor.replace(/\/32$/, ''))?.kind).toBe('tor');
  });
});

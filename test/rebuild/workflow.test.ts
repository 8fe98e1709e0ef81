import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { rawTraceroute } from '../validate/helpers.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const workflowText = readFileSync(join(root, '.github/workflows/rebuild-table.yml'), 'utf8');
interface Step {
  id?: string;
  name?: string;
  run?: string;
  if?: string;
  env?: Record<string, string>;
  uses?: string;
}
const workflow = parse(workflowText) as { on: Record<string, unknown>; jobs: Record<string, { steps: Step[] }> };
const steps = Object.values(workflow.jobs).flatMap((j) => j.steps);
const step = (name: string) => steps.find((s) => s.id === name || s.name === name)!;

describe('.github/workflows/rebuild-table.yml', () => {
  it('runs on a schedule and by hand', () => {
    expect((workflow.on.schedule as { cron: string }[])[0]!.cron).toMatch(/^\S+ \S+ \S+ \S+ \S+$/);
    expect(workflow.on).toHaveProperty('workflow_dispatch');
  });

  it('calls only npm scripts that the test suite covers (and wrangler deploy)', () => {
    const scripts = new Set([...workflowText.matchAll(/npm run(?: -s)? ([\w:-]+)/g)].map((m) => m[1]));
    // rebuild: test/rebuild; build:table: test/table (and here); deploy is wrangler deploy itself.
    expect([...scripts].sort()).toEqual(['build:table', 'deploy', 'rebuild']);
    expect(workflowText).not.toMatch(/\b(tsx|node) scripts\//);
  });

  it('names the Cloudflare secrets and stores none', () => {
    expect(step('Deploy').env).toEqual({
      CLOUDFLARE_API_TOKEN: '${{ secrets.CLOUDFLARE_API_TOKEN }}',
      CLOUDFLARE_ACCOUNT_ID: '${{ secrets.CLOUDFLARE_ACCOUNT_ID }}',
    });
    const secrets = new Set([...workflowText.matchAll(/secrets\.(\w+)/g)].map((m) => m[1]));
    expect([...secrets].sort()).toEqual(['CLOUDFLARE_ACCOUNT_ID', 'CLOUDFLARE_API_TOKEN']);
    expect(workflowText).not.toMatch(/[0-9a-f]{32}|[A-Za-z0-9_-]{40}/); // nothing token-shaped
  });

  it('deploys and commits only when the table changed', () => {
    expect(step('Deploy').if).toMatch(/^steps\.rebuild\.outputs\.changed == 'true'/);
    expect(step('Commit the list in service').if).toMatch(/^steps\.rebuild\.outputs\.changed == 'true'/);
    const order = steps.map((s) => s.name ?? s.id ?? s.uses);
    expect(order.indexOf('Deploy')).toBeLessThan(order.indexOf('Commit the list in service'));
  });
});

/**
 * A scratch repository with the workflow's inputs and the repo's own npm scripts (pointed at this
 * checkout). Each test makes its own, so none depends on files another test left behind.
 */
function scratchRepository() {
  const ws = mkdtempSync(join(tmpdir(), 'rebuild-wf-'));
  workspaces.push(ws);
  const runner = join(ws, '_runner');
  const put = (file: string, text: string) => {
    mkdirSync(join(ws, file, '..'), { recursive: true });
    writeFileSync(join(ws, file), text);
  };
  const scripts = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
  const here = (name: string) => scripts[name]!.replace(/\bscripts\//g, `${root}scripts/`);
  put('package.json', JSON.stringify({ type: 'module', scripts: { rebuild: here('rebuild'), 'build:table': here('build:table') } }));
  put('data/multi-user-prefixes.csv', 'prefix,kind,users\n81.2.69.0/24,cgnat,300\n');
  put('data/detected.csv', 'prefix,kind,users,confidence,evidence\n81.2.69.0/24,cgnat,300,0.9,x\n81.2.70.0/24,cgnat,100,0.9,x\n');
  put('data/lists/vpn/exits.txt', '81.2.80.1\n');
  put('data/lists/extra.csv', 'prefix,kind\n81.2.81.0/28,enterprise\n');
  const cg = rawTraceroute({ from: '81.2.69.10', src: '192.168.1.10', hops: ['192.168.1.1', '100.64.0.1', '81.2.1.1'] });
  put('data/ground-truth/atlas/results.jsonl', `${JSON.stringify(cg)}\n`);

  async function runStep(
    name: string,
    env: Record<string, string>,
  ): Promise<{ code: number; stdout: string; stderr: string; outputs: Record<string, string> }> {
    mkdirSync(runner, { recursive: true });
    const outputFile = join(runner, 'github-output');
    writeFileSync(outputFile, '');
    const script = step(name).run!.replace(/\$\{\{ runner\.temp \}\}/g, runner);
    const opts = {
      cwd: ws,
      env: {
        ...process.env,
        PATH: `${root}node_modules/.bin:${process.env.PATH}`,
        RUNNER_TEMP: runner,
        GITHUB_OUTPUT: outputFile,
        MIN_PRECISION: '',
        MIN_RECALL: '',
        ...env,
      },
      maxBuffer: 1 << 24,
    };
    let code = 0;
    let stdout = '';
    let stderr = '';
    try {
      ({ stdout, stderr } = await promisify(execFile)('bash', ['-e', '-c', script], opts));
    } catch (e) {
      ({ code, stdout, stderr } = e as { code: number; stdout: string; stderr: string });
    }
    const outputs = Object.fromEntries(
      readFileSync(outputFile, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split('=') as [string, string]),
    );
    return { code, stdout, stderr, outputs };
  }

  /** The first scheduled run: the table in service from the committed list, then the rebuild. */
  async function firstRun() {
    expect((await runStep('Table in service', {})).code).toBe(0);
    return runStep('rebuild', { MAX_CHURN: '100000', MIN_PRECISION: '0.5' });
  }
  return { ws, runner, put, runStep, firstRun };
}
const workspaces: string[] = [];
afterAll(() => {
  for (const ws of workspaces) rmSync(ws, { recursive: true, force: true });
});

// Each test replays the runs it needs in its own repository (a few npm runs each): hence the timeout.
describe('the workflow steps, run by bash in a scratch repository', { timeout: 180_000 }, () => {
  it('builds, validates and reports a changed table', async () => {
    const { ws, runner, firstRun } = scratchRepository();
    // Churn is (added + removed) / previous prefixes: growing from 1 to 4 prefixes is 300%.
    const r = await firstRun();
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.outputs).toEqual({ 'exit-code': '0', changed: 'true' });
    expect(r.stdout).toContain('Changes against');
    expect(r.stdout).toContain('by address'); // validation ran on data/ground-truth/atlas
    const list = readFileSync(join(ws, 'data/multi-user-prefixes.csv'), 'utf8');
    expect(list).toContain('81.2.80.1/32,vpn,,data/lists/vpn/exits.txt');
    expect(list).toContain('81.2.81.0/28,enterprise,,data/lists/extra.csv');
    expect(existsSync(join(runner, 'reports/validation.html'))).toBe(true);
    expect(readFileSync(join(runner, 'reports/changes.txt'), 'utf8')).toMatch(/^Changes against .*: \+3 added, -0 removed, ~0 changed/);
  });

  it('commits the new list in service and pushes it', async () => {
    const { ws, runStep, firstRun } = scratchRepository();
    expect((await firstRun()).outputs.changed).toBe('true');
    const git = (...args: string[]) => promisify(execFile)('git', args, { cwd: ws });
    await promisify(execFile)('git', ['init', '-q', '--bare', join(ws, '_remote.git')]);
    await git('init', '-q', '-b', 'main');
    await git('remote', 'add', 'origin', join(ws, '_remote.git'));
    await git('-c', 'user.name=t', '-c', 'user.email=t@example.org', 'commit', '-q', '--allow-empty', '-m', 'start');
    await git('push', '-q', 'origin', 'main');
    await git('branch', '-q', '--set-upstream-to=origin/main');
    const r = await runStep('Commit the list in service', {});
    expect(r.stderr.replace(/^(To |.*->).*\n?/gm, '')).toBe('');
    expect(r.code).toBe(0);
    const { stdout } = await promisify(execFile)(
      'git',
      ['--git-dir', join(ws, '_remote.git'), 'log', '-1', '--format=%s%n%an', '--name-only', 'main'],
      { cwd: ws },
    );
    expect(stdout).toMatch(/^table: rebuild \d{4}-\d{2}-\d{2} \(\+3 -0 ~0\)\ngithub-actions\[bot\]\n\ndata\/multi-user-prefixes\.csv\n$/);
  });

  it('the next run against the new list in service: unchanged, nothing to deploy', async () => {
    const { runStep, firstRun } = scratchRepository();
    expect((await firstRun()).outputs.changed).toBe('true');
    expect((await runStep('Table in service', {})).code).toBe(0);
    const r = await runStep('rebuild', { MAX_CHURN: '20' });
    expect(r.code).toBe(0);
    expect(r.outputs).toEqual({ 'exit-code': '0', changed: 'false' });
  });

  it('a change beyond MAX_CHURN is refused: exit 3, nothing to deploy', async () => {
    const { put, runStep } = scratchRepository();
    expect((await runStep('Table in service', {})).code).toBe(0);
    put('data/detected.csv', 'prefix,kind,users\n81.5.0.0/16,cgnat,900\n81.6.0.0/16,cgnat,900\n');
    const r = await runStep('rebuild', { MAX_CHURN: '20' });
    expect(r.code).toBe(3);
    expect(r.outputs).toEqual({ 'exit-code': '3', changed: 'false' });
  });
});

/**
 * Runs a worker bundle in `workerd serve` directly (no `wrangler dev`, no proxy in front): the bundle
 * comes from `wrangler deploy --dry-run --outdir DIR`, the config is a small generated capnp file with
 * the modules embedded (`.bin` files as Data modules) and, when asked, the Durable Object namespace.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import autocannon from 'autocannon';
import { freePort } from '../../test/support/wrangler-dev.ts';

export { median } from './ratios.ts';

const root = new URL('../..', import.meta.url).pathname;
const WORKERD = join(root, 'node_modules/.bin/workerd');
const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** What `wrangler deploy --dry-run --outdir` wrote: the entry module and the others beside it. */
export interface Bundle {
  dir: string;
  main: string;
  modules: { name: string; kind: 'esModule' | 'data' }[];
}

/** Bundles a worker with wrangler as a deploy would (`config`: a wrangler config file; default the project's). */
export function bundle(outdir: string, config?: string): Bundle {
  const run = spawnSync(
    process.execPath,
    [
      join(root, 'node_modules/wrangler/bin/wrangler.js'),
      'deploy',
      '--dry-run',
      '--outdir',
      outdir,
      ...(config ? ['--config', config] : []),
    ],
    { cwd: root, encoding: 'utf8', env: { ...process.env, WRANGLER_SEND_METRICS: 'false', NO_COLOR: '1', CI: 'true' } },
  );
  if (run.status !== 0) throw new Error(`wrangler deploy --dry-run failed:\n${run.stdout}\n${run.stderr}`);
  const modules = readdirSync(outdir)
    .filter((f) => f.endsWith('.js') || f.endsWith('.bin'))
    .map((name) => ({ name, kind: name.endsWith('.bin') ? ('data' as const) : ('esModule' as const) }));
  // wrangler names the entry after the source's `main` (index.ts → index.js); the others are imported chunks and data.
  const scripts = modules.filter((m) => m.kind === 'esModule');
  const main = scripts.length === 1 ? scripts[0]!.name : scripts.find((m) => m.name === 'index.js')?.name;
  if (main === undefined) throw new Error(`wrangler wrote no recognisable entry module to ${outdir}`);
  // The entry module goes first: workerd treats the first module as the main one.
  modules.sort((a, b) => (a.name === main ? -1 : b.name === main ? 1 : a.name.localeCompare(b.name)));
  return { dir: outdir, main, modules };
}

export interface ServeOptions {
  /** Text bindings (`[vars]`). */
  vars?: Record<string, string>;
  /** Class name of a Durable Object (SQLite-backed, on local disk) bound as `binding`. */
  durableObject?: { binding: string; className: string };
  /** Replaces a Data module's bytes (same module name), e.g. a bigger table than the bundled one. */
  replaceData?: Record<string, string>;
  compatibilityDate?: string;
  /** Opens workerd's V8 inspector (Chrome DevTools protocol) on this loopback port, for CPU profiles. */
  inspectorPort?: number;
}

export interface Workerd {
  url: string;
  pid: number;
  /** User + system CPU seconds the workerd process has used so far (all its threads). */
  cpuSeconds(): number;
  stop(): Promise<void>;
  output(): string;
}

const text = (s: string) => JSON.stringify(s); // a capnp Text literal is a JSON string literal for these inputs

/** The capnp config for one worker on one loopback port. */
export function capnpConfig(b: Bundle, configDir: string, port: number, storageDir: string, o: ServeOptions): string {
  const modules = b.modules.map((m) => {
    // `embed` reads paths relative to the config file.
    const path = relative(configDir, o.replaceData?.[m.name] ?? join(b.dir, m.name));
    return `    (name = ${text(m.name)}, ${m.kind} = embed ${text(path)}),`;
  });
  const bindings = Object.entries(o.vars ?? {}).map(([k, v]) => `    (name = ${text(k)}, text = ${text(v)}),`);
  const d = o.durableObject;
  if (d) bindings.push(`    (name = ${text(d.binding)}, durableObjectNamespace = ${text(d.className)}),`);
  return [
    'using Workerd = import "/workerd/workerd.capnp";',
    'const config :Workerd.Config = (',
    '  services = [',
    '    (name = "main", worker = .worker),',
    ...(d ? [`    (name = "do-storage", disk = (path = ${text(storageDir)}, writable = true)),`] : []),
    '  ],',
    `  sockets = [(name = "http", address = ${text(`127.0.0.1:${port}`)}, http = (), service = "main")],`,
    ');',
    'const worker :Workerd.Worker = (',
    '  modules = [',
    ...modules,
    '  ],',
    `  compatibilityDate = ${text(o.compatibilityDate ?? '2026-10-01')},`,
    '  bindings = [',
    ...bindings,
    '  ],',
    ...(d
      ? [
          `  durableObjectNamespaces = [(className = ${text(d.className)}, uniqueKey = "bench-${d.className}", enableSql = true)],`,
          '  durableObjectStorage = (localDisk = "do-storage"),',
        ]
      : []),
    ');',
    '',
  ].join('\n');
}

/** Starts `workerd serve` on a free loopback port; resolves once the worker answers. */
export async function serve(b: Bundle, o: ServeOptions = {}, timeoutMs = 30_000): Promise<Workerd> {
  const dir = mkdtempSync(join(tmpdir(), 'multi-user-ip-workerd-'));
  const storage = join(dir, 'storage');
  mkdirSync(storage);
  const port = await freePort();
  writeFileSync(join(dir, 'config.capnp'), capnpConfig(b, dir, port, storage, o));
  let log = '';
  const args = ['serve', join(dir, 'config.capnp'), ...(o.inspectorPort ? [`--inspector-addr=127.0.0.1:${o.inspectorPort}`] : [])];
  const child: ChildProcess = spawn(WORKERD, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (d) => (log += d));
  child.stderr?.on('data', (d) => (log += d));
  const pid = child.pid!;
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const cpuSeconds = () => processCpuSeconds(pid);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    // workerd reports a bad config and keeps running without serving: give up on its first complaint.
    if (child.exitCode !== null || /error|couldn't/i.test(log)) break;
    try {
      await fetch(`${url}/__ready`, { signal: AbortSignal.timeout(2000) });
      return { url, pid, cpuSeconds, stop, output: () => log };
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  await stop();
  throw new Error(`workerd did not answer within ${timeoutMs} ms:\n${log}`);
}

/**
 * User + system CPU seconds process `pid` has used so far: the sum of its threads' run time in
 * nanoseconds (`/proc/<pid>/task/<tid>/schedstat`), so a one-second sample is not rounded to the
 * 10 ms clock ticks of `/proc/<pid>/stat`; that file (all threads, ticks) where schedstat is missing.
 * A thread that exits between two readings takes its time with it: workerd's threads live as long as it does.
 */
export function processCpuSeconds(pid: number): number {
  try {
    let ns = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`))
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    if (Number.isFinite(ns) && ns > 0) return ns / 1e9;
  } catch {
    // no schedstat (a kernel without CONFIG_SCHED_INFO) or a thread gone between listing and reading: ticks below
  }
  const raw = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = raw.slice(raw.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / TICKS_PER_SECOND; // utime, stime (fields 14 and 15)
}

/** One load sample: requests/s and the workerd process's CPU µs per request over it. */
export interface Sample {
  rps: number;
  cpuUs: number;
}

/**
 * Loads `w` with autocannon for `seconds` (`connections` connections, the requests in rotation) and
 * reads its CPU time around it. Any non-2xx answer, error or timeout fails the sample: a benchmark of
 * error pages measures nothing.
 */
export async function load(w: Workerd, seconds: number, requests: autocannon.Request[], connections = 16, rate?: number): Promise<Sample> {
  const before = w.cpuSeconds();
  const result = await autocannon({ url: w.url, connections, duration: seconds, requests, ...(rate ? { overallRate: rate } : {}) });
  allAnswered(w, result, '');
  return { rps: result.requests.total / seconds, cpuUs: ((w.cpuSeconds() - before) / result.requests.total) * 1e6 };
}

/** Requests a fresh process serves before it is measured (see {@link warmUp}): above every variant's last TurboFan compile. */
export const WARM_REQUESTS = 80_000;

/**
 * Unmeasured load on `w` until it has served `count` requests (at most `maxSeconds`), so that what
 * is measured next runs the code V8 has finished optimising. V8 tiers a function up (Maglev, then
 * TurboFan) by the work it has done, not by time, so a warm-up in seconds leaves a slow variant, or
 * a slow machine, measuring half-compiled code: with `--trace-opt` the worker's last TurboFan
 * compile came after ~21k requests with no rules, ~39k with the memory store and ~57–68k for the
 * `headers: false` and client-key variants. Returns the requests served; any non-2xx answer fails it.
 *
 * @example
 * ```ts
 * const served = await warmUp(w, 80_000, [{ method: 'GET', path: '/bench' }]); // 80000, or fewer after 30 s
 * ```
 */
export async function warmUp(
  w: Workerd,
  count: number,
  requests: autocannon.Request[],
  connections = 16,
  maxSeconds = 30,
): Promise<number> {
  const result = await autocannon({ url: w.url, connections, duration: maxSeconds, maxOverallRequests: count, requests });
  allAnswered(w, result, ' while warming up');
  return result.requests.total;
}

function allAnswered(w: Workerd, result: autocannon.Result, during: string): void {
  if (result.non2xx > 0 || result.errors > 0 || result.timeouts > 0) {
    throw new Error(`${w.url}: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts${during}\n${w.output()}`);
  }
}

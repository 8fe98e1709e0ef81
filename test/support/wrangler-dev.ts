/**
 * Starts `wrangler dev` as a real process on free loopback ports, for end-to-end tests and the
 * worker benchmark. Resolves once the worker answers; `stop()` ends the whole process group.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface WranglerDev {
  url: string;
  /** The wrangler process (leader of its process group; workerd runs below it). */
  pid: number;
  stop(): Promise<void>;
  output(): string;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** `config`: another wrangler config file (default: the project's wrangler.toml). */
export async function startWranglerDev(vars: Record<string, string>, timeoutMs = 90_000, config?: string): Promise<WranglerDev> {
  const root = new URL('../..', import.meta.url).pathname;
  const [port, inspector] = [await freePort(), await freePort()];
  const persist = mkdtempSync(join(tmpdir(), 'multi-user-ip-dev-'));
  const args = [
    join(root, 'node_modules/wrangler/bin/wrangler.js'),
    'dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--inspector-port',
    String(inspector),
    '--show-interactive-dev-session=false',
    '--persist-to',
    persist,
    '--log-level',
    'warn',
    ...(config ? ['--config', config] : []),
    ...Object.entries(vars).flatMap(([k, v]) => ['--var', `${k}:${v}`]),
  ];
  let log = '';
  const child: ChildProcess = spawn(process.execPath, args, {
    cwd: root,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: 'true', NO_COLOR: '1' },
  });
  child.stdout?.on('data', (d) => (log += d));
  child.stderr?.on('data', (d) => (log += d));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.pid !== undefined) {
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        // already gone
      }
      await new Promise((r) => child.once('exit', r));
    }
    rmSync(persist, { recursive: true, force: true });
  };
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited with ${child.exitCode}:\n${log}`);
    try {
      await fetch(`${url}/__ready`, { signal: AbortSignal.timeout(2000) });
      return { url, pid: child.pid!, stop, output: () => log };
    } catch {
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  await stop();
  throw new Error(`wrangler dev did not answer within ${timeoutMs} ms:\n${log}`);
}

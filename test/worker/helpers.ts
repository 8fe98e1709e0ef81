import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import type { Env } from '../../src/worker/config.ts';

export type Handler = { fetch(request: Request, env: Env, ctx: ExecutionContext): Response | Promise<Response> };

let counter = 0;
/** A rule id no other test uses, so counters never leak between tests sharing the isolate's stores. */
export const uniqueId = (name: string) => `${name}-${++counter}-${Date.now()}`;

/** A fixed env object: the worker caches its parsed config per env object, as it would per isolate. */
export function fixedEnv(overrides: Partial<Env>): Env {
  return { ...(env as unknown as Env), ...overrides };
}

/** Sends one request from `ip` and waits for its `waitUntil` work (the table check runs there). */
export async function send(worker: Handler, fixed: Env, ip: string | undefined, path = '/', init: RequestInit = {}) {
  const headers = new Headers(init.headers);
  if (ip !== undefined) headers.set('cf-connecting-ip', ip);
  const ctx = createExecutionContext();
  const res = await worker.fetch(new Request(`https://edge.example${path}`, { ...init, headers }), fixed, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

/** Statuses of `n` sequential requests. */
export async function statuses(worker: Handler, fixed: Env, ip: string, n: number, path = '/', init: RequestInit = {}) {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((await send(worker, fixed, ip, path, init)).status);
  return out;
}

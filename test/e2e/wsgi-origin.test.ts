/**
 * End to end against a real Python WSGI origin (wsgiref, standard library): the built worker under
 * `wrangler dev` (real workerd) forwarding real HTTP. A CGI/WSGI stack folds header spellings
 * together (`Multi_User_IP` → `HTTP_MULTI_USER_IP`) and routes on a PATH_INFO in which `%2f` is a
 * slash, so these are the places where the worker's view and the origin's could part.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWranglerDev, type WranglerDev } from '../support/wrangler-dev.ts';

let python: ChildProcess;
let dev: WranglerDev;

beforeAll(async () => {
  python = spawn('python3', [new URL('./wsgi-echo.py', import.meta.url).pathname], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<string>((resolve, reject) => {
    python.once('error', reject);
    python.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim()));
  });
  dev = await startWranglerDev({
    ORIGIN: `http://127.0.0.1:${port}`,
    STORE: 'memory',
    RULES: JSON.stringify([
      { id: 'lax', limit: 1000, period: 60, path: '/x' },
      { id: 'api', limit: 2, period: 60, path: '/api' },
    ]),
  });
}, 120_000);

afterAll(async () => {
  await dev?.stop();
  python?.kill();
});

function send(path: string, ip: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}) {
  return new Promise<{ status: number; json: () => Record<string, string> }>((resolve, reject) => {
    const url = new URL(path, dev.url);
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path,
        method: options.method ?? 'GET',
        headers: { 'cf-connecting-ip': ip, ...options.headers },
      },
      (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode!, json: () => JSON.parse(text) }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

describe('wrangler dev in front of a WSGI origin', () => {
  it('a forged Multi_User_IP never reaches the origin as HTTP_MULTI_USER_IP', async () => {
    const forged = 'multi=?1, kind=cgnat, users=1000000, factor=10';
    const res = await send('/hello', '192.0.2.250', { headers: { Multi_User_IP: forged, 'Multi-User_IP': forged } });
    expect(res.status).toBe(200);
    expect(res.json().HTTP_MULTI_USER_IP).toBe('multi=?0');
  });

  it('a path the origin routes under /api/ is counted by the /api rule, not the lax /x rule', async () => {
    const path = '/api/users/..%2f..%2fx';
    const first = await send(path, '192.0.2.251');
    expect(first.json()).toMatchObject({ route: 'api', PATH_INFO: '/api/users/../../x' });
    expect([(await send(path, '192.0.2.251')).status, (await send(path, '192.0.2.251')).status]).toEqual([200, 429]);
  });

  it('GET with a body is forwarded without it (no 502)', async () => {
    const res = await send('/body', '192.0.2.252', {
      method: 'GET',
      headers: { 'content-type': 'text/plain', 'content-length': '5' },
      body: 'hello',
    });
    expect(res.status).toBe(200);
    expect(res.json()).toMatchObject({ REQUEST_METHOD: 'GET', body: '' });
  });
});

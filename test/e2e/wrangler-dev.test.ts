/**
 * End to end: the built worker under `wrangler dev` (a real workerd process, real Durable Objects)
 * in front of a real HTTP origin on loopback, driven with real HTTP requests.
 */
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWranglerDev, type WranglerDev } from '../support/wrangler-dev.ts';

const LIMIT = 4;
const TOKEN = 'e2e-admin-token-long-enough-to-be-accepted';
const MULTI = '198.51.100.7'; // cgnat in the example table (data/multi-user-prefixes.csv)

let origin: Server;
let originUrl: string;
let dev: WranglerDev;

beforeAll(async () => {
  origin = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      res.writeHead(req.url?.startsWith('/teapot') ? 418 : 200, { 'content-type': 'application/json', 'x-origin': 'node' });
      res.end(JSON.stringify({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString() }));
    });
  });
  await new Promise<void>((r) => origin.listen(0, '127.0.0.1', r));
  originUrl = `http://127.0.0.1:${(origin.address() as { port: number }).port}`;
  dev = await startWranglerDev({
    ORIGIN: originUrl,
    STORE: 'durable-object',
    ADMIN_TOKEN: TOKEN,
    RULES: JSON.stringify([{ id: 'e2e', limit: LIMIT, period: 60, path: '/limited' }]),
  });
}, 120_000);

afterAll(async () => {
  await dev?.stop();
  await new Promise((r) => origin?.close(r));
});

function get(path: string, ip: string, init: RequestInit = {}) {
  return fetch(`${dev.url}${path}`, { ...init, headers: { 'cf-connecting-ip': ip, ...(init.headers as Record<string, string>) } });
}

describe('wrangler dev in front of a real origin', () => {
  it('forwards method, body and status, strips a spoofed verdict and adds the real one', async () => {
    const res = await get('/teapot?x=1', '192.0.2.200', {
      method: 'POST',
      body: 'hello origin',
      headers: { 'multi-user-ip': 'multi, kind=cgnat, users=100000' },
    });
    expect(res.status).toBe(418);
    expect(res.headers.get('x-origin')).toBe('node');
    const seen = (await res.json()) as { method: string; url: string; body: string; headers: Record<string, string> };
    expect(seen).toMatchObject({ method: 'POST', url: '/teapot?x=1', body: 'hello origin' });
    expect(seen.headers['multi-user-ip']).not.toContain('100000');
  });

  it('a concurrent burst from one multi-user address passes exactly q = limit × factor (Durable Object store)', async () => {
    const lookup = await get(`/__multi-user/lookup?ip=${MULTI}`, '192.0.2.1', { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(lookup.status).toBe(200);
    const { rules } = (await lookup.json()) as { rules: { id: string; effectiveLimit: number; factor: number }[] };
    const q = rules.find((r) => r.id === 'e2e')!.effectiveLimit;
    expect(q).toBeGreaterThan(LIMIT); // the address really is multi-user, so the test means something

    const responses = await Promise.all(Array.from({ length: q * 2 + 5 }, () => get('/limited', MULTI)));
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(q);
    expect(statuses.filter((s) => s === 429)).toHaveLength(q + 5);
    const ok = responses.find((r) => r.status === 200)!;
    expect(ok.headers.get('ratelimit-policy')).toBe(`"e2e";q=${q};w=60`);
    const limited = responses.find((r) => r.status === 429)!;
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('a single-user address gets the base limit', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < LIMIT + 2; i++) statuses.push((await get('/limited', '192.0.2.250')).status);
    expect(statuses).toEqual([...Array(LIMIT).fill(200), 429, 429]);
  });

  it('health reports the bundled table behind the admin token', async () => {
    expect((await get('/__multi-user/health', '192.0.2.1')).status).toBe(401);
    const res = await get('/__multi-user/health', '192.0.2.1', { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { table: { loaded: boolean; sha256: string; ipv4Prefixes: number } };
    expect(body.table.loaded).toBe(true);
    expect(body.table.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(body.table.ipv4Prefixes).toBeGreaterThan(0);
  });
});

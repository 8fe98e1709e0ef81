/**
 * The middleware on a WebSocket upgrade, in workerd (101 responses and WebSocketPair exist only there).
 */
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { rateLimit } from '../../src/ratelimit/index.ts';

const conn = { headers: { 'cf-connecting-ip': '203.0.113.44' } };

describe('a 101 (Upgrade: websocket) response', () => {
  it('passes through with its WebSocket and the rate-limit headers', async () => {
    const app = new Hono();
    app.use(rateLimit({ id: 'ws', limit: 5 }));
    app.get('/ws', () => {
      const [client, server] = Object.values(new WebSocketPair());
      server!.accept();
      return new Response(null, { status: 101, webSocket: client });
    });
    const res = await app.request('/ws', conn);
    expect(res.status).toBe(101);
    expect(res.webSocket).not.toBeNull();
    expect(res.headers.get('ratelimit-policy')).toBe('"ws";q=5;w=60');
  });

  it('goes out unchanged, without the headers, when its headers cannot be changed (a 101 cannot be copied)', async () => {
    const app = new Hono();
    app.use(rateLimit({ id: 'ws', limit: 5 }));
    let upgrade: Response | undefined;
    app.get('/ws', () => {
      const [client, server] = Object.values(new WebSocketPair());
      server!.accept();
      upgrade = new Response(null, { status: 101, webSocket: client });
      // As on a response from fetch(): the headers are immutable (workerd offers no way to build one here).
      Object.defineProperty(upgrade.headers, 'append', { value: () => { throw new TypeError("Can't modify immutable headers."); } });
      return upgrade;
    });
    const res = await app.request('/ws', conn);
    expect(res).toBe(upgrade);
    expect(res.status).toBe(101);
    expect(res.headers.get('ratelimit-policy')).toBeNull();
  });

  it('a blocked upgrade gets the 429', async () => {
    const app = new Hono();
    app.use(rateLimit({ id: 'ws1', limit: 1 }));
    app.get('/ws', () => {
      const [client, server] = Object.values(new WebSocketPair());
      server!.accept();
      return new Response(null, { status: 101, webSocket: client });
    });
    expect((await app.request('/ws', conn)).status).toBe(101);
    expect((await app.request('/ws', conn)).status).toBe(429);
  });
});

/**
 * The middleware on a WebSocket upgrade, in workerd (101 responses and WebSocketPair exist only there).
 */
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { rateLimit } from '../../src/ratelimit/index.ts';

const conn = { headers: { 'cf-connecting-ip': '203.0.113.44' } };

/** A Hono app behind `rateLimit` whose /ws answers a WebSocket upgrade (101), made by `upgrade`. */
function wsApp(
  id: string,
  limit: number,
  upgrade: (webSocket: WebSocket) => Response = (webSocket) => new Response(null, { status: 101, webSocket }),
) {
  const app = new Hono();
  app.use(rateLimit({ id, limit }));
  app.get('/ws', () => {
    const [client, server] = Object.values(new WebSocketPair());
    server!.accept();
    return upgrade(client!);
  });
  return app;
}

describe('a 101 (Upgrade: websocket) response', () => {
  it('passes through with its WebSocket and the rate-limit headers', async () => {
    const res = await wsApp('ws', 5).request('/ws', conn);
    expect(res.status).toBe(101);
    expect(res.webSocket).not.toBeNull();
    expect(res.headers.get('ratelimit-policy')).toBe('"ws";q=5;w=60');
  });

  it('goes out unchanged, without the headers, when its headers cannot be changed (a 101 cannot be copied)', async () => {
    let upgrade: Response | undefined;
    const app = wsApp('ws', 5, (webSocket) => {
      upgrade = new Response(null, { status: 101, webSocket });
      // As on a response from fetch(): the headers are immutable (workerd offers no way to build one here).
      Object.defineProperty(upgrade.headers, 'append', {
        value: () => {
          throw new TypeError("Can't modify immutable headers.");
        },
      });
      return upgrade;
    });
    const res = await app.request('/ws', conn);
    expect(res).toBe(upgrade);
    expect(res.status).toBe(101);
    expect(res.headers.get('ratelimit-policy')).toBeNull();
  });

  it('a blocked upgrade gets the 429', async () => {
    const app = wsApp('ws1', 1);
    expect((await app.request('/ws', conn)).status).toBe(101);
    expect((await app.request('/ws', conn)).status).toBe(429);
  });
});

import { exports } from 'cloudflare:workers';
import { expect, it } from 'vitest';

it('answers', async () => {
  const res = await exports.default.fetch('http://example.com/x', { headers: { 'cf-connecting-ip': '192.0.2.1' } });
  expect(await res.json()).toEqual({ path: '/x', client: '192.0.2.1' });
});

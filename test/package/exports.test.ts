import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { exports: Record<string, string> };

describe('package exports', () => {
  it.each(Object.entries(pkg.exports).filter(([name]) => name !== './ratelimit/durable-object'))('%s loads in Node', async (_name, path) => {
    const mod = (await import(new URL(`../../${path}`, import.meta.url).href)) as Record<string, unknown>;
    expect(Object.keys(mod).length).toBeGreaterThan(0);
  });

  it('the root entry hands out the table and the limiter', async () => {
    const root = await import('../../src/index.ts');
    const { bytes } = root.compileTable([{ prefix: '198.51.100.0/24', kind: 'cgnat', users: 100 }]);
    const table = root.MultiUserTable.from(bytes);
    expect(root.multiUserFactor(table.lookup('198.51.100.1'))).toBe(10);
    expect(typeof root.rateLimit({ table })).toBe('function');
  });
});

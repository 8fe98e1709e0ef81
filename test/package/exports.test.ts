import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

interface Entry {
  types: string;
  default: string;
}
const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  exports: Record<string, Entry | string>;
  bin: Record<string, string>;
  peerDependencies: Record<string, string>;
  dependencies: Record<string, string>;
};
const entries = Object.entries(pkg.exports).filter((e): e is [string, Entry] => typeof e[1] === 'object');
/** dist/src/x.js (what the package serves, built by `npm run build`) ← src/x.ts (what this test loads). */
const source = (path: string) => path.replace('./dist/', './').replace(/\.js$/, '.ts');

describe('package exports', () => {
  it('name every public subpath with types first, then default, both compiled from a source module', () => {
    expect(entries.map(([name]) => name)).toEqual(['.', './table', './ratelimit', './ratelimit/durable-object']);
    for (const [, entry] of entries) {
      expect(Object.keys(entry)).toEqual(['types', 'default']);
      expect(entry.types).toBe(entry.default.replace(/\.js$/, '.d.ts'));
      expect(existsSync(new URL(`../../${source(entry.default)}`, import.meta.url))).toBe(true);
    }
    expect(source(pkg.bin['multi-user-ip']!.replace(/^(?!\.\/)/, './'))).toBe('./scripts/cli.ts');
  });

  it('hono is a peer, not a dependency (one copy, so the ContextVariableMap augmentation meets the app)', () => {
    expect(pkg.peerDependencies.hono).toBeDefined();
    expect(pkg.dependencies.hono).toBeUndefined();
  });

  it.each(entries.filter(([name]) => name !== './ratelimit/durable-object'))('%s loads in Node', async (_name, entry) => {
    const mod = (await import(new URL(`../../${source(entry.default)}`, import.meta.url).href)) as Record<string, unknown>;
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

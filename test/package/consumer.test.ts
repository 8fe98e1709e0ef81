/**
 * The package as a user gets it: `npm pack` (prepack builds dist/), the tarball installed into a fresh
 * temporary project, and no TypeScript loader anywhere:
 * (a) README's "Use the pieces as a library" server, extracted from README.md, served by plain `node`
 *     20 (on PATH) and 22 (node_modules/.bin/node) with @hono/node-server, limiting a carrier-NAT
 *     address of the example table at limit × 10 and a single-user address at limit, then 429;
 * (b) `tsc --noEmit` on the same file under NodeNext and under Bundler resolution;
 * (c) esbuild bundles the middleware for workerd;
 * (d) `npx multi-user-ip build-table` (help, and the table (a) serves) from the installed package;
 * plus publint and @arethetypeswrong/cli on the tarball.
 *
 * The consumer's other dependencies (hono, @hono/node-server, typescript, esbuild, @types/node) and the
 * package's own runtime dependencies are linked from this repo's node_modules (`file:` links), so the
 * install needs no network and takes seconds; the tarball itself is installed as npm installs it.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'consumer-'));
const app = join(work, 'app');
const run = promisify(execFile);
const sh = (cmd: string, args: string[], cwd = app) =>
  run(cmd, args, { cwd, maxBuffer: 1 << 26, env: { ...process.env, npm_config_update_notifier: 'false' } });

/** The README's library example: the first ```js block after its heading. */
const readmeServer = (() => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Use the pieces as a library'));
  const code = /```js\n([\s\S]*?)```/.exec(section)?.[1];
  if (!code) throw new Error('README.md: no ```js block under "Use the pieces as a library"');
  return code;
})();

let tarball = '';
beforeAll(async () => {
  // Packs as `npm publish` would (prepack runs the build).
  const { stdout } = await sh('npm', ['pack', '--json', '--pack-destination', work], root);
  tarball = join(work, (JSON.parse(stdout) as { filename: string }[])[0]!.filename);
  const packed = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  const link = (name: string) => `file:${join(root, 'node_modules', name)}`;
  const deps: Record<string, string> = { 'multi-user-ip': `file:${tarball}` };
  for (const name of [...Object.keys(packed.dependencies), 'hono', '@hono/node-server', 'typescript', 'esbuild', '@types/node'])
    deps[name] = link(name);
  mkdirSync(app);
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify({ name: 'consumer', private: true, type: 'module', dependencies: deps }, null, 2),
  );
  await sh('npm', ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', '--install-links=false']);
  writeFileSync(join(app, 'server.mjs'), readmeServer);
  // (d), and the table (a) serves: the example list, compiled by the installed binary.
  await sh('npx', [
    '--no-install',
    'multi-user-ip',
    'build-table',
    '--in',
    join(root, 'data/multi-user-prefixes.csv'),
    '--allow-documentation',
    '--out',
    'table.bin',
  ]);
}, 300_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the packed tarball', () => {
  it('holds the compiled package and no worker app, tests or benchmarks', async () => {
    const { stdout } = await sh('tar', ['-tzf', tarball]);
    const files = stdout.split('\n').filter(Boolean);
    expect(files).toContain('package/dist/src/ratelimit/index.js');
    expect(files).toContain('package/dist/src/ratelimit/durable-object.d.ts');
    expect(files).toContain('package/dist/scripts/cli.js');
    expect(
      files.filter((f) => /^package\/(dist\/)?src\/worker\/|^package\/(test\/(?!fixtures\/detect-user-agents\/)|bench\/)/.test(f)),
    ).toEqual([]);
  });

  it('passes publint', async () => {
    const { stdout } = await sh(join(root, 'node_modules/.bin/publint'), ['run', tarball, '--strict'], root);
    expect(stdout).not.toMatch(/error|warning/i);
  });

  it('passes @arethetypeswrong/cli (ESM-only profile)', async () => {
    await sh(join(root, 'node_modules/.bin/attw'), [tarball, '--profile', 'esm-only', '--format', 'table-flipped'], root);
  });
});

describe.each([
  ['node 20 (PATH)', 'node'],
  ['node 22 (node_modules/.bin/node)', join(root, 'node_modules/.bin/node')],
])('(a) README server on %s', (_name, node) => {
  let server: ReturnType<typeof spawn>;
  let base = '';
  beforeAll(async () => {
    server = spawn(node, ['server.mjs'], { cwd: app, env: { ...process.env, PORT: '0', TABLE: 'table.bin' } });
    let stderr = '';
    server.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    base = await new Promise<string>((resolve, reject) => {
      server.stdout!.on('data', (d: Buffer) => {
        const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(d.toString());
        if (m) resolve(m[1]!);
      });
      server.on('exit', (code) => reject(new Error(`server.mjs exited with ${code}: ${stderr}`)));
    });
  }, 60_000);
  afterAll(() => void server?.kill());

  const hit = (address: string) => fetch(`${base}/api/hello`, { headers: { 'x-forwarded-for': address } });

  it('a carrier-NAT address of the example table gets q = limit × 10', async () => {
    // 198.51.100.5 is in 198.51.100.0/24 (cgnat, 1200 users) and outside the /28 enterprise block at .64;
    // factor = min(cap 10, floor(sqrt(1200)) = 34) = 10, so q = 100 × 10.
    const r = await hit('198.51.100.5');
    expect(r.status).toBe(200);
    expect(r.headers.get('ratelimit-policy')).toBe('"api";q=1000;w=60');
    expect(((await r.json()) as { multiUser: { kind: string } }).multiUser.kind).toBe('cgnat');
  });

  it('a single-user address gets q = limit, then a 429 after it', async () => {
    // A public address in no listed prefix. The proxy's own hop (loopback) is the trusted one.
    const address = node === 'node' ? '8.8.4.4' : '9.9.9.9';
    const first = await hit(address);
    expect(first.headers.get('ratelimit-policy')).toBe('"api";q=100;w=60');
    for (let i = 2; i <= 100; i++) expect((await hit(address)).status).toBe(200);
    const over = await hit(address);
    expect(over.status).toBe(429);
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  });
});

describe.concurrent('(b) tsc --noEmit on the same file', () => {
  it.each([
    ['NodeNext', { module: 'NodeNext', moduleResolution: 'NodeNext' }],
    ['Bundler', { module: 'ESNext', moduleResolution: 'Bundler' }],
  ])(
    '%s',
    async (name, resolution) => {
      const dir = join(app, `tsc-${name}`);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'server.ts'), readmeServer);
      // A second file checks the ContextVariableMap augmentation reached the app's Hono types.
      writeFileSync(
        join(dir, 'types.ts'),
        `import { Hono } from 'hono';\nimport type { MultiUserMatch } from 'multi-user-ip/table';\nimport type { RateLimitDecision } from 'multi-user-ip/ratelimit';\n` +
          `import 'multi-user-ip/ratelimit';\nnew Hono().get('/', (c) => {\n  const m: MultiUserMatch | undefined = c.get('multiUser');\n  const d: RateLimitDecision | undefined = c.get('rateLimit');\n  return c.json({ m, d });\n});\n`,
      );
      const compilerOptions = { ...resolution, target: 'ES2022', strict: true, noEmit: true, types: ['node'], skipLibCheck: false };
      writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, include: ['*.ts'] }));
      // skipLibCheck off: the package's own .d.ts are checked too.
      await sh(join(app, 'node_modules/.bin/tsc'), ['-p', dir]);
    },
    180_000,
  );
});

describe('(c) esbuild bundles the middleware for workerd', () => {
  it('with no Node built-ins and none of the offline code', async () => {
    writeFileSync(
      join(app, 'worker.mjs'),
      `import { Hono } from 'hono';\nimport { rateLimit } from 'multi-user-ip/ratelimit';\nimport { MultiUserTable } from 'multi-user-ip/table';\n` +
        `export default { fetch(request, env) {\n  const app = new Hono();\n  app.use(rateLimit({ table: MultiUserTable.from(env.TABLE) }));\n  app.get('/', (c) => c.text('ok'));\n  return app.fetch(request, env);\n} };\n`,
    );
    await sh(join(app, 'node_modules/.bin/esbuild'), [
      'worker.mjs',
      '--bundle',
      '--format=esm',
      '--platform=neutral',
      '--conditions=workerd,worker,browser',
      '--main-fields=module,main',
      '--outfile=worker.bundle.js',
    ]);
    const bundle = readFileSync(join(app, 'worker.bundle.js'), 'utf8');
    expect(bundle).toContain('MultiUserTable');
    expect(bundle).not.toMatch(/from ["']node:|require\(["']node:/);
    expect(bundle).not.toMatch(/ua-parser|chart\.js|ipaddr/i);
  });
});

describe('(d) the binary from the installed package', () => {
  it('npx multi-user-ip build-table --help prints the usage and exits 0', async () => {
    const { stdout, stderr } = await sh('npx', ['--no-install', 'multi-user-ip', 'build-table', '--help']);
    expect(stdout).toMatch(/^usage: multi-user-ip build-table /);
    expect(stderr).toBe('');
  });

  it('built the table the server uses, from the example list', () => {
    expect(readdirSync(app)).toEqual(expect.arrayContaining(['table.bin', 'table.manifest.json']));
  });
});

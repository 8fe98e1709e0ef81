import { benchPrefixes } from './bench/table/data.ts';
import { compileTable } from './src/table/index.ts';
import { gzipSync } from 'node:zlib';
for (const regime of (process.argv[2] ?? '12,350,30k').split(',') as any) {
  const p = benchPrefixes(500_000, 100_000, regime);
  const pairs = new Set(p.map((x) => `${x.kind}/${x.users}`)).size;
  const n4 = p.filter((x) => x.family === 4).length, n6 = p.length - n4;
  let t = performance.now();
  const all = compileTable(p); const ct = performance.now() - t;
  const b4 = compileTable(p.filter((x) => x.family === 4)).bytes.length;
  const b6 = compileTable(p.filter((x) => x.family === 6)).bytes.length;
  console.log(regime, { pairs, n4, n6, all: all.bytes.length, perPrefix: (all.bytes.length / p.length).toFixed(2), v4: (b4 / n4).toFixed(2), v6: (b6 / n6).toFixed(2), gzip: gzipSync(all.bytes, { level: 9 }).length, compileMs: Math.round(ct) }, all.stats);
}

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import S3rver from 's3rver';
import type { RunDetectOptions } from '../../scripts/detect.ts';
import { simulate, type SimulationOutput } from '../../src/detect/simulate/simulate.ts';
import { agents } from './helpers.ts';

/** The simulated log (gzip, as Logpush writes it) and the detect inputs npm run simulate writes, under `dir`. */
export function writeSimulation(
  dir: string,
  seed: number,
): { sim: SimulationOutput; lines: string[]; base: Omit<RunDetectOptions, 'out'> } {
  const lines: string[] = [];
  const sim = simulate(agents, { seed, scale: 0.5 }, (l) => lines.push(l));
  const sub = join(dir, `sim-${seed}`);
  mkdirSync(sub);
  writeFileSync(join(sub, 'logs.ndjson.gz'), gzipSync(`${lines.join('\n')}\n`));
  writeFileSync(join(sub, 'asn.csv'), sim.asnCsv);
  writeFileSync(join(sub, 'peeringdb.json'), sim.peeringDbJson);
  const lists = sim.lists.map((l) => {
    writeFileSync(join(sub, l.name), l.text);
    return { kind: l.kind, file: join(sub, l.name) };
  });
  return {
    sim,
    lines,
    base: { logs: [join(sub, 'logs.ndjson.gz')], asn: join(sub, 'asn.csv'), peeringDb: [join(sub, 'peeringdb.json')], lists, quiet: true },
  };
}

/**
 * A real S3-compatible server (s3rver) on loopback with one bucket, and the environment the engine
 * reads S3 credentials from. s3rver accepts unsigned uploads; the engine's reads are signed.
 */
export async function startS3(
  directory: string,
  bucket: string,
): Promise<{ server: S3rver; env: NodeJS.ProcessEnv; put(key: string, body: Buffer): Promise<number> }> {
  const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory, configureBuckets: [{ name: bucket, configs: [] }] });
  const { port } = await server.run();
  const env = { AWS_ENDPOINT_URL: `http://127.0.0.1:${port}`, AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' };
  const put = async (key: string, body: Buffer) =>
    (await fetch(`${env.AWS_ENDPOINT_URL}/${bucket}/${key}`, { method: 'PUT', body })).status;
  return { server, env, put };
}

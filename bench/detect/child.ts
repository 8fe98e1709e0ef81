/**
 * One measurement, run in its own process by bench/detect/main.ts so peak memory is this run's alone:
 * `node --import tsx bench/detect/child.ts MODE FILE [DIR [THREADS]]`. MODE is `baseline` (load the modules, read
 * nothing), `readline` (node:readline, lines only), `split` (the detector's own line splitter, lines
 * only), `json` (splitter + JSON.parse: the floor for any Logpush reader), or
 * `detect` (the real pipeline: runDetect with the simulation's ASN ranges, PeeringDB and lists), or
 * `clickhouse` (the same runDetect with `engine: 'clickhouse'`: chDB in this process, so the peak
 * RSS includes ClickHouse's own memory).
 * Prints one JSON object.
 */
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { forEachLine, runDetect } from '../../scripts/detect.ts';

const [mode, file, dir, threadArg] = process.argv.slice(2) as [string, string, string | undefined, string | undefined];
const started = performance.now();
let lines = 0;
let units = 0;
let prefixes = 0;
let retainedMiB = 0;
if (mode === 'baseline') {
  // nothing: modules are loaded, which is what the baseline measures
} else if (mode === 'readline') {
  const rl = createInterface({ input: createReadStream(file, { highWaterMark: 1 << 20 }), crlfDelay: Number.POSITIVE_INFINITY });
  for await (const _line of rl) lines++;
} else if (mode === 'split') {
  await forEachLine(file, () => lines++);
} else if (mode === 'json') {
  await forEachLine(file, (line) => {
    lines++;
    try {
      JSON.parse(line);
    } catch {
      // the simulator's deliberately malformed lines
    }
  });
} else if (mode === 'detect' || mode === 'clickhouse') {
  const d = dir!;
  const r = await runDetect({
    logs: [file],
    out: join(d, 'detected.csv'),
    asn: join(d, 'asn.csv'),
    peeringDb: [join(d, 'peeringdb.json')],
    lists: [
      { kind: 'vpn', file: join(d, 'lists', 'vpn-exits.txt') },
      { kind: 'tor', file: join(d, 'lists', 'tor-exits.txt') },
      { kind: 'relay', file: join(d, 'lists', 'relay-egress.csv') },
    ],
    quiet: true,
    ...(mode === 'clickhouse' ? { engine: 'clickhouse' as const } : {}),
    ...(threadArg !== undefined ? { threads: Number(threadArg) } : {}),
    onLogsRead: () => {
      // The detector's state is all that is alive now: collect garbage and weigh what is left.
      (globalThis as { gc?: () => void }).gc?.();
      retainedMiB = process.memoryUsage().heapUsed / 2 ** 20;
    },
  });
  lines = r.files[0]!.lines;
  units = r.units;
  prefixes = r.prefixes.length;
}
const seconds = (performance.now() - started) / 1000;
process.stdout.write(
  JSON.stringify({
    mode,
    lines,
    units,
    prefixes,
    seconds,
    retainedMiB,
    maxRssMiB: process.resourceUsage().maxRSS / 1024,
    heapUsedMiB: process.memoryUsage().heapUsed / 2 ** 20,
  }),
);

/**
 * Issue 10's two targets for the worker on workerd, with only the variants they are read from: the
 * empty worker, a second identical one (the A/A check), the worker with no rules and the worker with
 * one rule and the memory store; and the same rule with `headers: false`, which splits the memory
 * store's cost over no rules into the limiter's work and workerd's per-header work. The method is
 * bench/worker's (paired rounds, fresh warmed-up processes every BENCH_BLOCK rounds, medians of
 * per-round ratios with an order-statistic interval), but a round here is five samples instead of
 * fourteen, so the same time buys several times the rounds, and the
 * median's interval narrows as one over the square root of their number: on a 2-core shared machine
 * the 52 rounds of bench/worker left the requests/s target's interval about ±0.05 wide.
 *
 * Environment: BENCH_ROUNDS (default 160), BENCH_SECONDS per sample (default 1), BENCH_BLOCK rounds per
 * set of processes (default 8), BENCH_WARM_REQUESTS per fresh process (default 80000).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADDRESSES, addressRequests, CONNECTIONS, CORE_VARIANTS, WAKE_SECONDS, WARM_MAX_SECONDS } from '../worker/load-mix.ts';
import { pairedRounds } from '../worker/paired.ts';
import { describeRatios, median, medianInterval, roundRatios, verdict } from '../worker/ratios.ts';
import { bundle, serve, WARM_REQUESTS as DEFAULT_WARM_REQUESTS, type Workerd } from '../worker/workerd.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 160);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 1);
const BLOCK = Number(process.env.BENCH_BLOCK ?? 8);
const WARM_REQUESTS = Number(process.env.BENCH_WARM_REQUESTS ?? DEFAULT_WARM_REQUESTS);

const EMPTY = 0;
const EMPTY_AGAIN = 1;
const NO_RULES = 2;
const MEMORY = 3;
const MEMORY_QUIET = 4;
const variants = [CORE_VARIANTS.empty, CORE_VARIANTS.emptyAgain, CORE_VARIANTS.noRules, CORE_VARIANTS.memory, CORE_VARIANTS.quiet];

const scratch = mkdtempSync(join(tmpdir(), 'multi-user-ip-bench-worker-targets-'));
const servers: Workerd[] = [];
let samples: { rps: number[][]; cpu: number[][]; warmed: number[] };
try {
  console.error('bundling with wrangler deploy --dry-run…');
  const bundles = {
    floor: bundle(join(scratch, 'floor'), new URL('../worker/floor/wrangler.toml', import.meta.url).pathname),
    worker: bundle(join(scratch, 'worker')),
  };
  const requests = addressRequests(ADDRESSES);
  samples = await pairedRounds({
    variants: variants.length,
    serve: (i) => serve(bundles[variants[i]!.bundle], variants[i]!.options),
    requests: () => requests,
    groups: [variants.map((_, i) => i)],
    servers,
    rounds: ROUNDS,
    seconds: SECONDS,
    block: BLOCK,
    warmRequests: WARM_REQUESTS,
    warmMaxSeconds: WARM_MAX_SECONDS,
    wakeSeconds: WAKE_SECONDS,
    connections: CONNECTIONS,
  });
} finally {
  for (const s of servers) await s.stop();
  rmSync(scratch, { recursive: true, force: true });
}

const { rps, cpu, warmed } = samples;
const cpuVsEmpty = cpu.map((c) => roundRatios(c, cpu[EMPTY]!));
const rpsVsNoRules = rps.map((r) => roundRatios(r, rps[NO_RULES]!));
console.log('## Worker on workerd: the two targets\n');
console.log(
  'Only the variants the targets of issue 10 are read from, and the rule without its rate-limit headers, with the method of ' +
    '"Worker on workerd" (the same bundle, load, `workerd serve`, CPU from /proc and paired rounds): ' +
    `${ROUNDS} rounds of ${SECONDS}-second samples, each round the empty worker, a second identical empty worker (the A/A ` +
    "check), the worker with no rules, the worker with one rule and the memory store and the same with the rule's " +
    '`headers: false` back to back, in an order shifted every round and reversed every other cycle, each sample after ' +
    `${WAKE_SECONDS} s of unmeasured load; every ${BLOCK} rounds fresh processes, each warmed up with ${WARM_REQUESTS} ` +
    `unmeasured requests (at most ${WARM_MAX_SECONDS} s; the fewest any process got: ${Math.min(...warmed)}). With five ` +
    'samples a round instead of fourteen, the same time buys several times the rounds, and the interval of the median ' +
    'narrows with their number. A target counts as met (or not met) only when the whole interval lies on one side of it.\n',
);
console.log(
  '| worker | requests/s (median) | vs no rules: median of per-round ratios (quartiles) | CPU µs / request (median) | vs empty worker: median of per-round ratios (quartiles) |',
);
console.log('|---|---:|---:|---:|---:|');
variants.forEach((v, i) => {
  console.log(
    `| ${v.name} | ${median(rps[i]!).toFixed(0)} | ${describeRatios(rpsVsNoRules[i]!)} | ${median(cpu[i]!).toFixed(0)} | ${describeRatios(cpuVsEmpty[i]!)} |`,
  );
});
const aa = medianInterval(cpuVsEmpty[EMPTY_AGAIN]!);
console.log(
  `\nResolution (A/A check): CPU per request ${describeRatios(cpuVsEmpty[EMPTY_AGAIN]!)}; requests/s ` +
    `${describeRatios(roundRatios(rps[EMPTY_AGAIN]!, rps[EMPTY]!))}.\n`,
);
console.log(
  'Targets (issue 10), memory store:\n\n' +
    `- CPU per request ≤ 1.3 × the empty worker's: ${describeRatios(cpuVsEmpty[MEMORY]!, 3)}: **${verdict(cpuVsEmpty[MEMORY]!, 1.3, 'at most')}**.\n` +
    `- Requests/s ≥ 0.9 × the no-rules worker's: ${describeRatios(rpsVsNoRules[MEMORY]!, 3)}: **${verdict(rpsVsNoRules[MEMORY]!, 0.9, 'at least')}**.\n` +
    `- For reference, CPU per request against the no-rules worker: ${describeRatios(roundRatios(cpu[MEMORY]!, cpu[NO_RULES]!), 3)} ` +
    `(the A/A ratio's interval: ${aa.low.toFixed(2)}–${aa.high.toFixed(2)}).\n` +
    `- Split: the rule with \`headers: false\` against the no-rules worker, CPU per request ${describeRatios(roundRatios(cpu[MEMORY_QUIET]!, cpu[NO_RULES]!), 3)}, ` +
    `requests/s ${describeRatios(rpsVsNoRules[MEMORY_QUIET]!, 3)}; the memory store against it, CPU per request — what the two ` +
    `rate-limit headers cost workerd — ${describeRatios(roundRatios(cpu[MEMORY]!, cpu[MEMORY_QUIET]!), 3)}.`,
);

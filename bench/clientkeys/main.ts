/**
 * `npm run bench -- clientkeys`: what client keys change, in two parts.
 *
 * 1. Collateral: the issue's scenarios (test/support/client-scenarios.ts) through `wrangler dev` with
 *    the Durable Object store, at 198.51.100.7 of the example table (limit 5, factor 10), each on
 *    its own rule, with and without client keys; the share of ordinary clients' requests blocked.
 * 2. CPU: the token check on workerd — the bundle under `workerd serve` (bench/worker/workerd.ts),
 *    the carrier-NAT address only, without client keys and with a valid token on every request,
 *    interleaved rounds in the same run; and the check alone, 20× per request in the pieces worker
 *    (bench/worker/pieces), paired against the do-nothing piece.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { abuserKeepingCookie, botAfterOrdinary, collateral, type ScenarioResult, type Send } from '../../test/support/client-scenarios.ts';
import { startWranglerDev } from '../../test/support/wrangler-dev.ts';
import { CLIENT_KEY_VARIANTS, NAT, variantHeaders } from '../worker/client-key-variants.ts';
import { bundle, load, median, serve, WARM_REQUESTS, warmUp, type Workerd } from '../worker/workerd.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 4);
const PIECE_SECONDS = 2;
const PIECE_RATE = 800;
const CONNECTIONS = 16;

const SCENARIOS: { name: string; run: (send: Send) => Promise<ScenarioResult> }[] = [
  { name: '1. an abuser keeping its cookie (100 requests), then 20 clients × 4', run: (s) => abuserKeepingCookie(s, NAT) },
  { name: '2. 10 clients × 1, a bot dropping its cookie (200 requests), the 10 clients × 4', run: (s) => botAfterOrdinary(s, NAT, 'none') },
  {
    name: '3. 10 clients × 1, a bot with a fresh cookie jar per request (1,000), the 10 clients × 4',
    run: (s) => botAfterOrdinary(s, NAT, 'fresh'),
  },
];

async function collateralFigures(): Promise<{ plain: ScenarioResult; keyed: ScenarioResult }[]> {
  const rules = SCENARIOS.flatMap((_, i) => [
    { id: `plain-${i}`, limit: 5, period: 3600, path: `/plain-${i}` },
    { id: `keyed-${i}`, limit: 5, period: 3600, path: `/keyed-${i}`, clientKey: 'cookie' },
  ]);
  const dev = await startWranglerDev({
    STORE: 'durable-object',
    RULES: JSON.stringify(rules),
    CLIENT_KEY_SECRET: 'bench-client-key-secret-of-32-characters-or-more',
  });
  try {
    const sender =
      (path: string): Send =>
      ({ address, cookie }) =>
        fetch(`${dev.url}${path}`, { headers: { 'cf-connecting-ip': address, ...(cookie ? { cookie } : {}) } });
    const out = [];
    for (const [i, s] of SCENARIOS.entries()) {
      console.error(`scenario ${s.name}…`);
      out.push({ plain: await s.run(sender(`/plain-${i}`)), keyed: await s.run(sender(`/keyed-${i}`)) });
    }
    return out;
  } finally {
    await dev.stop();
  }
}

async function cpuFigures(): Promise<{ cpu: number[][]; rps: number[][]; piece: number[] }> {
  const scratch = mkdtempSync(join(tmpdir(), 'multi-user-ip-bench-clientkeys-'));
  const servers: Workerd[] = [];
  try {
    const worker = bundle(join(scratch, 'worker'));
    const piecesBundle = bundle(join(scratch, 'pieces'), new URL('../worker/pieces/wrangler.toml', import.meta.url).pathname);
    const headers = await Promise.all(CLIENT_KEY_VARIANTS.map((v) => variantHeaders(v.keyed)));
    for (const v of CLIENT_KEY_VARIANTS) servers.push(await serve(worker, { vars: { ...v.vars } }));
    // The keyed variant must really be keyed (a token refused would measure minting instead).
    for (const [i, v] of CLIENT_KEY_VARIANTS.entries()) {
      const seen = (await (await fetch(`${servers[i]!.url}/bench`, { headers: headers[i]! })).json()) as { multiUser: string };
      if (v.keyed !== / keyed$/.test(seen.multiUser)) throw new Error(`variant "${v.name}": the verdict says ${seen.multiUser}`);
    }
    const requestsOf = (i: number) => [{ method: 'GET' as const, path: '/bench', headers: headers[i]! }];
    const measure = (i: number, seconds: number) => load(servers[i]!, seconds, requestsOf(i), CONNECTIONS);
    for (let i = 0; i < servers.length; i++) await warmUp(servers[i]!, WARM_REQUESTS, requestsOf(i), CONNECTIONS);
    const cpu = servers.map(() => [] as number[]);
    const rps = servers.map(() => [] as number[]);
    for (let round = 0; round < ROUNDS; round++) {
      for (let i = 0; i < servers.length; i++) {
        const m = await measure(i, SECONDS);
        cpu[i]!.push(m.cpuUs);
        rps[i]!.push(m.rps);
        console.error(
          `round ${round + 1}: ${CLIENT_KEY_VARIANTS[i]!.name}: ${m.rps.toFixed(0)} req/s, ${m.cpuUs.toFixed(0)} µs CPU/request`,
        );
      }
    }
    const pw = await serve(piecesBundle);
    servers.push(pw);
    const { repeat, pieces } = (await (await fetch(`${pw.url}/pieces`)).json()) as { repeat: number; pieces: string[] };
    const index = pieces.findIndex((p) => p.startsWith('client token check'));
    const pieceLoad = (i: number, seconds: number) =>
      load(pw, seconds, [{ method: 'GET', path: `/piece/${i}`, headers: { 'cf-connecting-ip': NAT } }], CONNECTIONS, PIECE_RATE);
    await pieceLoad(0, 1);
    await pieceLoad(index, 1);
    const piece: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const none = await pieceLoad(0, PIECE_SECONDS);
      const check = await pieceLoad(index, PIECE_SECONDS);
      piece.push((check.cpuUs - none.cpuUs) / repeat);
      console.error(`round ${round + 1}: token check ${piece.at(-1)!.toFixed(1)} µs`);
    }
    return { cpu, rps, piece };
  } finally {
    for (const s of servers) await s.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
}

const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
const figures = await collateralFigures();
const load1 = loadavg()[0]!;
const { cpu, rps, piece } = await cpuFigures();

console.log('## Client keys\n');
console.log(
  "Collateral: the issue's scenarios through `wrangler dev` (real workerd, Durable Object store) at the carrier-NAT address " +
    '198.51.100.7 of the example table (limit 5, factor 10: L × F = 50; documented worst case 4 × L × F = 200 per address ' +
    'per period), each scenario on its own rule (period 3600 s), sequential requests, each client with its own cookie jar. ' +
    '"Blocked" is the share of the ordinary clients\' requests answered 429 (the collateral); the figures are counts, not ' +
    'timings, and do not depend on the machine. Scenario 4 (a token copied to another /24) and 5 (the challenge) are ' +
    'pass/fail checks, in test/e2e/client-keys.test.ts.\n',
);
console.log('| scenario | ordinary blocked, without client keys | with client keys | attacker passed, without | with |');
console.log('|---|---:|---:|---:|---:|');
SCENARIOS.forEach((s, i) => {
  const { plain, keyed } = figures[i]!;
  console.log(
    `| ${s.name} | ${pct(collateral(plain))} (${plain.ordinarySent - plain.ordinaryPassed} of ${plain.ordinarySent}) | ` +
      `${pct(collateral(keyed))} (${keyed.ordinarySent - keyed.ordinaryPassed} of ${keyed.ordinarySent}) | ` +
      `${plain.attackerPassed} of ${plain.attackerSent} | ${keyed.attackerPassed} of ${keyed.attackerSent} |`,
  );
});
const [plainCpu, keyedCpu] = cpu.map((c) => median(c));
console.log(
  `\nCPU of the token check on workerd: the deployable bundle under \`workerd serve\` (bench/worker/workerd.ts), one rule ` +
    `with a limit nobody reaches, every request from ${NAT}; autocannon, ${CONNECTIONS} connections, ${SECONDS} s per sample, ` +
    `${ROUNDS} interleaved rounds, medians. "CPU" is the workerd process's user + system time divided by the requests served. ` +
    `The machine was shared with other engineers' tests (load average ${load1.toFixed(1)} on 2 cores before this part), so ` +
    'compare the rows with each other, not with other runs.\n',
);
console.log('| worker | requests/s (median) | CPU µs / request (median) | samples (µs) |');
console.log('|---|---:|---:|---|');
CLIENT_KEY_VARIANTS.forEach((v, i) => {
  console.log(
    `| ${v.name} | ${median(rps[i]!).toFixed(0)} | ${median(cpu[i]!).toFixed(0)} | ${cpu[i]!.map((x) => x.toFixed(0)).join(', ')} |`,
  );
});
console.log(
  `\nAdded CPU per request with client keys (token check + the aggregate counter + the larger headers): ` +
    `${(keyedCpu! - plainCpu!).toFixed(0)} µs (${(keyedCpu! / plainCpu!).toFixed(2)} ×). The check alone (cookie value → ` +
    `\`verify\`: base64url decode, HMAC-SHA-256 over 18 bytes + the /24, constant-time compare), run 20× per request in the ` +
    `pieces worker at ${PIECE_RATE} requests/s and paired against the do-nothing piece: ${median(piece).toFixed(1)} µs per check ` +
    `(rounds: ${piece.map((x) => x.toFixed(1)).join(', ')}).`,
);

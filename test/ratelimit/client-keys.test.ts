import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clientKeyPlan, countPlan } from '../../src/ratelimit/client-keys.ts';
import type { ClientToken } from '../../src/ratelimit/client-token.ts';
import { MemoryStore } from '../../src/ratelimit/memory-store.ts';
import type { StoreRule } from '../../src/ratelimit/types.ts';

// One carrier-NAT address of the example table: base limit 5, factor 10 (README's policy: cgnat cap 10).
const L = 5;
const F = 10;
const LF = L * F; // 50: the address budget of tokenless requests
const CEILING = 4 * LF; // 200: every request of the address together
const MINTS = F; // 10 new tokens per period by default
const RULE: StoreRule = { algorithm: 'fixed-window', limit: 0, periodMs: 60_000, mitigationMs: 0 };
const NOW = 1_800_000_000_000;

function token(i: number): ClientToken {
  return { id: i.toString(16).padStart(24, '0'), verified: false, expires: 0 };
}

/** One request through the plan: a keyed client `i`, or no token (then a token may be minted). */
async function request(store: MemoryStore, client: number | undefined, minted: number[]): Promise<{ allowed: boolean; got?: number }> {
  const plan = clientKeyPlan('api 198.51.100.7', L, F, client === undefined ? undefined : token(client));
  const { allowed } = await countPlan(store, plan.steps, RULE, NOW);
  if (plan.mint !== undefined && (await store.hit(plan.mint.key, { ...RULE, limit: plan.mint.limit }, NOW)).allowed) {
    const id = 1_000_000 + minted.length;
    minted.push(id);
    return { allowed, got: id };
  }
  return { allowed };
}

describe('client-key plan', () => {
  it('keys a client at the base limit, then the aggregate', () => {
    const plan = clientKeyPlan('api 198.51.100.7', L, F, token(1));
    expect(plan.steps.map((s) => [s.role, s.limit])).toEqual([
      ['client', L],
      ['aggregate', CEILING],
    ]);
    expect(plan.mint).toBeUndefined();
  });

  it('counts a request without a token per address at limit × factor, and may mint', () => {
    const plan = clientKeyPlan('api 198.51.100.7', L, F, undefined);
    expect(plan.steps.map((s) => [s.role, s.limit])).toEqual([
      ['address', LF],
      ['aggregate', CEILING],
    ]);
    expect(plan.mint).toMatchObject({ role: 'mint', limit: MINTS });
    // Every key starts with the address key and a '#', so a store can route one address's counters together.
    for (const step of [...plan.steps, plan.mint!])
      expect(step.key === 'api 198.51.100.7' || step.key.startsWith('api 198.51.100.7#')).toBe(true);
  });

  it('matches a reference model of the counters, and never exceeds the documented bounds, for any client behaviour', async () => {
    // Events: a request without a token (-1), or with the token of an earlier minted client (index into minted).
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: -1, max: 40 }), { maxLength: 600 }), async (events) => {
        const store = new MemoryStore();
        const minted: number[] = [];
        const model = { address: 0, aggregate: 0, mint: 0, clients: new Map<number, number>() };
        let allowedTotal = 0;
        let allowedTokenless = 0;
        for (const e of events) {
          const client = e >= 0 && e < minted.length ? minted[e] : undefined;
          // The reference: plain counts, first denial stops, denied hits not counted.
          let expected: boolean;
          if (client !== undefined) {
            const used = model.clients.get(client) ?? 0;
            expected = used < L && model.aggregate < CEILING;
            if (used < L) model.clients.set(client, used + 1);
            if (used < L && model.aggregate < CEILING) model.aggregate++;
          } else {
            expected = model.address < LF && model.aggregate < CEILING;
            if (model.address < LF) {
              model.address++;
              if (model.aggregate < CEILING) model.aggregate++;
            }
          }
          const got = await request(store, client, minted);
          expect(got.allowed).toBe(expected);
          if (client === undefined && got.got !== undefined) model.mint++;
          if (got.allowed) {
            allowedTotal++;
            if (client === undefined) allowedTokenless++;
          }
        }
        expect(allowedTotal).toBeLessThanOrEqual(CEILING);
        expect(allowedTokenless).toBeLessThanOrEqual(LF);
        expect(model.mint).toBeLessThanOrEqual(MINTS);
        for (const used of model.clients.values()) expect(used).toBeLessThanOrEqual(L);
      }),
      { numRuns: 200 },
    );
  });

  it('scenario 1: an abuser keeping its cookie spends its own limit, the ordinary clients keep theirs', async () => {
    const store = new MemoryStore();
    const minted: number[] = [];
    // The abuser's first request has no token (it is counted per address and gets one); then 99 with it.
    const first = await request(store, undefined, minted);
    let abuserPassed = first.allowed ? 1 : 0;
    for (let i = 0; i < 99; i++) if ((await request(store, first.got, minted)).allowed) abuserPassed++;
    // 20 ordinary clients, 4 requests each: the first without a token, then with the one they got (if any).
    let ordinaryPassed = 0;
    for (let c = 0; c < 20; c++) {
      const r = await request(store, undefined, minted);
      if (r.allowed) ordinaryPassed++;
      for (let i = 0; i < 3; i++) if ((await request(store, r.got, minted)).allowed) ordinaryPassed++;
    }
    // The abuser: 1 request to get a token + its own limit of 5.
    expect(abuserPassed).toBe(1 + L);
    // Ordinary: 80 requests. Mints left after the abuser's: 9 clients keyed (4 each pass = 36); the other 11 stay
    // tokenless: 44 requests against the address budget of 50 − 1 (the abuser's first) − 9 (keyed clients' first) = 40.
    // So 36 + 40 = 76 pass: the floor exactly, with the default mint bound of F per period.
    expect(ordinaryPassed).toBeGreaterThanOrEqual(76);
  });
});

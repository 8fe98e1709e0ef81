/**
 * The client-key scenarios of issue 12, written once against a `send` function so that the Node
 * middleware test, the workerd test, the wrangler-dev end-to-end test and the `clientkeys` benchmark
 * drive the very same traffic. Every scenario runs at one carrier-NAT address with limit 5 and factor
 * 10 (L × F = 50), on its own rule (a fresh counter), with the clients' own cookie jars.
 */

/** Sends one request from `address`, with the cookie header `cookie` (if any); returns the response. */
export type Send = (request: { address: string; cookie?: string | undefined; accept?: string }) => Promise<Response>;

/** A client's cookie jar: keeps what `Set-Cookie` gave it (name=value only: enough here). */
export class Jar {
  readonly cookies = new Map<string, string>();
  header(): string | undefined {
    return this.cookies.size === 0 ? undefined : [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
  take(res: Response): Response {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      if (eq > 0) this.cookies.set(pair!.slice(0, eq).trim(), pair!.slice(eq + 1).trim());
    }
    return res;
  }
}

/** Sends from a jar (its cookies go out, new ones are kept) and says whether the request passed. */
export async function passes(send: Send, address: string, jar: Jar | undefined): Promise<boolean> {
  const res = await send({ address, cookie: jar?.header() });
  jar?.take(res);
  await res.body?.cancel();
  return res.status < 400;
}

/** What a scenario measured: ordinary clients' requests passed of sent, and the attacker's passed of sent. */
export interface ScenarioResult {
  ordinaryPassed: number;
  ordinarySent: number;
  attackerPassed: number;
  attackerSent: number;
}

/** The share of ordinary clients' requests that were blocked (the collateral figure). */
export function collateral(r: ScenarioResult): number {
  return r.ordinarySent === 0 ? 0 : (r.ordinarySent - r.ordinaryPassed) / r.ordinarySent;
}

async function ordinaryRounds(send: Send, address: string, jars: Jar[], rounds: number): Promise<number> {
  let passed = 0;
  for (let round = 0; round < rounds; round++) for (const jar of jars) if (await passes(send, address, jar)) passed++;
  return passed;
}

/**
 * Scenario 1: an abuser keeping its cookie sends 100 requests first, then 20 ordinary clients (own
 * jars) send 4 each, round by round.
 */
export async function abuserKeepingCookie(send: Send, address: string): Promise<ScenarioResult> {
  const abuser = new Jar();
  let attackerPassed = 0;
  for (let i = 0; i < 100; i++) if (await passes(send, address, abuser)) attackerPassed++;
  const ordinary = Array.from({ length: 20 }, () => new Jar());
  const ordinaryPassed = await ordinaryRounds(send, address, ordinary, 4);
  return { ordinaryPassed, ordinarySent: 80, attackerPassed, attackerSent: 100 };
}

/**
 * Scenarios 2 and 3: 10 ordinary clients (as many as one address is issued tokens per period) send a
 * first request, then a bot sends 200 requests — dropping its cookie every time (`jars: 'none'`), or
 * from a fresh cookie jar each time and 1,000 jars in all (`jars: 'fresh'`, 1,000 requests) — then
 * the ordinary clients send 4 more each.
 */
export async function botAfterOrdinary(send: Send, address: string, bot: 'none' | 'fresh'): Promise<ScenarioResult> {
  const ordinary = Array.from({ length: 10 }, () => new Jar());
  let ordinaryPassed = await ordinaryRounds(send, address, ordinary, 1);
  const attackerSent = bot === 'none' ? 200 : 1000;
  let attackerPassed = 0;
  for (let i = 0; i < attackerSent; i++) if (await passes(send, address, bot === 'none' ? undefined : new Jar())) attackerPassed++;
  ordinaryPassed += await ordinaryRounds(send, address, ordinary, 4);
  return { ordinaryPassed, ordinarySent: 50, attackerPassed, attackerSent };
}

/**
 * Scenario 4: a token obtained at `address` and presented from `elsewhere` (another /24). Returns
 * both responses (the second tells, by its headers, how it was counted).
 */
export async function copiedToken(
  send: Send,
  address: string,
  elsewhere: string,
): Promise<{ home: Response; away: Response; cookie: string | undefined }> {
  const jar = new Jar();
  jar.take(await send({ address }));
  const cookie = jar.header();
  const home = await send({ address, cookie });
  const away = await send({ address: elsewhere, cookie });
  return { home, away, cookie };
}

import { Hono, type Context } from 'hono';
import {
  clientKeyLimiter,
  MemoryStore,
  multiUserFactor,
  rateLimit,
  type ClientKeyLimiter,
  type RateLimitStore,
} from '../ratelimit/index.ts';
import { DurableObjectStore } from '../ratelimit/durable-object.ts';
import type { MultiUserClassifier, MultiUserMatch } from '../table/types.ts';
import { adminEndpoint } from './admin.ts';
import { CHALLENGE_PATH, challengeEndpoint, challengeOrLimited } from './challenge.ts';
import { parseConfig, type Config, type Env } from './config.ts';
import { demoOrigin } from './demo-origin.ts';
import { limitedResponse } from './limited-response.ts';
import { originRequest } from './origin.ts';
import { ruleMatcher, type Rule } from './rules.ts';
import { openTable, verifyTableOnce, type TableManifest, type TableState } from './table-state.ts';
import { formatVerdict } from './verdict-header.ts';

/**
 * Inputs of {@link createWorker}: the table bytes and manifest the bundle carries.
 *
 * @example
 * ```ts
 * const options: WorkerOptions = { tableBytes: new Uint8Array(0) }; // an empty table: base limits, fault on health
 * ```
 */
export interface WorkerOptions {
  /** The compiled table (`multi-user-table.bin`); missing or corrupt: base limits for everyone, reported on `health`. */
  tableBytes?: ArrayBuffer | Uint8Array;
  manifest?: TableManifest;
}

interface Prepared {
  config: Config;
  matchRules: (method: string, path: string) => readonly Rule[];
  limiters: Map<string, ReturnType<typeof rateLimit>>;
  /** Issues verified tokens after a solved challenge (when a rule has `action: "challenge"`). */
  clientKeys: ClientKeyLimiter | undefined;
  /** Counts challenge attempts per address (the rules' store: exact across the edge with Durable Objects). */
  attempts: RateLimitStore;
}

type AppEnv = { Bindings: Env };

/**
 * The worker's handler: a module worker's default export.
 *
 * @example
 * ```ts
 * const res = await createWorker().fetch(request, env, ctx);
 * ```
 */
export interface EdgeWorker {
  fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response>;
}
const DEMO_ORIGIN = new URL('https://demo-origin.invalid');

/**
 * The edge worker: per request it looks the client address (`CF-Connecting-IP`) up in the table,
 * applies the first matching rule through the rate-limit middleware (with the multi-user factor),
 * and forwards allowed requests to `ORIGIN` with a `Multi-User-IP` verdict header.
 *
 * @example
 * ```ts
 * import tableBytes from './generated/multi-user-table.bin';
 * export default createWorker({ tableBytes });
 * ```
 */
export function createWorker(options: WorkerOptions = {}): EdgeWorker {
  const state: TableState = openTable(options.tableBytes, options.manifest);
  // Reads `state.table` per call: a table dropped by the checksum check stops counting at once.
  const classifier: MultiUserClassifier = { lookup: (ip) => state.table?.lookup(ip) };
  const memoryStore = new MemoryStore();
  const adminAttempts = new MemoryStore({ maxKeys: 10_000 });
  const prepared = new WeakMap<object, Prepared | Error>();

  function prepare(env: Env): Prepared | Error {
    let p = prepared.get(env);
    if (p === undefined) {
      try {
        const config = parseConfig(env);
        const store: RateLimitStore =
          config.store === 'memory' ? memoryStore : new DurableObjectStore(env.RATE_LIMIT_COUNTER as DurableObjectNamespace);
        const limiters = new Map(
          config.rules.map((rule) => [
            rule.id,
            rateLimit({
              id: rule.id,
              limit: rule.limit,
              period: rule.period,
              algorithm: rule.algorithm,
              action: rule.action === 'challenge' ? 'block' : rule.action,
              mitigationTimeout: rule.mitigationTimeout,
              ipv6Subnet: rule.ipv6Subnet,
              ipv4Subnet: rule.ipv4Subnet,
              table: classifier,
              store,
              clientKey: rule.clientKey === 'cookie' ? { secret: config.clientKeySecret } : undefined,
              onLimited: rule.action === 'challenge' && config.turnstile ? challengeOrLimited(config.turnstile) : limitedResponse,
            }),
          ]),
        );
        const clientKeys =
          config.turnstile && config.clientKeySecret
            ? clientKeyLimiter({ secret: config.clientKeySecret }, 'CLIENT_KEY_SECRET')
            : undefined;
        p = { config, matchRules: ruleMatcher(config.rules), limiters, clientKeys, attempts: store };
      } catch (e) {
        p = e as Error;
        console.error(`multi-user-ip: refusing to serve: ${p.message}`);
      }
      prepared.set(env, p);
    }
    return p;
  }

  const app = new Hono<AppEnv>();
  app.all('*', async (c) => {
    const p = prepare(c.env);
    if (c.req.path === CHALLENGE_PATH && !(p instanceof Error) && p.config.turnstile && p.clientKeys) {
      return challengeEndpoint(c, { turnstile: p.config.turnstile, clientKeys: p.clientKeys, attempts: p.attempts });
    }
    if (c.req.path.startsWith('/__multi-user/')) {
      const res = await adminEndpoint(c, {
        state,
        config: p instanceof Error ? p : p.config,
        explain: (ip) => explain(ip, p, classifier),
        attempts: adminAttempts,
      });
      if (res) return res;
    }
    if (p instanceof Error) return configError(c);
    if (state.verified === 'pending') c.executionCtx.waitUntil(verifyTableOnce(state));

    const rules = p.matchRules(c.req.method, new URL(c.req.url).pathname);
    if (rules.length === 0) {
      return forward(c, p.config.origin, classifier.lookup(c.req.header('cf-connecting-ip') ?? ''), undefined, state);
    }
    // A path origins may read in several ways passes the rule of each reading, innermost last.
    const origin = p.config.origin;
    const through = async (i: number): Promise<void> => {
      if (i === rules.length) {
        const decision = c.get('rateLimit');
        c.res = await forward(c, origin, c.get('multiUser'), decision?.factor, state, decision?.keyed);
        return;
      }
      const limited = await p.limiters.get(rules[i]!.id)!(c, () => through(i + 1));
      if (limited) c.res = limited;
    };
    await through(0);
    return c.res;
  });
  app.onError((err, c) => {
    // The limiter fails open on its own; this is the last guard so that nothing here turns into an opaque 500.
    console.error(`multi-user-ip: ${err.stack ?? err}`);
    return c.json({ error: 'multi-user-ip: internal error' }, 502);
  });

  return { fetch: async (request, env, ctx) => app.fetch(request, env, ctx) };
}

async function forward(
  c: Context<AppEnv>,
  origin: URL | undefined,
  match: MultiUserMatch | undefined,
  factor: number | undefined,
  state: TableState,
  keyed?: boolean,
): Promise<Response> {
  const upstream = originRequest(c.req.raw, origin ?? DEMO_ORIGIN, formatVerdict(match, factor, state.table === undefined, keyed));
  // The demo origin's response is built here, headers mutable; a fetched one's are immutable and the
  // limiter adds RateLimit headers after this returns, so only that one is copied.
  if (origin === undefined) return demoOrigin(upstream);
  const res = await fetch(upstream);
  return new Response(res.body, res);
}

function explain(ip: string, p: Prepared | Error, classifier: MultiUserClassifier) {
  const match = classifier.lookup(ip);
  const rules =
    p instanceof Error
      ? []
      : p.config.rules.map((rule) => {
          const factor = multiUserFactor(match);
          return { id: rule.id, limit: rule.limit, factor, effectiveLimit: Math.floor(rule.limit * factor) };
        });
  return { match: match ?? null, rules };
}

// The reason (which may quote ORIGIN with its host and any secret in it) goes to the log and the
// authenticated health endpoint only: the public learns nothing about the deployment.
function configError(c: Context<AppEnv>): Response {
  const message = 'multi-user-ip is misconfigured and refuses to serve; the operator finds the reason in the worker log';
  if ((c.req.header('accept') ?? '').includes('application/json')) return c.json({ error: message }, 500);
  return c.text(`${message}\n`, 500);
}

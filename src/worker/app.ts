import { Hono } from 'hono';
import { getPath } from 'hono/utils/url';
import {
  clientKeyLimiter,
  MemoryStore,
  multiUserFactor,
  rateLimiter,
  type ClientKeyLimiter,
  type RateLimiter,
  type RateLimitHeaders,
  type RateLimitOutcome,
  type RateLimitStore,
} from '../ratelimit/index.ts';
import { DurableObjectStore } from '../ratelimit/durable-object.ts';
import type { MultiUserClassifier, MultiUserMatch } from '../table/types.ts';
import { adminEndpoint } from './admin.ts';
import { CHALLENGE_PATH, challengeEndpoint, challengeOrLimited } from './challenge.ts';
import { parseConfig, type Config, type Env } from './config.ts';
import { demoOrigin } from './demo-origin.ts';
import { limitedResponse, type LimitedAnswer } from './limited-response.ts';
import { overrideMethods } from './method-override.ts';
import { originRequest } from './origin.ts';
import { ruleMatcher, type Rule } from './rules.ts';
import { requestTarget, type RequestTarget } from './request-target.ts';
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

/**
 * A rule's limiter (the project's one, `rateLimiter`, on the request's {@link RulePass}: it reads
 * the client address the worker already read instead of the header again) and how it answers a
 * blocked request.
 */
interface RuleLimiter {
  limit: RateLimiter<RulePass>;
  answer: LimitedAnswer;
}

interface Prepared {
  config: Config;
  matchRules: (method: string, path: string) => readonly Rule[];
  /** Whether a rule with a method filter that leaves POST out covers the path: only then is a POST's method override read. */
  overridable: (path: string) => boolean;
  limiters: Map<Rule, RuleLimiter>;
  /** Issues verified tokens after a solved challenge (when a rule has `action: "challenge"`). */
  clientKeys: ClientKeyLimiter | undefined;
  /** Counts challenge attempts per address (the rules' store: exact across the edge with Durable Objects). */
  attempts: RateLimitStore;
}

/** One request on its way through its matching rules, and what the rules it passed so far add to its answer. */
interface RulePass {
  request: Request;
  url: RequestTarget;
  /** `CF-Connecting-IP`, read once per request: the limiter counts it and the demo origin echoes it. */
  ip: string | undefined;
  p: Prepared;
  rules: readonly Rule[];
  /** The header members of the rules passed so far, the later rule's first. */
  headers: RateLimitHeaders | undefined;
  /** `Set-Cookie`s beyond the first (which is in `headers`). */
  cookies: string[] | undefined;
}

type AppEnv = { Bindings: Env };

/**
 * The worker's handler: a module worker's default export.
 *
 * @example
 * ```ts
 * const res = await createWorker().fetch(request, env, ctx); // a Response, or a promise of one
 * ```
 */
export interface EdgeWorker {
  /** Synchronous when nothing on the request's way waits (the memory store and the demo origin); workerd takes either. */
  fetch(request: Request, env: Env, ctx: ExecutionContext): Response | Promise<Response>;
}

/**
 * The edge worker: per request it looks the client address (`CF-Connecting-IP`) up in the table,
 * applies the matching rules through the project's rate limiter (`rateLimiter`, with the multi-user
 * factor), and forwards allowed requests to `ORIGIN` with a `Multi-User-IP` verdict header.
 *
 * The ordinary request path runs without a framework: the path and query sliced from `request.url`
 * (`requestTarget`: no second URL parse), the rule match, the limiter's
 * decision per rule, and a response built once with its rate-limit headers (the demo origin's JSON,
 * or one copy of a fetched origin's immutable response). Only the operator paths
 * (`/__multi-user/…`: health, lookup, the challenge endpoint) go through a Hono app.
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
          config.rules.map((rule): [Rule, RuleLimiter] => [
            rule,
            {
              limit: rateLimiter<RulePass>({
                id: rule.id,
                limit: rule.limit,
                period: rule.period,
                algorithm: rule.algorithm,
                action: rule.action === 'challenge' ? 'block' : rule.action,
                mitigationTimeout: rule.mitigationTimeout,
                ipv6Subnet: rule.ipv6Subnet,
                ipv4Subnet: rule.ipv4Subnet,
                headers: rule.headers,
                table: classifier,
                store,
                clientKey: rule.clientKey === 'cookie' ? { secret: config.clientKeySecret } : undefined,
                request: passRequest,
                address: passIp,
              }),
              answer: rule.action === 'challenge' && config.turnstile ? challengeOrLimited(config.turnstile) : limitedResponse,
            },
          ]),
        );
        const clientKeys =
          config.turnstile && config.clientKeySecret
            ? clientKeyLimiter({ secret: config.clientKeySecret }, 'CLIENT_KEY_SECRET')
            : undefined;
        const filtered = ruleMatcher(config.rules.filter((r) => r.methods !== undefined && !r.methods.includes('POST')).map(anyMethod));
        const overridable = (path: string) => filtered('POST', path).length > 0;
        p = { config, matchRules: ruleMatcher(config.rules), overridable, limiters, clientKeys, attempts: store };
      } catch (e) {
        p = e as Error;
        console.error(`multi-user-ip: refusing to serve: ${p.message}`);
      }
      prepared.set(env, p);
    }
    return p;
  }

  /**
   * Every request but the operator endpoints': config check, rules, limiters, forward. Synchronous
   * while everything on the way is (the memory store, the demo origin): no promise or await is paid
   * for on the common path; a store or origin that answers later makes the rest asynchronous.
   */
  function ordinary(request: Request, url: RequestTarget, p: Prepared | Error, ctx: ExecutionContext): Response | Promise<Response> {
    if (p instanceof Error) return configError(request);
    if (state.verified === 'pending') ctx.waitUntil(verifyTableOnce(state));
    // `request.method` is a call into workerd that makes a new string each time: read once.
    const method = request.method;
    if (method === 'POST' && p.overridable(url.pathname)) {
      const also = overrideMethods(request, url);
      if (also instanceof Promise)
        return also.then((methods) => limitAndForward(request, url, p, rulesFor(p, method, url.pathname, methods)));
      return limitAndForward(request, url, p, rulesFor(p, method, url.pathname, also));
    }
    return limitAndForward(request, url, p, p.matchRules(method, url.pathname));
  }

  /** The limiters of the request's rules, then the origin. */
  function limitAndForward(request: Request, url: RequestTarget, p: Prepared, rules: readonly Rule[]): Response | Promise<Response> {
    const ip = clientIp(request);
    if (rules.length === 0) {
      const verdict = formatVerdict(classifier.lookup(ip ?? ''), undefined, state.table === undefined);
      return forward(request, url, ip, p.config.origin, verdict, undefined);
    }
    return applyRules({ request, url, ip, p, rules, headers: undefined, cookies: undefined }, 0);
  }

  /**
   * Applies `rules[i]` and then the rest, in order: a path origins may read in several ways passes the
   * rule of each reading; the first that blocks answers. Asynchronous only from a limiter that is.
   */
  function applyRules(pass: RulePass, i: number): Response | Promise<Response> {
    const limiter = pass.p.limiters.get(pass.rules[i]!)!;
    const pending = limiter.limit(pass);
    if (pending instanceof Promise) return pending.then((outcome) => afterRule(pass, i, limiter, outcome));
    return afterRule(pass, i, limiter, pending);
  }

  /** One rule's outcome: its header members before those of the rules passed earlier; blocked, or on to the next rule or the origin. */
  function afterRule(pass: RulePass, i: number, limiter: RuleLimiter, outcome: RateLimitOutcome): Response | Promise<Response> {
    const headers = pass.headers === undefined ? outcome.headers : combine(outcome.headers, pass.headers, (pass.cookies ??= []));
    pass.headers = headers;
    const { decision, retryAfter } = outcome;
    if (decision.limited && decision.enforced)
      return withCookies(limiter.answer(pass.request, { decision, retryAfter }, headers), pass.cookies);
    if (i + 1 < pass.rules.length) return applyRules(pass, i + 1);
    return answer(pass, outcome);
  }

  /** The origin's answer for a request every matching rule let through, with the verdict of the last rule. */
  function answer(pass: RulePass, last: RateLimitOutcome): Response | Promise<Response> {
    const { match, decision } = last;
    const verdict = formatVerdict(match, decision.factor, state.table === undefined, decision.keyed);
    // A rule with `headers: false` gives an empty record: nothing to add, so no copy of a fetched response.
    const headers = pass.headers !== undefined && hasAny(pass.headers) ? pass.headers : undefined;
    const res = forward(pass.request, pass.url, pass.ip, pass.p.config.origin, verdict, headers);
    const { cookies } = pass;
    if (cookies === undefined) return res;
    return res instanceof Promise ? res.then((r) => withCookies(r, cookies)) : withCookies(res, cookies);
  }

  const operator = new Hono<AppEnv>();
  operator.all('*', async (c) => {
    const p = prepare(c.env);
    if (c.req.path === CHALLENGE_PATH && !(p instanceof Error) && p.config.turnstile && p.clientKeys) {
      return challengeEndpoint(c, { turnstile: p.config.turnstile, clientKeys: p.clientKeys, attempts: p.attempts });
    }
    const res = await adminEndpoint(c, {
      state,
      config: p instanceof Error ? p : p.config,
      explain: (ip) => explain(ip, p, classifier),
      attempts: adminAttempts,
    });
    return res ?? ordinary(c.req.raw, requestTarget(c.req.url), p, c.executionCtx as ExecutionContext);
  });
  operator.onError((err) => internalError(err));

  return {
    fetch(request, env, ctx) {
      try {
        const url = targetOf(request);
        if (url === undefined) return badRequest();
        // The operator paths as Hono reads them (it decodes escapes such as `/%5F_multi-user/health`).
        const res =
          isOperatorPath(url.pathname) || (url.pathname.includes('%') && isOperatorPath(getPath(request)))
            ? operator.fetch(request, env, ctx)
            : ordinary(request, url, prepare(env), ctx);
        return res instanceof Promise ? res.catch(internalError) : res;
      } catch (err) {
        return internalError(err);
      }
    },
  };
}

/**
 * The request's path and query, `undefined` when its URL does not parse: workerd builds `request.url`
 * from the client's `Host` header unchecked (`Host: [` or `a b`), and only a target the URL parser has
 * to read (a dot segment, a backslash, a character it encodes) gets that far.
 */
function targetOf(request: Request): RequestTarget | undefined {
  try {
    return requestTarget(request.url);
  } catch {
    return undefined;
  }
}

// A client error, not the worker's: nothing to log.
function badRequest(): Response {
  return new Response('Bad Request: the request URL (Host header and target) does not parse\n', {
    status: 400,
    headers: { 'Content-Type': 'text/plain; charset=UTF-8' },
  });
}

function isOperatorPath(path: string): boolean {
  return path.startsWith('/__multi-user/');
}

/**
 * The rules of a request read as its own method and as each method it may be routed as (a POST's
 * override), in rule order: like the forms of a path, each reading passes its first matching rule, so
 * a lax POST rule before a DELETE rule cannot stand in for it.
 */
function rulesFor(p: Prepared, method: string, path: string, also: readonly string[]): readonly Rule[] {
  const own = p.matchRules(method, path);
  if (also.length === 0) return own;
  const out = [...own];
  for (const m of also) for (const rule of p.matchRules(m, path)) if (!out.includes(rule)) out.push(rule);
  return out.sort((a, b) => p.config.rules.indexOf(a) - p.config.rules.indexOf(b));
}

/** A rule as it matches paths for every method (to ask which paths a method filter covers). */
function anyMethod(rule: Rule): Rule {
  const { methods: _, ...rest } = rule;
  return rest;
}

/** The client address the edge reports: Cloudflare sets `CF-Connecting-IP` (a client cannot). */
function clientIp(request: Request): string | undefined {
  return request.headers.get('cf-connecting-ip') ?? undefined;
}

// The limiter's readers of a RulePass. Each `request.headers.get` is a call into workerd that copies
// the name in and the value out; the worker read the address twice per request (limiter, demo origin).
const passRequest = (pass: RulePass): Request => pass.request;
const passIp = (pass: RulePass): string | undefined => pass.ip;

/**
 * The headers of a later rule and of the rules before it as one record, the later rule's list members
 * first (as appending them in that order reads back); a second `Set-Cookie` cannot share a line, so
 * it goes to `cookies`, appended after the response is built.
 */
function combine(later: RateLimitHeaders, earlier: RateLimitHeaders, cookies: string[]): RateLimitHeaders {
  const out: RateLimitHeaders = { ...later };
  for (const name in earlier) {
    const value = earlier[name]!;
    if (out[name] === undefined) out[name] = value;
    else if (name === 'Set-Cookie') cookies.push(value);
    else out[name] = `${out[name]}, ${value}`;
  }
  return out;
}

function hasAny(headers: RateLimitHeaders): boolean {
  for (const _ in headers) return true;
  return false;
}

function withCookies(res: Response, cookies: string[] | undefined): Response {
  if (cookies !== undefined) for (const cookie of cookies) res.headers.append('Set-Cookie', cookie);
  return res;
}

/**
 * The origin's answer with the rate-limit headers: the demo origin builds its response with them;
 * a fetched response's headers are immutable, so it is copied once, and only when there are headers to add.
 */
function forward(
  request: Request,
  url: RequestTarget,
  ip: string | undefined,
  origin: URL | undefined,
  verdict: string,
  headers: RateLimitHeaders | undefined,
): Response | Promise<Response> {
  if (origin === undefined) return demoOrigin(request, url, verdict, headers, ip ?? null);
  const fetched = fetch(originRequest(request, url, origin, verdict));
  if (headers === undefined) return fetched;
  return fetched.then((res) => {
    const copy = new Response(res.body, res);
    const out = copy.headers; // one call into workerd, not one per header
    for (const name in headers) out.append(name, headers[name]!);
    return copy;
  });
}

function explain(ip: string, p: Prepared | Error, classifier: MultiUserClassifier) {
  const match: MultiUserMatch | undefined = classifier.lookup(ip);
  const rules =
    p instanceof Error
      ? []
      : p.config.rules.map((rule) => {
          const factor = multiUserFactor(match);
          return { id: rule.id, limit: rule.limit, factor, effectiveLimit: Math.floor(rule.limit * factor) };
        });
  return { match: match ?? null, rules };
}

// The limiter fails open on its own; this is the last guard so that nothing here turns into an opaque 500.
function internalError(err: unknown): Response {
  console.error(`multi-user-ip: ${(err as Error)?.stack ?? err}`);
  return Response.json({ error: 'multi-user-ip: internal error' }, { status: 502 });
}

// The reason (which may quote ORIGIN with its host and any secret in it) goes to the log and the
// authenticated health endpoint only: the public learns nothing about the deployment.
function configError(request: Request): Response {
  const message = 'multi-user-ip is misconfigured and refuses to serve; the operator finds the reason in the worker log';
  if ((request.headers.get('accept') ?? '').includes('application/json')) return Response.json({ error: message }, { status: 500 });
  return new Response(`${message}\n`, { status: 500, headers: { 'Content-Type': 'text/plain; charset=UTF-8' } });
}

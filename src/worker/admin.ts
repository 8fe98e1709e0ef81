import type { Context } from 'hono';
import { addressKey, type RateLimitStore, type StoreRule } from '../ratelimit/index.ts';
import type { Config, Env } from './config.ts';
import type { TableState } from './table-state.ts';

/** What the admin endpoints need from the worker: the table, the config (or why it is invalid), and the factor a rule would use. */
export interface AdminContext {
  state: TableState;
  config: Config | Error;
  /** The effective limit and factor the middleware would apply to `ip` under each rule. */
  explain(ip: string): { match: unknown; rules: { id: string; limit: number; factor: number; effectiveLimit: number }[] };
  /** Counts calls per client address (one isolate's `MemoryStore` is enough: it only slows guessing). */
  attempts: RateLimitStore;
}

const encoder = new TextEncoder();
/** Shortest `ADMIN_TOKEN` the endpoints accept (32 characters: 128 bits as hex). */
export const MIN_TOKEN_LENGTH = 32;
/** Longest `Authorization` header read; a longer one is refused before it is hashed. */
export const MAX_AUTHORIZATION_LENGTH = 1024;
/**
 * Calls per client address: 10 per minute, then a 10-minute block. Every call counts and a
 * successful one clears the count, so only failed attempts accumulate, and a blocked address is
 * refused before its token is even compared.
 */
export const ADMIN_ATTEMPTS: StoreRule = Object.freeze({ algorithm: 'fixed-window', limit: 10, periodMs: 60_000, mitigationMs: 600_000 });
const DISABLED = 'the operator endpoints are disabled by their configuration; the reason is in the worker log';

/**
 * Serves `/__multi-user/health` and `/__multi-user/lookup?ip=`, behind `Authorization: Bearer
 * <ADMIN_TOKEN>` (at least {@link MIN_TOKEN_LENGTH} characters, else every call answers a generic 503
 * and the reason goes to the log). Failed attempts are limited per address ({@link ADMIN_ATTEMPTS}:
 * 429 with `Retry-After`), and an `Authorization` header over {@link MAX_AUTHORIZATION_LENGTH}
 * characters is refused with 431 unread.
 * Returns `undefined` when `ADMIN_TOKEN` is unset, so the path is then ordinary traffic for the origin:
 * a deployment without the secret exposes nothing.
 *
 * @example
 * ```ts
 * const res = await adminEndpoint(c, { state, config, explain, attempts: new MemoryStore() });
 * if (res) return res;
 * ```
 */
export async function adminEndpoint(c: Context<{ Bindings: Env }>, admin: AdminContext): Promise<Response | undefined> {
  const token = c.env.ADMIN_TOKEN;
  if (!token) return undefined;
  if (token.length < MIN_TOKEN_LENGTH) {
    console.error(
      `multi-user-ip: ADMIN_TOKEN is too short (${token.length} characters): set one of at least ${MIN_TOKEN_LENGTH}, e.g. \`openssl rand -hex 32\``,
    );
    return c.json({ error: DISABLED }, 503);
  }
  const client = addressKey(c.req.header('cf-connecting-ip')).key;
  const attempt = await admin.attempts.hit(client, ADMIN_ATTEMPTS, Date.now());
  if (!attempt.allowed) {
    const retryAfter = String(Math.max(1, Math.ceil(attempt.retryAfterMs / 1000)));
    return c.json({ error: 'too many attempts: try again later' }, 429, { 'Retry-After': retryAfter });
  }
  const auth = c.req.header('authorization') ?? '';
  if (auth.length > MAX_AUTHORIZATION_LENGTH) {
    return c.json({ error: `Authorization header longer than ${MAX_AUTHORIZATION_LENGTH} characters` }, 431);
  }
  if (!auth.startsWith('Bearer ') || !(await sameSecret(auth.slice(7), token))) {
    return c.json({ error: 'unauthorized: send Authorization: Bearer <ADMIN_TOKEN>' }, 401, { 'WWW-Authenticate': 'Bearer' });
  }
  await admin.attempts.reset?.(client);
  c.header('Cache-Control', 'no-store');
  const path = c.req.path.slice('/__multi-user/'.length);
  if (path === 'health') return c.json(health(admin), admin.state.table && !(admin.config instanceof Error) ? 200 : 503);
  if (path === 'lookup') {
    const ip = c.req.query('ip');
    if (!ip) return c.json({ error: 'lookup: expected ?ip=<address>' }, 400);
    if (admin.config instanceof Error) return c.json({ error: admin.config.message }, 503);
    return c.json({ ip, ...admin.explain(ip), tableFault: admin.state.fault ?? null });
  }
  return c.json({ error: `unknown admin endpoint "${path}" (expected health or lookup)` }, 404);
}

function health({ state, config }: AdminContext) {
  const info = state.table?.info;
  return {
    ok: state.table !== undefined && !(config instanceof Error),
    table: {
      loaded: state.table !== undefined,
      fault: state.fault ?? null,
      verified: state.verified,
      formatVersion: info?.formatVersion ?? state.manifest?.formatVersion ?? null,
      ipv4Prefixes: info?.v4Prefixes ?? null,
      ipv6Prefixes: info?.v6Prefixes ?? null,
      bytes: info?.byteLength ?? null,
      crc32: info?.checksum ?? null,
      sha256: state.manifest?.table?.sha256 ?? null,
      builtAt: state.manifest?.builtAt ?? null,
    },
    config:
      config instanceof Error
        ? { ok: false, error: config.message }
        : { ok: true, store: config.store, origin: config.origin?.origin ?? 'demo', rules: config.rules.map((r) => r.id) },
  };
}

// Compares digests, not the strings, so the time taken says nothing about how much of the token matched.
async function sameSecret(given: string, expected: string): Promise<boolean> {
  const [a, b] = await Promise.all([given, expected].map((s) => crypto.subtle.digest('SHA-256', encoder.encode(s))));
  return crypto.subtle.timingSafeEqual(a as ArrayBuffer, b as ArrayBuffer);
}

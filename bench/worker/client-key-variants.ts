/**
 * The client-key variants of the worker benchmark, shared by bench/worker (full runs) and
 * bench/clientkeys (a focused run of these beside the same worker without client keys): every
 * request from the carrier-NAT address 198.51.100.7 of the example table, a limit nobody reaches;
 * with client keys every request brings a valid token, so each pays the token check (cookie parse +
 * HMAC-SHA-256 verify) and one more counter (the address aggregate).
 */
import { clientTokens } from '../../src/ratelimit/index.ts';

export const NAT = '198.51.100.7';
export const CLIENT_KEY_SECRET = 'bench-client-key-secret-of-32-characters-or-more';
const rule = (extra: object = {}) => JSON.stringify([{ id: 'bench', limit: 1_000_000_000, period: 60, ...extra }]);

/** Vars and request headers of the two variants; `cookie` is filled in by {@link withToken}. */
export const CLIENT_KEY_VARIANTS = [
  { name: 'one rule, memory store, carrier-NAT address only', vars: { RULES: rule(), STORE: 'memory' }, keyed: false },
  {
    name: 'same, client keys on, a valid token on every request',
    vars: { RULES: rule({ clientKey: 'cookie' }), STORE: 'memory', CLIENT_KEY_SECRET },
    keyed: true,
  },
] as const;

/** The request headers of a variant: the address, and for a keyed variant a token issued to it (http: cookie `mu-client`). */
export async function variantHeaders(keyed: boolean): Promise<Record<string, string>> {
  if (!keyed) return { 'cf-connecting-ip': NAT };
  const token = await clientTokens({ secret: CLIENT_KEY_SECRET }).issue(NAT, Date.now());
  return { 'cf-connecting-ip': NAT, cookie: `mu-client=${token}` };
}

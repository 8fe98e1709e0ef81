import { formatIPv4Prefix, formatIPv6Prefix, parseAddress } from '../ip/index.ts';
import { checkInteger, checkSecret } from './option-checks.ts';

/*
 * Client tokens: an HMAC-signed, opaque value a client keeps in a cookie so that the clients behind
 * one shared address can be counted apart. Layout before base64url (34 bytes, 46 characters):
 *
 * | offset | bytes | field                                                                      |
 * |-------:|------:|----------------------------------------------------------------------------|
 * |      0 |     1 | version, 1                                                                 |
 * |      1 |     1 | flags: bit 0 = verified (issued after a solved challenge); others zero     |
 * |      2 |    12 | random id (crypto.getRandomValues)                                         |
 * |     14 |     4 | expiry, seconds since the Unix epoch, unsigned big-endian                  |
 * |     18 |    16 | HMAC-SHA-256(secret, bytes 0–17 ‖ 0x00 ‖ binding prefix as text), first 16 |
 *
 * The binding prefix (the /24 or /48 the token was issued to) is covered by the MAC but not carried:
 * the token tells nobody where it was issued, and a token presented from another prefix simply
 * fails verification.
 */
type HmacKey = Awaited<ReturnType<typeof crypto.subtle.importKey>>;
const VERSION = 1;
const ID_BYTES = 12;
const MAC_BYTES = 16;
const SIGNED_BYTES = 2 + ID_BYTES + 4;
const TOKEN_BYTES = SIGNED_BYTES + MAC_BYTES;
const TOKEN_CHARS = Math.ceil((TOKEN_BYTES * 4) / 3);
const BASE64URL = /^[A-Za-z0-9_-]+$/;
/** Clock skew tolerated between isolates when checking that an expiry is not further out than the ttl. */
const SKEW_SECONDS = 60;

/**
 * Options of {@link clientTokens}.
 *
 * @example
 * ```ts
 * const options: ClientTokenOptions = { secret: env.CLIENT_KEY_SECRET, ttl: 86_400 };
 * ```
 */
export interface ClientTokenOptions {
  /**
   * The HMAC secret, 32 characters or more; or a list of them, for rotation: the first signs new
   * tokens, every one verifies. Required.
   */
  secret?: string | readonly string[];
  /** Lifetime of a token in seconds (60–2,592,000). Default 86,400 (one day). */
  ttl?: number;
  /** IPv4 tokens are bound to the client's prefix of this length (8–32). Default 24. */
  ipv4Prefix?: number;
  /** IPv6 tokens are bound to the client's prefix of this length (16–128). Default 48. */
  ipv6Prefix?: number;
}

/**
 * A verified token's content.
 *
 * @example
 * ```ts
 * const t: ClientToken = { id: '5f0c…', verified: false, expires: 1_800_000_000 };
 * ```
 */
export interface ClientToken {
  /** The random id as 24 hex characters: what the client is counted under. */
  id: string;
  /** Issued after a solved challenge. */
  verified: boolean;
  /** Expiry in seconds since the Unix epoch. */
  expires: number;
}

/**
 * Issues and verifies client tokens (see {@link clientTokens}).
 *
 * @example
 * ```ts
 * const token = await tokens.issue('198.51.100.7', Date.now());
 * ```
 */
export interface ClientTokens {
  /** A new token for a client at `address` (undefined when `address` is not an IP address). */
  issue(address: string, now: number, verified?: boolean): Promise<string | undefined>;
  /** The token's content if it is well formed, signed by one of the secrets, unexpired and bound to `address`'s prefix. */
  verify(token: string | undefined | null, address: string, now: number): Promise<ClientToken | undefined>;
  /** The prefix a token issued to `address` is bound to (`198.51.100.0/24`), or undefined. */
  bindingPrefix(address: string): string | undefined;
  /** Token lifetime in seconds. */
  readonly ttl: number;
}

/**
 * Creates the issuer and verifier of client tokens. Uses Web Crypto only, so it runs on Workers,
 * Node, Deno and Bun. Verification never throws: a malformed, forged, expired or foreign token is
 * simply not a token.
 *
 * @example
 * ```ts
 * const tokens = clientTokens({ secret: env.CLIENT_KEY_SECRET });
 * const token = await tokens.issue('198.51.100.7', Date.now());
 * await tokens.verify(token, '198.51.100.99', Date.now()); // { id, verified: false, expires } (same /24)
 * await tokens.verify(token, '203.0.113.5', Date.now());   // undefined (another /24)
 * ```
 */
export function clientTokens(options: ClientTokenOptions = {}): ClientTokens {
  const fail = (name: string, problem: string | undefined) => {
    if (problem) throw new TypeError(`clientTokens: option "${name}": ${problem}`);
  };
  fail('secret', checkSecret(options.secret));
  const secrets = typeof options.secret === 'string' ? [options.secret] : (options.secret as readonly string[]);
  const ttl = options.ttl ?? 86_400;
  const ipv4Prefix = options.ipv4Prefix ?? 24;
  const ipv6Prefix = options.ipv6Prefix ?? 48;
  fail('ttl', checkInteger(ttl, [60, 2_592_000]));
  fail('ipv4Prefix', checkInteger(ipv4Prefix, [8, 32]));
  fail('ipv6Prefix', checkInteger(ipv6Prefix, [16, 128]));
  const encoder = new TextEncoder();
  const keys: Promise<HmacKey>[] = secrets.map((s: string) =>
    crypto.subtle.importKey('raw', encoder.encode(s), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']),
  );
  const words = new Uint32Array(4);

  function bindingPrefix(address: string): string | undefined {
    const family = parseAddress(address, words);
    if (family === 4) return formatIPv4Prefix(words[3]!, ipv4Prefix);
    if (family === 6) return formatIPv6Prefix(words, ipv6Prefix);
    return undefined;
  }

  async function mac(key: HmacKey, signed: Uint8Array, prefix: string): Promise<Uint8Array> {
    const text = encoder.encode(prefix);
    const message = new Uint8Array(SIGNED_BYTES + 1 + text.length);
    message.set(signed.subarray(0, SIGNED_BYTES), 0);
    message.set(text, SIGNED_BYTES + 1);
    return new Uint8Array(await crypto.subtle.sign('HMAC', key, message), 0, MAC_BYTES);
  }

  async function issue(address: string, now: number, verified = false): Promise<string | undefined> {
    const prefix = bindingPrefix(address);
    if (prefix === undefined) return undefined;
    const bytes = new Uint8Array(TOKEN_BYTES);
    bytes[0] = VERSION;
    bytes[1] = verified ? 1 : 0;
    crypto.getRandomValues(bytes.subarray(2, 2 + ID_BYTES));
    new DataView(bytes.buffer).setUint32(2 + ID_BYTES, Math.floor(now / 1000) + ttl);
    bytes.set(await mac(await keys[0]!, bytes, prefix), SIGNED_BYTES);
    return toBase64Url(bytes);
  }

  async function verify(token: string | undefined | null, address: string, now: number): Promise<ClientToken | undefined> {
    try {
      if (typeof token !== 'string' || token.length !== TOKEN_CHARS || !BASE64URL.test(token)) return undefined;
      const bytes = fromBase64Url(token);
      if (bytes.length !== TOKEN_BYTES || bytes[0] !== VERSION || bytes[1]! > 1) return undefined;
      const expires = new DataView(bytes.buffer).getUint32(2 + ID_BYTES);
      const seconds = now / 1000;
      // An expiry further out than we ever issue means another clock or another issuer: not ours.
      if (!(expires > seconds) || expires > seconds + ttl + SKEW_SECONDS) return undefined;
      const prefix = bindingPrefix(address);
      if (prefix === undefined) return undefined;
      const given = bytes.subarray(SIGNED_BYTES);
      for (const key of keys) {
        if (equalBytes(await mac(await key, bytes, prefix), given)) {
          return { id: toHex(bytes.subarray(2, 2 + ID_BYTES)), verified: bytes[1] === 1, expires };
        }
      }
      return undefined;
    } catch {
      return undefined;
    }
  }

  return { issue, verify, bindingPrefix, ttl };
}

/** Compares in time independent of where the first difference is (the MAC must not leak by timing). */
function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

function toBase64Url(bytes: Uint8Array): string {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

function fromBase64Url(text: string): Uint8Array {
  const binary = atob(text.replaceAll('-', '+').replaceAll('_', '/'));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function toHex(bytes: Uint8Array): string {
  let hex = '';
  for (const b of bytes) hex += b.toString(16).padStart(2, '0');
  return hex;
}

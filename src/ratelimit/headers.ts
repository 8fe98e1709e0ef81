/**
 * `RateLimit-Policy` member per draft-ietf-httpapi-ratelimit-headers: `"<id>";q=<quota>;w=<window s>`,
 * an RFC 9651 list member; `pk` (the draft's partition key, base64 without the colons) names the
 * partition the quota belongs to when it is not the whole address (a keyed client). The id must be an sf-string without `"` and `\` (validated by `rateLimit`).
 *
 * @example
 * ```ts
 * formatRateLimitPolicy('api', 100, 60); // '"api";q=100;w=60'
 * formatRateLimitPolicy('api', 5, 60, 'X0Ms3q8Jm2Yk1h9s'); // '"api";q=5;w=60;pk=:X0Ms3q8Jm2Yk1h9s:' (a per-client budget)
 * ```
 */
export function formatRateLimitPolicy(id: string, quota: number, window: number, pk?: string): string {
  return pk === undefined ? `"${id}";q=${quota};w=${window}` : `"${id}";q=${quota};w=${window};pk=:${pk}:`;
}

/**
 * `RateLimit` member: `"<id>";r=<remaining>;t=<seconds until the quota is restored>`, with the
 * same `pk` (partition key, a base64 byte sequence) as the policy when the budget is a client's own.
 *
 * @example
 * ```ts
 * formatRateLimit('api', 42, 17); // '"api";r=42;t=17'
 * ```
 */
export function formatRateLimit(id: string, remaining: number, reset: number, pk?: string): string {
  return pk === undefined ? `"${id}";r=${remaining};t=${reset}` : `"${id}";r=${remaining};t=${reset};pk=:${pk}:`;
}

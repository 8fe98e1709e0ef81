/**
 * `RateLimit-Policy` member per draft-ietf-httpapi-ratelimit-headers: `"<id>";q=<quota>;w=<window s>`,
 * an RFC 9651 list member. The id must be an sf-string without `"` and `\` (validated by `rateLimit`).
 *
 * @example
 * ```ts
 * formatRateLimitPolicy('api', 100, 60); // '"api";q=100;w=60'
 * ```
 */
export function formatRateLimitPolicy(id: string, quota: number, window: number): string {
  return `"${id}";q=${quota};w=${window}`;
}

/**
 * `RateLimit` member: `"<id>";r=<remaining>;t=<seconds until the quota is restored>`.
 *
 * @example
 * ```ts
 * formatRateLimit('api', 42, 17); // '"api";r=42;t=17'
 * ```
 */
export function formatRateLimit(id: string, remaining: number, reset: number): string {
  return `"${id}";r=${remaining};t=${reset}`;
}

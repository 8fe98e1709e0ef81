// Types of the bindings and main module the workerd test project sees (what `wrangler types` would generate).
declare namespace Cloudflare {
  interface Env {
    ORIGIN?: string;
    RULES?: unknown;
    STORE?: string;
    ADMIN_TOKEN?: string;
    RATE_LIMIT_COUNTER: DurableObjectNamespace<import('../src/ratelimit/durable-object.ts').RateLimitCounter>;
  }
  interface GlobalProps {
    mainModule: typeof import('../src/worker/index.ts');
    durableNamespaces: 'RateLimitCounter';
  }
}

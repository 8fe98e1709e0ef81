// A tiny worker for measuring one RateLimitCounter object's throughput for one key, run in workerd
// by bench/ratelimit/durable-object.ts (wrangler's unstable_startWorker).
import { DurableObjectStore } from '../../src/ratelimit/index.ts';
import { RateLimitCounter } from '../../src/ratelimit/durable-object.ts';
import type { RateLimitCounterRpc, StoreRule } from '../../src/ratelimit/index.ts';

export { RateLimitCounter };

// Typed structurally: bench/ is type-checked on the Node side, without the Workers globals.
interface Env {
  RATE_LIMIT_COUNTER: { getByName(name: string): RateLimitCounterRpc };
}

// Nothing is denied: every hit reaches the object (the deny cache never answers).
const RULE: StoreRule = { algorithm: 'sliding-window', limit: 1_000_000_000, periodMs: 60_000, mitigationMs: 0 };

let rpcs = 0;
let store: DurableObjectStore | undefined;

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    const n = Number(url.searchParams.get('n') ?? 1000);
    const concurrency = Number(url.searchParams.get('c') ?? 1);
    const mode = url.searchParams.get('mode') ?? 'rpc';
    const key = `bench ${url.searchParams.get('key') ?? 'k'}`;
    const stub = env.RATE_LIMIT_COUNTER.getByName(key);
    const rpcsBefore = rpcs;
    // One store per isolate, as in production: a key's demand (and so its leases) persists across requests.
    const leased = (store ??= new DurableObjectStore({
      getByName: (name: string) => {
        const counter = env.RATE_LIMIT_COUNTER.getByName(name);
        return { hit: (...args: Parameters<RateLimitCounterRpc['hit']>) => (rpcs++, counter.hit(...args)) };
      },
    }));
    let next = 0;
    let allowed = 0;
    async function lane(): Promise<void> {
      while (next < n) {
        next++;
        if (mode === 'rpc') {
          rpcs++;
          const [r] = await stub.hit(key, RULE, Date.now(), 1);
          if (r?.allowed) allowed++;
        } else {
          const r = await leased.hit(key, RULE, Date.now());
          if (r.allowed) allowed++;
        }
      }
    }
    await Promise.all(Array.from({ length: concurrency }, lane));
    return Response.json({ n, allowed, rpcs: rpcs - rpcsBefore });
  },
};

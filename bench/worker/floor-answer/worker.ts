// The empty worker (bench/worker/floor) giving the memory-store path's answer: the demo origin's own
// response (src/worker/demo-origin.ts) with the two rate-limit headers, the `RateLimit` value changing
// per request, but none of the worker's work (no table, rules, limiter or verdict: the verdict is a
// constant `multi=?0`, a few bytes shorter than a multi-user address's; the path and query sliced from
// the URL as the worker slices them, not a `new URL` parse). Against the floor it shows
// what the bigger answer costs workerd; against the memory store, what the worker's own work costs.
import { demoOrigin } from '../../../src/worker/demo-origin.ts';
import { requestTarget } from '../../../src/worker/request-target.ts';

const POLICY = '"bench";q=1000000000;w=60';
let remaining = 1_000_000_000;

export default {
  fetch(request: Request): Response | Promise<Response> {
    if (--remaining < 0) remaining = 1_000_000_000;
    return demoOrigin(request, requestTarget(request.url), 'multi=?0', {
      'RateLimit-Policy': POLICY,
      RateLimit: `"bench";r=${remaining};t=60`,
    });
  },
};

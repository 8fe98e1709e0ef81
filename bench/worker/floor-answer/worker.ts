// The empty worker (bench/worker/floor) answering with what the memory-store path answers: the demo
// origin's JSON members and the two rate-limit headers, the `RateLimit` value changing per request,
// but none of the worker's work (no table, rules, limiter or verdict: the verdict is a constant
// `multi=?0`, a few bytes shorter than a multi-user address's). Against the floor it shows what the
// bigger answer costs workerd on the wire; against the memory store, what the worker's own work costs.
let remaining = 1_000_000_000;

export default {
  fetch(request: Request): Response {
    const url = new URL(request.url);
    if (--remaining < 0) remaining = 1_000_000_000;
    const body = {
      origin: 'demo',
      method: request.method,
      path: url.pathname,
      query: url.search,
      client: request.headers.get('cf-connecting-ip'),
      multiUser: 'multi=?0',
      bodyBytes: 0,
    };
    return Response.json(body, { headers: { 'RateLimit-Policy': '"bench";q=1000000000;w=60', RateLimit: `"bench";r=${remaining};t=60` } });
  },
};

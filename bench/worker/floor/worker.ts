// The floor of the worker benchmark: a worker that only answers, served by the same `wrangler dev`.
// What it costs is the local dev tooling's own per-request work, not anything of this project.
export default {
  fetch(request: Request): Response {
    return Response.json({ path: new URL(request.url).pathname });
  },
};

// The floor of the worker benchmark: a worker that only answers, bundled and served by workerd the same
// way as the project's worker. What it costs is workerd's own per-request work (HTTP, the isolate
// entry, one URL parse and one JSON response), not anything of this project.
export default {
  fetch(request: Request): Response {
    return Response.json({ path: new URL(request.url).pathname });
  },
};

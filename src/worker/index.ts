// Placeholder until the edge worker lands (issue 4).
export { RateLimitCounter } from '../ratelimit/durable-object.ts';

export default {
  async fetch(request: Request): Promise<Response> {
    return Response.json({ path: new URL(request.url).pathname, client: request.headers.get('cf-connecting-ip') });
  },
} satisfies ExportedHandler;

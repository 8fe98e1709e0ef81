import { DurableObject } from 'cloudflare:workers';

// Placeholder: the rate-limit counter Durable Object lands with issue 3.
export class RateLimitCounter extends DurableObject {}

import tableBytes from './generated/multi-user-table.bin';
import manifest from './generated/multi-user-table.manifest.json';
import { createWorker } from './app.ts';

/**
 * The deployable worker (`wrangler.toml` `main`): the edge rate limiter with the bundled table.
 *
 * @example
 * ```sh
 * npm start        # wrangler dev: this worker in front of the demo origin
 * npx wrangler deploy
 * ```
 */
export default createWorker({ tableBytes, manifest });

export { RateLimitCounter } from '../ratelimit/durable-object.ts';

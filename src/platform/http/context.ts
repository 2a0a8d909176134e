import type { Ctx } from '../core/context.ts';
import type { Logger } from '../logger.ts';
import type { Locate } from './problem.ts';
import type { RateLimits } from './rate-limit.ts';

/** Hono's environment for every route in the app. */
export interface AppEnv {
  Variables: {
    requestId: string;
    log: Logger;
    ctx: Ctx;
    rateLimits: RateLimits;
    /** The socket peer's address, where the runtime can tell it. */
    remoteAddress: string | undefined;
    /** Places a service's field path in the matched route's request (set by the router). */
    locate: Locate;
  };
}

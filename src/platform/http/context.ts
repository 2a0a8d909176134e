import type { Config } from '../../config.ts';
import type { Cache } from '../cache/index.ts';
import type { Executor } from '../db/client.ts';
import type { Jobs } from '../jobs/index.ts';
import type { Logger } from '../logger.ts';
import type { PubSub } from '../pubsub/index.ts';
import type { Storage } from '../storage/index.ts';
import type { RateLimits } from './rate-limit.ts';

/** Who is calling. Filled in by the identity module's authenticator; null for guests. */
export interface Actor {
  readonly userId: string;
  /** The roles granted now (not those in an older token). */
  readonly roles: readonly string[];
  /** The session the access token belongs to; logout ends it. */
  readonly sessionId: string;
}

/** Where a request came from, for the audit log and sessions. */
export interface ClientInfo {
  readonly ip: string | undefined;
  readonly userAgent: string | undefined;
}

/** What every service function receives: no HTTP in it, so jobs and scripts build one too. */
export interface Ctx {
  readonly db: Executor;
  readonly actor: Actor | null;
  readonly requestId: string;
  readonly log: Logger;
  readonly config: Config;
  /** Caches reads: `ctx.cache.wrap(cacheKey(...), { ttlSeconds, tags }, load)`. */
  readonly cache: Cache;
  /** Background work: `ctx.jobs.enqueue('image.process', data)`. */
  readonly jobs: Jobs;
  /** Pushes to WebSockets held by any API instance. */
  readonly pubsub: PubSub;
  /** Files: local disk or S3. Check uploads with inspectUpload() first. */
  readonly storage: Storage;
  /** Set for HTTP requests; absent in jobs and scripts. */
  readonly client?: ClientInfo;
}

/** Hono's environment for every route in the app. */
export interface AppEnv {
  Variables: {
    requestId: string;
    log: Logger;
    ctx: Ctx;
    rateLimits: RateLimits;
    /** The socket peer's address, where the runtime can tell it. */
    remoteAddress: string | undefined;
  };
}

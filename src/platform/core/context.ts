import type { Config } from '../../config.ts';
import type { Cache } from '../cache/index.ts';
import type { Executor } from '../db/client.ts';
import type { Jobs } from '../jobs/index.ts';
import type { Logger } from '../logger.ts';
import type { PubSub } from '../pubsub/index.ts';
import type { Storage } from '../storage/storage.ts';
import type { Grants } from './permissions.ts';

/** Who is calling. Filled in by the identity module's authenticator; null for guests. */
export interface Actor {
  readonly userId: string;
  /** The roles granted now (not those in an older token). */
  readonly roles: readonly string[];
  /** The session the access token belongs to; logout ends it. */
  readonly sessionId: string;
}

/** Turns a bearer token (from a header, a WebSocket, a job) into its actor, or throws. */
export interface Authenticator {
  authenticate(ctx: Ctx, token: string): Promise<Actor>;
}

/** Where a request came from, for the audit log and sessions. */
export interface ClientInfo {
  readonly ip: string | undefined;
  readonly userAgent: string | undefined;
}

/**
 * What every service function receives, whoever calls it: a route, a job, a script, a
 * WebSocket, a Worker. Nothing in it is HTTP.
 */
export interface Ctx {
  readonly db: Executor;
  readonly actor: Actor | null;
  /** The request's id, or what names the work (`event:<id>`, `seed`) when no request began it. */
  readonly requestId: string;
  readonly log: Logger;
  readonly config: Config;
  /** Which roles hold which permissions, as the mounted modules declare them. */
  readonly grants: Grants;
  /** Caches reads: `ctx.cache.wrap(cacheKey(...), { ttlSeconds, tags }, load)`. */
  readonly cache: Cache;
  /** Background work: `ctx.jobs.enqueue('image.process', data)`. */
  readonly jobs: Jobs;
  /** Pushes to WebSockets held by any API instance. */
  readonly pubsub: PubSub;
  /** Files: local disk or S3. Check uploads with inspectUpload() first. */
  readonly storage: Storage;
  /** Set for requests from a client; absent in jobs and scripts. */
  readonly client?: ClientInfo;
}

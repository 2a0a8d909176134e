import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Ctx } from './core/context.ts';
import type { PermissionSet } from './core/permissions.ts';
import type { Executor } from './db/client.ts';
import type { EventBus } from './events/events.ts';
import type { AppEnv } from './http/context.ts';
import type { Jobs } from './jobs/index.ts';
import type { Logger } from './logger.ts';
import type { ImageHolder, Storage } from './storage/index.ts';

/** What a module's jobs work with. */
export interface JobDeps {
  db: Executor;
  storage: Storage;
  log: Logger;
}

/**
 * Work a module runs on a timetable, once per tick across every process (BullMQ job
 * schedulers). `now` is the tick's time: tests pass any time they like.
 */
export interface Schedule {
  readonly name: string;
  /** Six fields, seconds first, in UTC. */
  readonly cron: string;
  readonly run: (ctx: Ctx, now: Date) => Promise<void>;
}

/**
 * What a module hands the app: routes (mounted under /api/v1), the permissions it declares,
 * demo data, subscribers, jobs. Its tables are found by drizzle-kit in its `tables.ts`.
 */
export interface Module {
  readonly name: string;
  readonly routes?: OpenAPIHono<AppEnv>;
  /** Its permissions, with the roles that hold them (admins hold every one). */
  readonly permissions?: PermissionSet;
  /** Runs once when an API process starts, after migrations (e.g. the bootstrap admin). */
  readonly onStart?: (ctx: Ctx) => Promise<void>;
  /** Loads demo data into an empty database; runs inside the seeding transaction. */
  readonly seed?: (ctx: Ctx) => Promise<void>;
  /** The images its rows hold: their variants are made and recorded by one platform job. */
  readonly imageHolders?: readonly ImageHolder[];
  /** Subscribes the module's event handlers. */
  readonly subscribe?: (events: EventBus) => void;
  /**
   * Registers the module's job handlers (every process that runs jobs calls it). A job has
   * no request behind it: `deps` are what it may read and write.
   */
  readonly registerJobs?: (jobs: Jobs, deps: JobDeps) => void;
  readonly schedules?: readonly Schedule[];
}

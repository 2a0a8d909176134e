import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Executor } from './db/client.ts';
import type { EventBus } from './events/events.ts';
import type { AppEnv, Ctx } from './http/context.ts';
import type { Jobs } from './jobs/index.ts';
import type { Logger } from './logger.ts';
import type { Storage } from './storage/index.ts';

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

/** What a module hands the app: routes (mounted under /api/v1), demo data, subscribers, jobs. */
export interface Module {
  readonly name: string;
  readonly routes?: OpenAPIHono<AppEnv>;
  /** Runs once when an API process starts, after migrations (e.g. the bootstrap admin). */
  readonly onStart?: (ctx: Ctx) => Promise<void>;
  /** Loads demo data into an empty database; runs inside the seeding transaction. */
  readonly seed?: (ctx: Ctx) => Promise<void>;
  /** Subscribes the module's event handlers. */
  readonly subscribe?: (events: EventBus) => void;
  /**
   * Registers the module's job handlers (every process that runs jobs calls it). A job has
   * no request behind it: `deps` are what it may read and write.
   */
  readonly registerJobs?: (jobs: Jobs, deps: JobDeps) => void;
  readonly schedules?: readonly Schedule[];
}

import { join } from 'node:path';
import type { Redis } from 'ioredis';
import type { Config } from '../config.ts';
import { auditPermissions } from './audit/permissions.ts';
import { type Cache, createCache } from './cache/index.ts';
import type { Ctx } from './core/context.ts';
import { buildGrants, type Grants } from './core/permissions.ts';
import type { Executor } from './db/client.ts';
import type { ErrorTracker } from './error-tracker.ts';
import { EventBus, type RelayOptions } from './events/events.ts';
import { eventPermissions } from './events/permissions.ts';
import { createRateLimits, type RateLimits } from './http/rate-limit.ts';
import { createJobs, enqueueRequestedJobs, type Jobs } from './jobs/index.ts';
import type { Logger } from './logger.ts';
import { createMessaging } from './messaging/index.ts';
import { registerMessagingJobs } from './messaging/jobs.ts';
import type { Module, Schedule } from './module.ts';
import { createPubSub, type PubSub } from './pubsub/index.ts';
import { retentionSchedule } from './retention.ts';
import {
  createStorage,
  type LocalStorage,
  registerImageHolders,
  registerImageJobs,
  type S3Storage,
} from './storage/index.ts';

/**
 * The platform services, built once per process: on Redis when REDIS_URL is set (shared by
 * every instance), in process otherwise. Modules reach cache, jobs and pubsub through `ctx`.
 */
export interface Services {
  readonly cache: Cache;
  readonly jobs: Jobs;
  readonly pubsub: PubSub;
  readonly rateLimits: RateLimits;
  readonly events: EventBus;
  /** Which roles hold which permissions: the platform's and every module's. */
  readonly grants: Grants;
  readonly storage: LocalStorage | S3Storage;
  /** Every module's timed work; the process that runs jobs schedules it. */
  readonly schedules: readonly Schedule[];
}

export interface ServicesOptions {
  config: Config;
  /** Where module jobs, and the development outboxes of mail and SMS, read and write. */
  db: Executor;
  log: Logger;
  redis?: Redis | undefined;
  modules: readonly Module[];
  relay?: RelayOptions;
  /** Hears of jobs that failed for good. */
  errorTracker?: ErrorTracker;
}

export function createServices(options: ServicesOptions): Services {
  const { config, db, log, redis, modules, relay, errorTracker } = options;
  const prefix = config.redisPrefix;
  const shared = redis ? { redis } : {};
  const events = new EventBus(relay);
  for (const module of modules) module.subscribe?.(events);
  enqueueRequestedJobs(events);
  const jobs = createJobs({ ...shared, prefix, log, errorTracker });
  const storage = createStorage(
    config.s3 ?? {
      root: join(config.dataDir, 'files'),
      publicBaseUrl: config.publicUrl,
      signingSecret: config.jwtSecret,
    },
  );
  for (const module of modules) module.registerJobs?.(jobs, { db, storage, log });
  registerImageJobs(jobs, storage);
  registerImageHolders(
    jobs,
    events,
    { db, storage },
    modules.flatMap((module) => module.imageHolders ?? []),
  );
  // Mail and SMS go out from jobs, with retries, in whichever process runs them.
  registerMessagingJobs(
    jobs,
    createMessaging({
      db,
      smtpUrl: config.smtpUrl,
      mailFrom: config.mailFrom,
      africasTalking: config.africasTalking,
    }),
  );
  if (config.env === 'production' && (!config.smtpUrl || !config.africasTalking)) {
    log.warn(
      { smtp: Boolean(config.smtpUrl), sms: Boolean(config.africasTalking) },
      'mail or SMS has no provider: those messages go to the development outbox, which no one reads in production',
    );
  }
  return {
    grants: buildGrants([
      eventPermissions,
      auditPermissions,
      ...modules.flatMap((module) => (module.permissions ? [module.permissions] : [])),
    ]),
    cache: createCache({ ...shared, prefix: `${prefix}cache:`, log }),
    jobs,
    pubsub: createPubSub({ ...shared, prefix: `${prefix}pubsub:`, log }),
    rateLimits: createRateLimits({ ...shared, prefix }),
    events,
    storage,
    schedules: [retentionSchedule, ...modules.flatMap((module) => module.schedules ?? [])],
  };
}

/** The event relay runs as a job every second: in this process, or on any BullMQ worker. */
const RELAY_JOB = 'events.relay';

/**
 * Starts processing jobs in this process (the API's, or a separate worker's), the event relay
 * among them. `ctx` is the context relayed events are handled with.
 */
export async function startWorker(services: Services, ctx: Ctx): Promise<void> {
  services.jobs.register(RELAY_JOB, async () => {
    await services.events.relayOnce(ctx);
  });
  await services.jobs.schedule(RELAY_JOB, '* * * * * *');
  for (const { name, cron, run } of services.schedules) {
    services.jobs.register(name, () => run(ctx, new Date()));
    await services.jobs.schedule(name, cron);
  }
  await services.jobs.start();
}

/** Stops in order: jobs in flight finish first, then the connections they used go. */
export async function closeServices(services: Services): Promise<void> {
  await services.jobs.close();
  await services.pubsub.close();
}

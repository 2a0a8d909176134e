import { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { Unavailable } from '../core/errors.ts';
import type { Logger } from '../logger.ts';
import { waitingConnection } from '../redis.ts';
import {
  CRON_TZ,
  checkAttempts,
  checkJobId,
  DEFAULT_ATTEMPTS,
  DEFAULT_BACKOFF_BASE_MS,
  DEFAULT_CONCURRENCY,
  Handlers,
  type Jobs,
  JobsClosed,
  type JobsOptions,
  parseCron,
} from './jobs.ts';

export interface BullJobsOptions extends JobsOptions {
  /** Keeps deployments that share a Redis apart: keys are `${prefix}jobs:...`. */
  prefix: string;
}

const QUEUE_NAME = 'jobs';
const ENQUEUE_TIMEOUT_MS = 3000;
/** Failed jobs kept for inspection; older ones go as new ones fail. */
const FAILED_KEPT = 1000;

/**
 * Jobs in Redis through BullMQ: every API and worker process on the same prefix shares one
 * queue, so jobs survive restarts and a schedule runs once per tick however many declare it.
 */
export function createBullJobs(redis: Redis, options: BullJobsOptions): Jobs {
  const {
    log,
    backoffBaseMs = DEFAULT_BACKOFF_BASE_MS,
    concurrency = DEFAULT_CONCURRENCY,
  } = options;
  // BullMQ joins prefix and queue name with ':' itself.
  const prefix = options.prefix.replace(/:+$/, '');
  const reportError = throttledErrorLog(log);
  // Enqueueing happens inside requests: during an outage it fails after a couple of retries
  // rather than hold the request open. The worker gets a connection that waits an outage out
  // (BullMQ refuses any other kind for it).
  const queueConnection = redis.duplicate({ maxRetriesPerRequest: 2 });
  queueConnection.on('error', reportError);
  const workerConnection = waitingConnection(redis, {
    maxRetriesPerRequest: null,
    lazyConnect: true,
  });
  workerConnection.on('error', reportError);
  const queue = new Queue(QUEUE_NAME, {
    connection: queueConnection,
    prefix,
    defaultJobOptions: {
      attempts: DEFAULT_ATTEMPTS,
      backoff: { type: 'exponential', delay: backoffBaseMs },
      removeOnComplete: true,
      removeOnFail: { count: FAILED_KEPT },
    },
  });
  queue.on('error', reportError);
  const handlers = new Handlers(options.errorTracker);
  let worker: Worker | undefined;
  let closing: Promise<void> | undefined;
  const closeCalled = Promise.withResolvers<void>();

  return {
    register(name, handler) {
      handlers.add(name, handler);
    },

    async enqueue(name, data, opts = {}) {
      if (closing) throw new JobsClosed();
      const { delayMs, attempts, jobId } = opts;
      if (attempts !== undefined) checkAttempts(attempts);
      if (jobId !== undefined) checkJobId(jobId);
      // Only the options given: an undefined one would override the queue's default.
      const adding = queue.add(name, data, {
        ...((delayMs ?? 0) > 0 ? { delay: delayMs } : {}),
        ...(attempts ? { attempts } : {}),
        ...(jobId ? { jobId } : {}),
      });
      // BullMQ waits for Redis to be ready before sending anything, however long that takes;
      // a request that enqueues answers 503 instead. The job may still be added once Redis is
      // back, which is why jobs that must not run twice take a jobId.
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Unavailable('jobs-unavailable', 'The job queue is not reachable.')),
          ENQUEUE_TIMEOUT_MS,
        );
      });
      adding.catch(() => {});
      const job = await Promise.race([adding, timeout]).finally(() => clearTimeout(timer));
      return String(job.id);
    },

    async schedule(name, cron, data = {}) {
      if (closing) throw new JobsClosed();
      parseCron(name, cron);
      await queue.upsertJobScheduler(name, { pattern: cron, tz: CRON_TZ }, { name, data });
    },

    async start() {
      if (closing) throw new JobsClosed();
      if (worker) return;
      const started = new Worker(
        QUEUE_NAME,
        (job) =>
          handlers.run(
            {
              id: String(job.id),
              name: job.name,
              // attemptsMade counts the attempts that failed before this one.
              attempt: job.attemptsMade + 1,
              attempts: job.opts.attempts ?? 1,
              data: job.data,
            },
            log,
          ),
        { connection: workerConnection, prefix, concurrency, autorun: false },
      );
      worker = started;
      started.on('error', reportError);
      // A worker that starts running before Redis answers cannot be closed until Redis does
      // (BullMQ issue #4656), so it runs once ready, and not at all if close() came first.
      await Promise.race([started.waitUntilReady(), closeCalled.promise]);
      if (closing) return;
      started.run().catch((err) => log.error({ err }, 'jobs: worker stopped'));
    },

    close() {
      closeCalled.resolve();
      closing ??= (async () => {
        // With Redis away nothing in flight can record its end, and a polite QUIT would wait
        // for Redis to come back: the worker then closes by force, cutting its connections.
        const away = workerConnection.status !== 'ready' || queueConnection.status !== 'ready';
        // Otherwise it waits for the jobs in flight; it closes the connections it duplicated.
        await worker?.close(away);
        await queue.close().catch((err) => reportError(err));
        // Nothing is in flight on them any more; quit would wait out a Redis outage.
        queueConnection.disconnect();
        workerConnection.disconnect();
      })();
      return closing;
    },
  };
}

/** ioredis and BullMQ retry by themselves; one line a minute is enough to see Redis is down. */
function throttledErrorLog(log: Logger) {
  let lastReport = 0;
  return (err: unknown) => {
    if (Date.now() - lastReport > 60_000) {
      lastReport = Date.now();
      log.warn({ err }, 'jobs: redis error');
    }
  };
}

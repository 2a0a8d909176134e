import { CronExpressionParser } from 'cron-parser';
import type { ErrorTracker } from '../error-tracker.ts';
import type { Logger } from '../logger.ts';

/** What a handler learns about the run; `attempt` counts from 1. */
export interface JobInfo {
  id: string;
  name: string;
  attempt: number;
}

/** Runs one job. Throwing fails the attempt; the job is retried until it runs out of them. */
export type JobHandler<T> = (data: T, job: JobInfo) => Promise<void>;

export interface EnqueueOptions {
  /** Run no earlier than this many milliseconds from now. */
  delayMs?: number;
  /** Tries in all, the first included; 3 when absent. */
  attempts?: number;
  /**
   * Makes the enqueue idempotent: while a job with this id is waiting, delayed or running,
   * enqueueing it again adds nothing and resolves to the same id. Once the job has completed
   * the id is free again; on BullMQ a job that failed for good keeps its id while its record is
   * kept (the last 1000). Not an integer, and without `:`: BullMQ refuses both.
   */
  jobId?: string;
}

/**
 * Background jobs. Data travels as JSON. Retries back off exponentially from the factory's
 * `backoffBaseMs` (1 s by default): base, 2 × base, 4 × base...
 */
export interface Jobs {
  /** One handler per name in a process; a second one throws. */
  register<T>(name: string, handler: JobHandler<T>): void;
  /** Resolves to the job's id. The name needs no handler here: another process may run it. */
  enqueue<T>(name: string, data: T, options?: EnqueueOptions): Promise<string>;
  /**
   * Enqueues `name` with `data` ({} when absent) on every tick of `cron` (5 fields, or 6 with
   * seconds first; UTC). Declaring the same name again replaces its cron and data.
   */
  schedule(name: string, cron: string, data?: unknown): Promise<void>;
  /** Begins running jobs, those already enqueued included. */
  start(): Promise<void>;
  /** Takes no new jobs, waits for the running ones to finish, then releases connections. */
  close(): Promise<void>;
}

export interface JobsOptions {
  log: Logger;
  /** The first retry's delay; each later one doubles it. */
  backoffBaseMs?: number;
  /** Jobs run at once by this process. */
  concurrency?: number;
  /** Hears of each job that failed for good. */
  errorTracker?: ErrorTracker;
}

export const DEFAULT_ATTEMPTS = 3;
export const DEFAULT_BACKOFF_BASE_MS = 1000;
export const DEFAULT_CONCURRENCY = 4;
/** Cron expressions are read in UTC, so a schedule means the same on every server. */
export const CRON_TZ = 'UTC';

export class JobsClosed extends Error {
  constructor() {
    super('The jobs service is closed');
    this.name = 'JobsClosed';
  }
}

/** The handlers registered in this process, by job name. */
export class Handlers {
  readonly #byName = new Map<string, JobHandler<unknown>>();
  readonly #errorTracker: ErrorTracker | undefined;

  constructor(errorTracker?: ErrorTracker) {
    this.#errorTracker = errorTracker;
  }

  add<T>(name: string, handler: JobHandler<T>): void {
    if (this.#byName.has(name)) {
      throw new Error(`A handler for job "${name}" is already registered`);
    }
    this.#byName.set(name, handler as JobHandler<unknown>);
  }

  /**
   * Runs the job's handler, logging a failure: a warning while attempts remain, an error on
   * the last one, which the error tracker hears of too. Rethrows so the backend retries or
   * gives up.
   */
  async run(job: JobInfo & { attempts: number; data: unknown }, log: Logger): Promise<void> {
    const handler = this.#byName.get(job.name);
    try {
      // Thrown, not skipped: the retry lets a process that has the handler take the job.
      if (!handler) throw new Error(`No handler for job "${job.name}" is registered here`);
      await handler(job.data, { id: job.id, name: job.name, attempt: job.attempt });
    } catch (thrown) {
      const err = thrown instanceof Error ? thrown : new Error(String(thrown));
      const fields = { job: job.name, jobId: job.id, attempt: job.attempt, err };
      if (job.attempt >= job.attempts) {
        log.error(fields, 'job failed');
        this.#errorTracker?.captureException(err, { job: job.name, jobId: job.id });
      } else {
        log.warn({ ...fields, attempts: job.attempts }, 'job attempt failed, will retry');
      }
      throw err;
    }
  }
}

/** Parses a cron expression as both backends will, throwing an error that names it. */
export function parseCron(name: string, cron: string, currentDate?: Date) {
  try {
    // cron-parser fills in missing fields, even for '': a short expression is a mistake here.
    const fields = cron.trim().split(/\s+/).length;
    if (!cron.startsWith('@') && fields !== 5 && fields !== 6) {
      throw new Error(`expected 5 or 6 fields, got ${fields}`);
    }
    return CronExpressionParser.parse(cron, {
      tz: CRON_TZ,
      ...(currentDate ? { currentDate } : {}),
    });
  } catch (err) {
    throw new Error(
      `Invalid cron expression "${cron}" for schedule "${name}": ${(err as Error).message}`,
    );
  }
}

export function checkJobId(jobId: string): void {
  if (jobId === '' || String(Number.parseInt(jobId, 10)) === jobId || jobId.includes(':')) {
    throw new Error(`Invalid jobId "${jobId}": it must be non-empty, not an integer, without ":"`);
  }
}

export function checkAttempts(attempts: number): void {
  if (!Number.isInteger(attempts) || attempts < 1) {
    throw new Error(`Invalid attempts ${attempts}: it must be an integer of at least 1`);
  }
}

import type { Redis } from 'ioredis';
import { createBullJobs } from './bullmq.ts';
import type { Jobs, JobsOptions } from './jobs.ts';
import { createMemoryJobs } from './memory.ts';

export type { EnqueueOptions, JobHandler, JobInfo, Jobs, JobsOptions } from './jobs.ts';
export { JobsClosed } from './jobs.ts';
export { enqueueRequestedJobs, jobRequested, requestJob } from './requested.ts';

export interface CreateJobsOptions extends JobsOptions {
  /** Given: jobs live in Redis, shared by every process on `prefix`. Absent: this process only. */
  redis?: Redis;
  prefix: string;
}

export function createJobs(options: CreateJobsOptions): Jobs {
  const { redis, prefix, ...rest } = options;
  return redis ? createBullJobs(redis, { prefix, ...rest }) : createMemoryJobs(rest);
}

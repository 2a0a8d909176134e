import { v7 as uuidv7 } from 'uuid';
import { z } from 'zod';
import type { Ctx } from '../core/context.ts';
import { defineEvent, type EventBus, publish } from '../events/events.ts';

/**
 * Work a change asks for, requested through the outbox: written in the caller's transaction
 * (so it happens if and only if the change commits), and put on the queue by the relay, which
 * retries until the queue takes it. A Redis outage then delays the work, and loses none of it,
 * and no request waits on the queue.
 */
export const jobRequested = defineEvent(
  'job.requested',
  z.object({
    name: z.string(),
    data: z.unknown(),
    attempts: z.number().int().positive().optional(),
  }),
);

export async function requestJob(
  ctx: Ctx,
  name: string,
  data: unknown,
  options: { attempts?: number } = {},
): Promise<string> {
  // Each request is its own aggregate: one stuck delivery holds back no other job.
  return publish(ctx, jobRequested, {
    aggregateId: uuidv7(),
    payload: { name, data, ...(options.attempts ? { attempts: options.attempts } : {}) },
  });
}

/** The relay's side: each requested job is enqueued once (its job id is the event's). */
export function enqueueRequestedJobs(events: EventBus): void {
  events.subscribe(jobRequested, 'jobs.enqueue-requested', async (event, ctx) => {
    const { name, data, attempts } = event.payload;
    await ctx.jobs.enqueue(name, data, {
      jobId: `requested-${event.id}`,
      ...(attempts ? { attempts } : {}),
    });
  });
}

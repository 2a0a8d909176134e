import { type SQL, sql } from 'drizzle-orm';
import type { Ctx } from './core/context.ts';
import { selectRows } from './db/client.ts';
import { idempotencyKeys } from './db/tables.ts';
import { eventDeliveries, outboxEvents, processedEvents } from './events/tables.ts';
import type { Schedule } from './module.ts';

/**
 * What would otherwise grow forever, deleted once past its retention: delivered events (their
 * outbox rows with their deliveries, and the handlers' records of having processed them) after
 * EVENT_RETENTION_DAYS, idempotency keys after IDEMPOTENCY_RETENTION_HOURS. An event with a
 * delivery still pending, or dead (an admin may retry it), is kept whatever its age.
 */

/** Rows per delete: short statements, so the prune never holds many locks at once. */
const BATCH = 1000;

const HOUR_MS = 60 * 60 * 1000;

/** Deletes the rows `victims` selects, a batch per statement, until none is left; how many. */
async function deleteInBatches(
  ctx: Ctx,
  table: SQL,
  key: SQL,
  victims: (limit: number) => SQL,
): Promise<number> {
  let deleted = 0;
  for (;;) {
    const rows = await selectRows<{ n: number }>(
      ctx.db,
      sql`with gone as (delete from ${table} where ${key} in (${victims(BATCH)}) returning 1)
          select count(*)::int as n from gone`,
    );
    const n = rows[0]?.n ?? 0;
    deleted += n;
    if (n < BATCH) return deleted;
  }
}

export interface Pruned {
  events: number;
  processed: number;
  idempotencyKeys: number;
}

export async function pruneExpired(ctx: Ctx, now: Date): Promise<Pruned> {
  const { eventDays, idempotencyHours } = ctx.config.retention;
  const eventsBefore = new Date(now.getTime() - eventDays * 24 * HOUR_MS);
  const keysBefore = new Date(now.getTime() - idempotencyHours * HOUR_MS);
  // Deliveries go with their event (on delete cascade).
  const events = await deleteInBatches(
    ctx,
    sql`${outboxEvents}`,
    sql`${outboxEvents.id}`,
    (limit) => sql`
      select o.id from ${outboxEvents} o
      where o.dispatched_at < ${sql.param(eventsBefore, outboxEvents.dispatchedAt)}
        and not exists (
          select 1 from ${eventDeliveries} d
          where d.event_id = o.id and d.status <> 'delivered')
      limit ${limit}`,
  );
  const processed = await deleteInBatches(
    ctx,
    sql`${processedEvents}`,
    sql`(${processedEvents.eventId}, ${processedEvents.handler})`,
    (limit) => sql`
      select event_id, handler from ${processedEvents}
      where processed_at < ${sql.param(eventsBefore, processedEvents.processedAt)}
      limit ${limit}`,
  );
  const keys = await deleteInBatches(
    ctx,
    sql`${idempotencyKeys}`,
    sql`(${idempotencyKeys.scope}, ${idempotencyKeys.key})`,
    (limit) => sql`
      select scope, key from ${idempotencyKeys}
      where created_at < ${sql.param(keysBefore, idempotencyKeys.createdAt)}
      limit ${limit}`,
  );
  if (events + processed + keys > 0) {
    ctx.log.info({ events, processed, idempotencyKeys: keys }, 'pruned expired rows');
  }
  return { events, processed, idempotencyKeys: keys };
}

/** Hourly, at a minute no other schedule uses. */
export const retentionSchedule: Schedule = {
  name: 'platform.prune-expired',
  cron: '0 17 * * * *',
  run: async (ctx, now) => {
    await pruneExpired(ctx, now);
  },
};

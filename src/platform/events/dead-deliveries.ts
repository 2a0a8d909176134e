import { and, eq, type SQL } from 'drizzle-orm';
import { audit } from '../audit/audit.ts';
import type { Ctx } from '../core/context.ts';
import { NotFound } from '../core/errors.ts';
import { keysetPage, type Page, type PageInput } from '../core/paging.ts';
import { withTransaction } from '../db/transaction.ts';
import { eventDeliveries, outboxEvents } from './tables.ts';

/** A delivery the relay gave up on: it failed every attempt, or its handler was retired. */
export interface DeadDelivery {
  id: string;
  eventId: string;
  eventName: string;
  handler: string;
  aggregateId: string;
  attempts: number;
  lastError: string | null;
  occurredAt: Date;
  payload: unknown;
}

/** Dead deliveries, oldest event first, for the admins who decide what to do with them. */
export function listDeadDeliveries(ctx: Ctx, page: PageInput): Promise<Page<DeadDelivery>> {
  const row = {
    id: eventDeliveries.id,
    eventId: eventDeliveries.eventId,
    eventName: eventDeliveries.eventName,
    handler: eventDeliveries.handler,
    aggregateId: eventDeliveries.aggregateId,
    attempts: eventDeliveries.attempts,
    lastError: eventDeliveries.lastError,
    occurredAt: eventDeliveries.occurredAt,
    payload: outboxEvents.payload,
  };
  return keysetPage(ctx, {
    scope: 'events:dead',
    keys: [
      { column: eventDeliveries.occurredAt, direction: 'asc', value: (d) => d.occurredAt },
      { column: eventDeliveries.id, direction: 'asc', value: (d) => d.id },
    ],
    page,
    fetch: ({ where, orderBy, limit }) =>
      ctx.db
        .select(row)
        .from(eventDeliveries)
        .innerJoin(outboxEvents, eq(outboxEvents.id, eventDeliveries.eventId))
        .where(and(eq(eventDeliveries.status, 'dead'), where as SQL | undefined))
        .orderBy(...orderBy)
        .limit(limit),
  });
}

/** Puts a dead delivery back in line with fresh attempts. */
export async function retryDeadDelivery(ctx: Ctx, id: string): Promise<void> {
  await withTransaction(ctx, async (tx) => {
    const [updated] = await tx.db
      .update(eventDeliveries)
      .set({ status: 'pending', attempts: 0, nextAttemptAt: new Date(), leasedUntil: null })
      .where(and(eq(eventDeliveries.id, id), eq(eventDeliveries.status, 'dead')))
      .returning({ handler: eventDeliveries.handler, eventName: eventDeliveries.eventName });
    if (!updated) throw new NotFound('dead event delivery');
    await audit(tx, {
      action: 'events.delivery_retried',
      resource: { type: 'event_delivery', id },
      metadata: updated,
    });
  });
}

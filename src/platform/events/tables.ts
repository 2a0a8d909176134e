import { sql } from 'drizzle-orm';
import {
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  unique,
  uuid,
} from 'drizzle-orm/pg-core';
import { id, timestampMs } from '../db/columns.ts';

/** Events written in the publisher's transaction; the relay fans them out once committed. */
export const outboxEvents = pgTable(
  'outbox_events',
  {
    id: id(),
    name: text('name').notNull(),
    aggregateId: text('aggregate_id').notNull(),
    payload: jsonb('payload').notNull(),
    occurredAt: timestampMs('occurred_at').notNull().defaultNow(),
    dispatchedAt: timestampMs('dispatched_at'),
  },
  (t) => [
    index('outbox_events_undispatched').on(t.occurredAt, t.id).where(sql`dispatched_at is null`),
    // The retention prune's scan.
    index('outbox_events_dispatched').on(t.dispatchedAt).where(sql`dispatched_at is not null`),
  ],
);

/**
 * Every handler some running version subscribes, seen by its relays: dispatch fans events out
 * to these, whichever version dispatches, so a handler new in a rolling deploy misses nothing
 * that an older process dispatched after the new one started.
 */
export const eventHandlers = pgTable(
  'event_handlers',
  {
    handler: text('handler').primaryKey(),
    eventName: text('event_name').notNull(),
    /** Each relay running the handler renews this; one unseen for a day is retired. */
    seenAt: timestampMs('seen_at').notNull(),
  },
  (t) => [index('event_handlers_event').on(t.eventName, t.seenAt)],
);

/** One row per event and subscribed handler: its attempts, and where it stands. */
export const eventDeliveries = pgTable(
  'event_deliveries',
  {
    id: id(),
    eventId: uuid('event_id')
      .notNull()
      .references(() => outboxEvents.id, { onDelete: 'cascade' }),
    handler: text('handler').notNull(),
    eventName: text('event_name').notNull(),
    aggregateId: text('aggregate_id').notNull(),
    occurredAt: timestampMs('occurred_at').notNull(),
    status: text('status', { enum: ['pending', 'delivered', 'dead'] })
      .notNull()
      .default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: timestampMs('next_attempt_at').notNull().defaultNow(),
    /** A relay that claimed the delivery owns it until then; after a crash it lapses. */
    leasedUntil: timestampMs('leased_until'),
    lastError: text('last_error'),
    deliveredAt: timestampMs('delivered_at'),
  },
  (t) => [
    unique('event_deliveries_event_handler').on(t.eventId, t.handler),
    index('event_deliveries_due').on(t.nextAttemptAt).where(sql`status = 'pending'`),
    index('event_deliveries_chain').on(t.handler, t.aggregateId, t.occurredAt, t.eventId),
    index('event_deliveries_dead').on(t.occurredAt, t.id).where(sql`status = 'dead'`),
  ],
);

/** What handlers record, in their own transaction, to ignore a second delivery. */
export const processedEvents = pgTable(
  'processed_events',
  {
    eventId: uuid('event_id').notNull(),
    handler: text('handler').notNull(),
    processedAt: timestampMs('processed_at').notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.eventId, t.handler] }),
    index('processed_events_processed').on(t.processedAt),
  ],
);

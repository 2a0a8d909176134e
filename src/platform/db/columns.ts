import { timestamp, uuid } from 'drizzle-orm/pg-core';
import { v7 as uuidv7 } from 'uuid';

/** Primary key: a UUIDv7 made by the app, so ids sort by creation time on every backend. */
export const id = () =>
  uuid('id')
    .primaryKey()
    .$defaultFn(() => uuidv7());

/**
 * Millisecond precision: JavaScript dates carry milliseconds, so a keyset cursor built from a
 * microsecond timestamp would skip rows that share its millisecond.
 */
export const timestampMs = (name: string) => timestamp(name, { withTimezone: true, precision: 3 });

export const createdAt = () => timestampMs('created_at').notNull().defaultNow();

export const updatedAt = () =>
  timestampMs('updated_at')
    .notNull()
    .defaultNow()
    .$onUpdate(() => new Date());

export const timestamps = () => ({ createdAt: createdAt(), updatedAt: updatedAt() });

import { index, jsonb, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { createdAt, timestamps } from './columns.ts';

/** Facts about the installation itself, such as when the demo data was loaded. */
export const platformMeta = pgTable('platform_meta', {
  key: text('key').primaryKey(),
  value: jsonb('value').notNull(),
  ...timestamps(),
});

/**
 * The first answer to a write sent with an `Idempotency-Key`: a retry with the same key gets it
 * again instead of a second write. `scope` names the route and the caller, so keys never meet
 * across users.
 */
export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    scope: text('scope').notNull(),
    key: text('key').notNull(),
    /** SHA-256 of the request body: the same key with another body is refused. */
    requestHash: text('request_hash').notNull(),
    response: jsonb('response').notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.scope, t.key] }),
    // The retention job's scan.
    index('idempotency_keys_created').on(t.createdAt),
  ],
);

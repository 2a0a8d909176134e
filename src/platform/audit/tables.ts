import { index, jsonb, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { id, timestampMs } from '../db/columns.ts';

/** Who did what to which object, from where; written in the same transaction as the change. */
export const auditLog = pgTable(
  'audit_log',
  {
    id: id(),
    occurredAt: timestampMs('occurred_at').notNull().defaultNow(),
    /** The user who acted; null for a guest (a failed login) or the system. */
    actorId: uuid('actor_id'),
    action: text('action').notNull(),
    resourceType: text('resource_type').notNull(),
    resourceId: text('resource_id'),
    ip: text('ip'),
    userAgent: text('user_agent'),
    requestId: text('request_id'),
    before: jsonb('before'),
    after: jsonb('after'),
    metadata: jsonb('metadata'),
  },
  (t) => [
    index('audit_log_time').on(t.occurredAt, t.id),
    index('audit_log_actor').on(t.actorId, t.occurredAt),
    index('audit_log_resource').on(t.resourceType, t.resourceId, t.occurredAt),
    index('audit_log_action').on(t.action, t.occurredAt),
  ],
);

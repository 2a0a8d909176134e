import { index, pgTable, text } from 'drizzle-orm/pg-core';
import { createdAt, id } from '../db/columns.ts';

/**
 * Mail and SMS kept instead of sent, when no SMTP server or SMS provider is configured, so a
 * person running the API locally can read the codes and links it sends.
 */
export const devOutbox = pgTable(
  'dev_outbox',
  {
    id: id(),
    channel: text('channel', { enum: ['email', 'sms'] }).notNull(),
    recipient: text('recipient').notNull(),
    subject: text('subject'),
    body: text('body').notNull(),
    html: text('html'),
    createdAt: createdAt(),
  },
  (t) => [
    index('dev_outbox_newest').on(t.createdAt, t.id),
    index('dev_outbox_recipient_newest').on(t.recipient, t.createdAt, t.id),
  ],
);

export type DevOutboxRow = typeof devOutbox.$inferSelect;

import { z } from '@hono/zod-openapi';
import { and, eq } from 'drizzle-orm';
import type { Config } from '../../config.ts';
import { keysetPage, type Page, type PageInput, PageQuery, pageOf } from '../core/paging.ts';
import type { Executor } from '../db/client.ts';
import { type DevOutboxRow, devOutbox } from './tables.ts';

export async function storeInDevOutbox(
  db: Executor,
  message: typeof devOutbox.$inferInsert,
): Promise<{ id: string }> {
  const [row] = await db.insert(devOutbox).values(message).returning({ id: devOutbox.id });
  if (!row) throw new Error('The dev outbox returned no row');
  return row;
}

/** Newest first, optionally for one recipient (an email address or an E.164 number). */
export function listDevOutbox(
  ctx: { db: Executor; config: Pick<Config, 'cursorSecret'> },
  query: { recipient?: string | undefined; page: PageInput },
): Promise<Page<DevOutboxRow>> {
  const { recipient, page } = query;
  return keysetPage(ctx, {
    scope: 'dev-outbox:newest',
    keys: [
      { column: devOutbox.createdAt, direction: 'desc', value: (m) => m.createdAt },
      { column: devOutbox.id, direction: 'desc', value: (m) => m.id },
    ],
    page,
    fetch: ({ where, orderBy, limit }) =>
      ctx.db
        .select()
        .from(devOutbox)
        .where(and(recipient === undefined ? undefined : eq(devOutbox.recipient, recipient), where))
        .orderBy(...orderBy)
        .limit(limit),
  });
}

/** The contract of `GET /dev/outbox`. */
export const DevOutboxQuery = PageQuery.extend({
  recipient: z
    .string()
    .min(1)
    .max(320)
    .optional()
    .openapi({ description: 'Only messages to this email address or E.164 number.' }),
});

export const DevOutboxMessage = z
  .object({
    id: z.uuid(),
    channel: z.enum(['email', 'sms']),
    recipient: z.string(),
    subject: z.string().nullable(),
    text: z.string(),
    html: z.string().nullable(),
    createdAt: z.iso.datetime(),
  })
  .openapi('DevOutboxMessage');

export const DevOutboxPage = pageOf(DevOutboxMessage, 'DevOutboxPage');

export function toDevOutboxMessage(row: DevOutboxRow): z.infer<typeof DevOutboxMessage> {
  return {
    id: row.id,
    channel: row.channel,
    recipient: row.recipient,
    subject: row.subject,
    text: row.body,
    html: row.html,
    createdAt: row.createdAt.toISOString(),
  };
}

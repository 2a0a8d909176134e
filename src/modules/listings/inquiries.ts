import { z } from '@hono/zod-openapi';
import { and, eq, getTableColumns } from 'drizzle-orm';
import type { Ctx } from '../../platform/core/context.ts';
import { Invalid, NotFound } from '../../platform/core/errors.ts';
import { text } from '../../platform/core/fields.ts';
import { keysetPage, type Page, type PageInput } from '../../platform/core/paging.ts';
import { requireActor } from '../../platform/core/permissions.ts';
import { withTransaction } from '../../platform/db/transaction.ts';
import { publish } from '../../platform/events/events.ts';
import { Phone } from '../identity/index.ts';
import { inquiryCreated } from './events.ts';
import { visibleListing } from './listings.ts';
import { type InquiryRow, inquiries, listings } from './tables.ts';
import { INQUIRY_STATUSES, type InquiryStatus, isPublicStatus } from './vocabulary.ts';

/** Messages about a listing to its lister, from signed-in users and from guests. */

export const InquiryCreate = z
  .strictObject({
    message: text(2000).openapi({ example: 'Is the apartment still available? Can I visit?' }),
    name: text(100).optional().openapi({ example: 'Ada Bekele' }),
    email: z
      .email({ message: 'expected an email address' })
      .max(254)
      .transform((v) => v.toLowerCase())
      .optional()
      .openapi({
        example: 'ada@example.com',
        description: 'Required from guests, so the lister can answer.',
      }),
    phone: Phone.optional(),
    preferredContactTime: text(100).optional().openapi({ example: 'Weekday evenings after 6 pm' }),
  })
  .openapi('InquiryCreate');

export type InquiryInput = z.infer<typeof InquiryCreate>;

/** What the recipient may set: an inquiry starts `new`. */
export const SETTABLE_INQUIRY_STATUSES = ['read', 'replied', 'archived'] as const;
export type SettableInquiryStatus = (typeof SETTABLE_INQUIRY_STATUSES)[number];

export const INQUIRY_BOXES = ['received', 'sent'] as const;
export type InquiryBox = (typeof INQUIRY_BOXES)[number];

export const Inquiry = z
  .object({
    id: z.uuid(),
    listing: z.object({ id: z.uuid(), title: z.string() }),
    message: z.string(),
    name: z.string().nullable(),
    email: z.string().nullable(),
    phone: z.string().nullable(),
    preferredContactTime: z.string().nullable(),
    status: z.enum(INQUIRY_STATUSES),
    sender: z
      .object({ userId: z.uuid() })
      .nullable()
      .openapi({ description: 'Null for a guest (or a sender whose account is gone).' }),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .openapi('Inquiry');

export type InquiryView = z.infer<typeof Inquiry>;

type InquiryWithTitle = InquiryRow & { listingTitle: string };

const withTitle = { ...getTableColumns(inquiries), listingTitle: listings.title };

/**
 * Only the recipient and the sender ever read an inquiry, and both may see all of it: the
 * recipient needs the contact details to answer, the sender gave them.
 */
function inquiryView(row: InquiryWithTitle): InquiryView {
  return {
    id: row.id,
    listing: { id: row.listingId, title: row.listingTitle },
    message: row.message,
    name: row.name,
    email: row.email,
    phone: row.phone,
    preferredContactTime: row.preferredContactTime,
    status: row.status,
    sender: row.senderId ? { userId: row.senderId } : null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/**
 * Sends an inquiry about a listing on the market to its lister, told as inquiry.created. A
 * guest must give an email, or the lister could not answer.
 */
export async function createInquiry(
  ctx: Ctx,
  listingId: string,
  input: InquiryInput,
): Promise<InquiryView> {
  const senderId = ctx.actor?.userId ?? null;
  if (!senderId && !input.email) {
    throw new Invalid('email-required', 'Without signing in, give an email to be answered at.', {
      fields: [{ path: 'email', message: 'required when not signed in' }],
    });
  }
  return withTransaction(ctx, async (tx) => {
    const listing = await visibleListing(tx, listingId);
    // Its owner and staff see a listing off the market too, but nobody can ask about it.
    if (!isPublicStatus(listing.status)) throw new NotFound('listing');
    if (listing.ownerId === senderId) {
      throw new Invalid('own-listing', 'This is your own listing.');
    }
    const [row] = await tx.db
      .insert(inquiries)
      .values({
        listingId,
        recipientId: listing.ownerId,
        senderId,
        message: input.message,
        name: input.name ?? null,
        email: input.email ?? null,
        phone: input.phone ?? null,
        preferredContactTime: input.preferredContactTime ?? null,
      })
      .returning();
    if (!row) throw new Error('inserting an inquiry returned no row');
    await publish(tx, inquiryCreated, {
      aggregateId: row.id,
      payload: { inquiryId: row.id, listingId, recipientId: row.recipientId, senderId },
    });
    return inquiryView({ ...row, listingTitle: listing.title });
  });
}

/** The caller's received (or sent) inquiries, newest first. */
export async function listInquiries(
  ctx: Ctx,
  filter: { box: InquiryBox; status?: InquiryStatus | undefined },
  page: PageInput,
): Promise<Page<InquiryView>> {
  const { userId } = requireActor(ctx);
  const owner = filter.box === 'received' ? inquiries.recipientId : inquiries.senderId;
  const result = await keysetPage<InquiryWithTitle>(ctx, {
    scope: `inquiries:${filter.box}:${filter.status ?? 'all'}`,
    keys: [
      { column: inquiries.createdAt, direction: 'desc', value: (r) => r.createdAt },
      { column: inquiries.id, direction: 'desc', value: (r) => r.id },
    ],
    page,
    fetch: ({ where, orderBy, limit }) =>
      ctx.db
        .select(withTitle)
        .from(inquiries)
        .innerJoin(listings, eq(listings.id, inquiries.listingId))
        .where(
          and(
            eq(owner, userId),
            filter.status ? eq(inquiries.status, filter.status) : undefined,
            where,
          ),
        )
        .orderBy(...orderBy)
        .limit(limit),
  });
  return { ...result, items: result.items.map(inquiryView) };
}

/**
 * The recipient marks an inquiry read, replied or archived. Anyone else, its sender included,
 * is told it was not found: it is not theirs to handle.
 */
export async function setInquiryStatus(
  ctx: Ctx,
  id: string,
  status: SettableInquiryStatus,
): Promise<InquiryView> {
  const { userId } = requireActor(ctx);
  return withTransaction(ctx, async (tx) => {
    const [row] = await tx.db
      .update(inquiries)
      .set({ status })
      .where(and(eq(inquiries.id, id), eq(inquiries.recipientId, userId)))
      .returning();
    if (!row) throw new NotFound('inquiry');
    const [listing] = await tx.db
      .select({ title: listings.title })
      .from(listings)
      .where(eq(listings.id, row.listingId));
    if (!listing) throw new NotFound('inquiry');
    return inquiryView({ ...row, listingTitle: listing.title });
  });
}

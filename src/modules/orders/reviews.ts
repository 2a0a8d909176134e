import { and, count, eq, exists, isNull, sql } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.ts';
import { isUniqueViolation } from '../../platform/db/client.ts';
import { withTransaction } from '../../platform/db/transaction.ts';
import { publish } from '../../platform/events/events.ts';
import { requireActor } from '../../platform/http/auth.ts';
import type { Ctx } from '../../platform/http/context.ts';
import { Conflict, Forbidden, Invalid, NotFound } from '../../platform/http/errors.ts';
import {
  keysetPage,
  type Page,
  type PageInput,
  queryScope,
} from '../../platform/http/pagination.ts';
import { contactsOf } from '../identity/index.ts';
import { productOnSale, sellerShop, setProductRating } from '../shop/index.ts';
import { reviewCreated } from './events.ts';
import { type ReviewPhotoView, reviewPhotoViews } from './review-photos.ts';
import {
  orderItems,
  orders,
  type ReviewRow,
  reviewPhotos,
  reviewReports,
  reviews,
  reviewVotes,
} from './tables.ts';
import { REVIEW_EDIT_DAYS, type REVIEW_REPORT_REASONS, type ReviewStatus } from './vocabulary.ts';

/**
 * Verified-purchase reviews: one per order item the buyer received, the product's rating kept
 * exact from its visible reviews in the transaction of every change that moves it.
 */

const DAY_MS = 24 * 60 * 60 * 1000;
/** Orders whose items may be reviewed: the buyer has them. */
const RECEIVED = ['delivered', 'completed'] as const;

export interface ReviewView {
  id: string;
  productId: string;
  shopId: string;
  orderItemId: string;
  author: { id: string; name: string };
  rating: number;
  text: string;
  photos: ReviewPhotoView[];
  helpfulCount: number;
  reply: { text: string; repliedAt: string } | null;
  createdAt: string;
  updatedAt: string;
  /** The author may edit it until then. */
  editableUntil: string;
}

export interface AdminReviewView extends ReviewView {
  status: ReviewStatus;
  hiddenReason: string | null;
  openReports: number;
}

/** A reviewer as the public sees them: first name and the initial of the last. */
function publicName(fullName: string | null | undefined): string {
  const parts = (fullName ?? '').trim().split(/\s+/).filter(Boolean);
  const [first, ...rest] = parts;
  if (!first) return 'A buyer';
  const last = rest.at(-1);
  return last ? `${first} ${last[0]?.toUpperCase()}.` : first;
}

const editableUntil = (row: ReviewRow) =>
  new Date(row.createdAt.getTime() + REVIEW_EDIT_DAYS * DAY_MS);

export async function reviewViews(ctx: Ctx, rows: readonly ReviewRow[]): Promise<ReviewView[]> {
  const ids = rows.map((row) => row.id);
  const [authors, photos] = await Promise.all([
    contactsOf(ctx.db, [...new Set(rows.map((row) => row.authorId))]),
    reviewPhotoViews(ctx.db, ctx.storage, ids),
  ]);
  return rows.map((row) => ({
    id: row.id,
    productId: row.productId,
    shopId: row.shopId,
    orderItemId: row.orderItemId,
    author: { id: row.authorId, name: publicName(authors.get(row.authorId)?.fullName) },
    rating: row.rating,
    text: row.text,
    photos: photos.get(row.id) ?? [],
    helpfulCount: row.helpfulCount,
    reply:
      row.reply !== null && row.repliedAt !== null
        ? { text: row.reply, repliedAt: row.repliedAt.toISOString() }
        : null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    editableUntil: editableUntil(row).toISOString(),
  }));
}

export async function reviewView(ctx: Ctx, row: ReviewRow): Promise<ReviewView> {
  const [view] = await reviewViews(ctx, [row]);
  if (!view) throw new Error('reviewView made no view');
  return view;
}

/**
 * Serialises every change to one product's reviews: the aggregate read after the lock sees
 * every review committed before it, so the last writer's rating counts them all.
 */
export async function lockProductReviews(db: Executor, productId: string): Promise<void> {
  await db.execute(sql`select pg_advisory_xact_lock(hashtextextended(${productId}, 0))`);
}

/** Writes the product's rating as its visible reviews give it, counted afresh. */
export async function refreshRating(db: Executor, productId: string): Promise<void> {
  const [row] = await db
    .select({
      average: sql<number>`coalesce(avg(${reviews.rating}), 0)::float8`,
      count: count(),
    })
    .from(reviews)
    .where(and(eq(reviews.productId, productId), eq(reviews.status, 'visible')));
  await setProductRating(db, productId, {
    average: Number(row?.average ?? 0),
    count: row?.count ?? 0,
  });
}

export async function findReview(db: Executor, id: string, { lock = false } = {}) {
  const query = db.select().from(reviews).where(eq(reviews.id, id));
  const [row] = await (lock ? query.for('update') : query);
  if (!row) throw new NotFound('review');
  return row;
}

/** A review the public can see; hidden ones are not found. */
async function visibleReview(db: Executor, id: string, options: { lock?: boolean } = {}) {
  const row = await findReview(db, id, options);
  if (row.status !== 'visible') throw new NotFound('review');
  return row;
}

export interface ReviewInput {
  orderItemId: string;
  rating: number;
  text: string;
}

function alreadyReviewed(): Conflict {
  return new Conflict(
    'already-reviewed',
    'You have reviewed this item already; edit that review.',
    {
      errors: [{ path: 'body.orderItemId', message: 'already reviewed' }],
    },
  );
}

/**
 * Reviews an item of one of the caller's delivered or completed orders. Another buyer's item
 * is not found, as if it did not exist; an item not received yet is 422 `not-eligible`.
 */
export async function createReview(ctx: Ctx, input: ReviewInput): Promise<ReviewView> {
  const { userId } = requireActor(ctx);
  try {
    const row = await withTransaction(ctx, async (tx) => {
      const [item] = await tx.db
        .select({
          productId: orderItems.productId,
          shopId: orders.shopId,
          buyerId: orders.buyerId,
          status: orders.status,
        })
        .from(orderItems)
        .innerJoin(orders, eq(orders.id, orderItems.orderId))
        .where(eq(orderItems.id, input.orderItemId));
      if (!item || item.buyerId !== userId) {
        throw new NotFound('order item', 'order-item-not-found');
      }
      if (!(RECEIVED as readonly string[]).includes(item.status)) {
        throw new Invalid(
          'not-eligible',
          `Only items of a delivered or completed order can be reviewed; this order is ${item.status}.`,
          { errors: [{ path: 'body.orderItemId', message: `the order is ${item.status}` }] },
        );
      }
      await lockProductReviews(tx.db, item.productId);
      const [created] = await tx.db
        .insert(reviews)
        .values({
          orderItemId: input.orderItemId,
          productId: item.productId,
          shopId: item.shopId,
          authorId: userId,
          rating: input.rating,
          text: input.text,
        })
        .onConflictDoNothing({ target: reviews.orderItemId })
        .returning();
      if (!created) throw alreadyReviewed();
      await refreshRating(tx.db, item.productId);
      await publish(tx, reviewCreated, {
        aggregateId: created.id,
        payload: {
          reviewId: created.id,
          productId: created.productId,
          shopId: created.shopId,
          authorId: userId,
          rating: created.rating,
        },
      });
      return created;
    });
    return reviewView(ctx, row);
  } catch (error) {
    // The insert skips a committed duplicate; one committing alongside still trips the index.
    if (isUniqueViolation(error)) throw alreadyReviewed();
    throw error;
  }
}

export interface ReviewChanges {
  rating?: number | undefined;
  text?: string | undefined;
}

/** The author's edit, within REVIEW_EDIT_DAYS of writing it. */
export async function editReview(
  ctx: Ctx,
  id: string,
  changes: ReviewChanges,
  now = new Date(),
): Promise<ReviewView> {
  const { userId } = requireActor(ctx);
  const row = await withTransaction(ctx, async (tx) => {
    const current = await findReview(tx.db, id);
    if (current.authorId !== userId) {
      throw new Forbidden('Only its author can edit a review.', 'not-author');
    }
    if (now.getTime() > editableUntil(current).getTime()) {
      throw new Conflict(
        'edit-window-closed',
        `A review can be edited for ${REVIEW_EDIT_DAYS} days after it was written; this one ` +
          `closed at ${editableUntil(current).toISOString()}.`,
      );
    }
    await lockProductReviews(tx.db, current.productId);
    const [updated] = await tx.db
      .update(reviews)
      .set({ rating: changes.rating, text: changes.text, updatedAt: now })
      .where(eq(reviews.id, id))
      .returning();
    if (!updated) throw new NotFound('review');
    await refreshRating(tx.db, updated.productId);
    return updated;
  });
  return reviewView(ctx, row);
}

/** The shop's one answer to a review of its product. */
export async function replyToReview(ctx: Ctx, id: string, text: string): Promise<ReviewView> {
  const row = await withTransaction(ctx, async (tx) => {
    const review = await visibleReview(tx.db, id, { lock: true });
    // A caller without a shop is refused like another shop's owner.
    const shop = await sellerShop(tx).catch((error: unknown) => {
      if (error instanceof NotFound) return null;
      throw error;
    });
    if (shop?.id !== review.shopId) {
      throw new Forbidden('Only the shop that sold the item can reply.', 'not-the-shop');
    }
    if (review.reply !== null) {
      throw new Conflict('already-replied', 'The shop has replied to this review already.');
    }
    const [updated] = await tx.db
      .update(reviews)
      .set({ reply: text, repliedAt: new Date() })
      .where(eq(reviews.id, id))
      .returning();
    if (!updated) throw new NotFound('review');
    return updated;
  });
  return reviewView(ctx, row);
}

/**
 * Counts the caller's "helpful" once: the vote's key refuses a second one (409
 * `already-voted`), and the count is recounted from the votes, never drifting.
 */
export async function markHelpful(ctx: Ctx, id: string): Promise<{ helpfulCount: number }> {
  const { userId } = requireActor(ctx);
  return withTransaction(ctx, async (tx) => {
    const review = await visibleReview(tx.db, id, { lock: true });
    if (review.authorId === userId) {
      throw new Invalid('own-review', 'You cannot mark your own review helpful.');
    }
    const [vote] = await tx.db
      .insert(reviewVotes)
      .values({ reviewId: id, userId })
      .onConflictDoNothing()
      .returning();
    if (!vote) throw new Conflict('already-voted', 'You have marked this review helpful already.');
    const [updated] = await tx.db
      .update(reviews)
      .set({
        helpfulCount: sql`(select count(*) from ${reviewVotes} where ${reviewVotes.reviewId} = ${id})`,
        updatedAt: sql`${reviews.updatedAt}`,
      })
      .where(eq(reviews.id, id))
      .returning({ helpfulCount: reviews.helpfulCount });
    return { helpfulCount: updated?.helpfulCount ?? 0 };
  });
}

export type ReviewReportReason = (typeof REVIEW_REPORT_REASONS)[number];

export interface ReviewReportView {
  id: string;
  reason: ReviewReportReason;
  text: string | null;
  createdAt: string;
}

/** Once per user while a moderator has not decided on the review; not one's own. */
export async function reportReview(
  ctx: Ctx,
  id: string,
  input: { reason: ReviewReportReason; text?: string | null | undefined },
): Promise<ReviewReportView> {
  const { userId } = requireActor(ctx);
  return withTransaction(ctx, async (tx) => {
    const review = await visibleReview(tx.db, id);
    if (review.authorId === userId) {
      throw new Invalid('own-review', 'You cannot report your own review.');
    }
    const [report] = await tx.db
      .insert(reviewReports)
      .values({ reviewId: id, reporterId: userId, reason: input.reason, text: input.text || null })
      .onConflictDoNothing({
        target: [reviewReports.reviewId, reviewReports.reporterId],
        where: isNull(reviewReports.resolvedAt),
      })
      .returning();
    if (!report) {
      throw new Conflict(
        'already-reported',
        'You have reported this review already; a moderator will look at it.',
      );
    }
    return {
      id: report.id,
      reason: report.reason,
      text: report.text,
      createdAt: report.createdAt.toISOString(),
    };
  });
}

export type ReviewSort = 'newest' | 'most_helpful';

export interface ProductReviewQuery extends PageInput {
  rating?: number | undefined;
  withPhotos?: boolean | undefined;
  sort: ReviewSort;
}

export interface RatingSummary {
  average: number;
  count: number;
  histogram: Record<'1' | '2' | '3' | '4' | '5', number>;
}

export interface ProductReviewPage extends Page<ReviewView> {
  /** Over all the product's visible reviews, whatever the filters. */
  summary: RatingSummary;
}

const hasPhotos = exists(
  sql`(select 1 from ${reviewPhotos} where ${reviewPhotos.reviewId} = ${reviews.id})`,
);

async function ratingSummary(db: Executor, productId: string): Promise<RatingSummary> {
  const rows = await db
    .select({ rating: reviews.rating, n: count() })
    .from(reviews)
    .where(and(eq(reviews.productId, productId), eq(reviews.status, 'visible')))
    .groupBy(reviews.rating);
  const histogram = { '1': 0, '2': 0, '3': 0, '4': 0, '5': 0 };
  let total = 0;
  let sum = 0;
  for (const { rating, n } of rows) {
    histogram[String(rating) as keyof typeof histogram] = n;
    total += n;
    sum += rating * n;
  }
  return { average: total === 0 ? 0 : sum / total, count: total, histogram };
}

/** A product's visible reviews, filtered and sorted, with its rating summary. */
export async function productReviews(
  ctx: Ctx,
  productId: string,
  query: ProductReviewQuery,
): Promise<ProductReviewPage> {
  if (!(await productOnSale(ctx.db, productId))) throw new NotFound('product');
  const filter = and(
    eq(reviews.productId, productId),
    eq(reviews.status, 'visible'),
    query.rating === undefined ? undefined : eq(reviews.rating, query.rating),
    query.withPhotos ? hasPhotos : undefined,
  );
  const first =
    query.sort === 'newest'
      ? { column: reviews.createdAt, value: (r: ReviewRow) => r.createdAt }
      : { column: reviews.helpfulCount, value: (r: ReviewRow) => r.helpfulCount };
  const page = await keysetPage<ReviewRow>({
    scope: await queryScope(`product-reviews:${productId}:${query.sort}`, query),
    keys: [
      { ...first, direction: 'desc' },
      { column: reviews.id, direction: 'desc', value: (r) => r.id },
    ],
    page: query,
    secret: ctx.config.jwtSecret,
    fetch: ({ where, orderBy, limit }) =>
      ctx.db
        .select()
        .from(reviews)
        .where(and(filter, where))
        .orderBy(...orderBy)
        .limit(limit),
  });
  const [items, summary] = await Promise.all([
    reviewViews(ctx, page.items),
    ratingSummary(ctx.db, productId),
  ]);
  return { items, nextCursor: page.nextCursor, summary };
}

export async function reviewById(ctx: Ctx, id: string): Promise<ReviewView> {
  const row = await findReview(ctx.db, id);
  if (row.status !== 'visible' && row.authorId !== ctx.actor?.userId) {
    throw new NotFound('review');
  }
  return reviewView(ctx, row);
}

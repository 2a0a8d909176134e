import { and, count, eq, sql } from 'drizzle-orm';
import type { Ctx } from '../../platform/core/context.ts';
import { Conflict, Forbidden, Invalid, NotFound } from '../../platform/core/errors.ts';
import { requireActor } from '../../platform/core/permissions.ts';
import type { Executor } from '../../platform/db/client.ts';
import { isUniqueViolation } from '../../platform/db/client.ts';
import { withTransaction } from '../../platform/db/transaction.ts';
import { publish } from '../../platform/events/events.ts';
import { orderItemOf, RECEIVED } from '../orders/index.ts';
import { ownsShop, sellerShop, setProductRating } from '../shop/index.ts';
import { reviewCreated } from './events.ts';
import { editableUntil, findReview, type ReviewView, reviewView, visibleReview } from './reads.ts';
import { reviews, reviewVotes } from './tables.ts';
import { REVIEW_EDIT_DAYS } from './vocabulary.ts';
/**
 * Verified-purchase reviews: one per order item the buyer received, the product's rating kept
 * exact from its visible reviews in the transaction of every change that moves it.
 */

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
      fields: [{ path: 'orderItemId', message: 'already reviewed' }],
    },
  );
}

/**
 * Reviews an item of one of the caller's delivered or completed orders. Another buyer's item
 * is not found, as if it did not exist; an item not received yet is 422 `not-eligible`, and so
 * is one whose goods were paid nothing (a voucher took the whole subtotal): that verifies no
 * purchase. The shop's owner never reviews it (403 `own-shop`), whenever the order was made.
 */
export async function createReview(ctx: Ctx, input: ReviewInput): Promise<ReviewView> {
  const { userId } = requireActor(ctx);
  try {
    const row = await withTransaction(ctx, async (tx) => {
      const item = await orderItemOf(tx.db, input.orderItemId);
      if (!item || item.buyerId !== userId) {
        throw new NotFound('order item', 'order-item-not-found');
      }
      if (!RECEIVED.includes(item.status)) {
        throw new Invalid(
          'not-eligible',
          `Only items of a delivered or completed order can be reviewed; this order is ${item.status}.`,
          { fields: [{ path: 'orderItemId', message: `the order is ${item.status}` }] },
        );
      }
      if (item.subtotal - item.discount <= 0) {
        throw new Invalid(
          'not-eligible',
          'An order that paid nothing for its goods does not verify a purchase.',
          { fields: [{ path: 'orderItemId', message: 'the order paid nothing for its goods' }] },
        );
      }
      if (await ownsShop(tx.db, userId, item.shopId)) {
        throw new Forbidden('You cannot review what your own shop sells.', 'own-shop');
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

import { and, count, eq } from 'drizzle-orm';
import { audit } from '../../platform/audit/audit.ts';
import type { Ctx } from '../../platform/core/context.ts';
import { Conflict } from '../../platform/core/errors.ts';
import { keysetPage, type Page, type PageInput, queryScope } from '../../platform/core/paging.ts';
import { withTransaction } from '../../platform/db/transaction.ts';
import { hasOpenReport, openReportCounts, resolveReports } from '../../platform/reports/reports.ts';
import { type AdminReviewView, findReview, reviewViews } from './reads.ts';
import { reviewReportsOf } from './reports.ts';
import { type ReviewRow, reviews } from './tables.ts';
import type { ReviewStatus } from './vocabulary.ts';
import { lockProductReviews, refreshRating } from './writes.ts';

/** Moderators' side of reviews: the list with reports, hiding and restoring (audited). */

export interface AdminReviewQuery extends PageInput {
  status?: ReviewStatus | undefined;
  reported?: boolean | undefined;
}

export interface AdminReviewPage extends Page<AdminReviewView> {
  total: number;
}

async function adminViews(ctx: Ctx, rows: readonly ReviewRow[]): Promise<AdminReviewView[]> {
  const ids = rows.map((row) => row.id);
  const [views, counts] = await Promise.all([
    reviewViews(ctx, rows),
    openReportCounts(ctx.db, reviewReportsOf, ids),
  ]);
  return views.map((view, i) => ({
    ...view,
    status: rows[i]?.status ?? 'visible',
    hiddenReason: rows[i]?.hiddenReason ?? null,
    openReports: counts.get(view.id) ?? 0,
  }));
}

/** Moderators' list, newest first: by status, or only reviews with open reports. */
export async function adminReviews(ctx: Ctx, query: AdminReviewQuery): Promise<AdminReviewPage> {
  const filter = and(
    query.status === undefined ? undefined : eq(reviews.status, query.status),
    query.reported ? hasOpenReport(reviewReportsOf, reviews.id) : undefined,
  );
  const page = await keysetPage<ReviewRow>(ctx, {
    scope: await queryScope('admin-reviews', query),
    keys: [
      { column: reviews.createdAt, direction: 'desc', value: (r) => r.createdAt },
      { column: reviews.id, direction: 'desc', value: (r) => r.id },
    ],
    page: query,
    fetch: ({ where, orderBy, limit }) =>
      ctx.db
        .select()
        .from(reviews)
        .where(and(filter, where))
        .orderBy(...orderBy)
        .limit(limit),
  });
  const [counted] = await ctx.db.select({ n: count() }).from(reviews).where(filter);
  return {
    items: await adminViews(ctx, page.items),
    nextCursor: page.nextCursor,
    total: counted?.n ?? 0,
  };
}

const MODERATION = {
  hide: { from: 'visible', to: 'hidden', action: 'review.hidden' },
  restore: { from: 'hidden', to: 'visible', action: 'review.restored' },
} as const;

/**
 * Hides or restores a review, with the product's rating recounted in the same transaction and
 * the open reports on it answered. Audited; 409 `invalid-transition` from the other status.
 */
export async function moderateReview(
  ctx: Ctx,
  id: string,
  decision: keyof typeof MODERATION,
  reason: string,
): Promise<AdminReviewView> {
  const move = MODERATION[decision];
  const row = await withTransaction(ctx, async (tx) => {
    const before = await findReview(tx.db, id);
    await lockProductReviews(tx.db, before.productId);
    const [updated] = await tx.db
      .update(reviews)
      .set({ status: move.to, hiddenReason: move.to === 'hidden' ? reason : null })
      .where(and(eq(reviews.id, id), eq(reviews.status, move.from)))
      .returning();
    if (!updated) {
      const current = await findReview(tx.db, id);
      throw new Conflict(
        'invalid-transition',
        `The review is ${current.status}; only a ${move.from} review can be ${move.action.split('.')[1]}.`,
      );
    }
    await refreshRating(tx.db, updated.productId);
    await resolveReports(tx.db, reviewReportsOf, id);
    await audit(tx, {
      action: move.action,
      resource: { type: 'review', id },
      before: { status: before.status, hiddenReason: before.hiddenReason },
      after: { status: updated.status, hiddenReason: updated.hiddenReason },
      metadata: { reason, productId: updated.productId },
    });
    return updated;
  });
  const [view] = await adminViews(ctx, [row]);
  if (!view) throw new Error('moderateReview made no view');
  return view;
}

/** A review as the public sees it; a hidden one only its author sees. */

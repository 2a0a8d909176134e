import { and, count, eq, exists, sql } from 'drizzle-orm';
import type { Ctx } from '../../platform/core/context.ts';
import { NotFound } from '../../platform/core/errors.ts';
import { keysetPage, type Page, type PageInput, queryScope } from '../../platform/core/paging.ts';
import type { Executor } from '../../platform/db/client.ts';
import { contactsOf } from '../identity/index.ts';
import { productOnSale } from '../shop/index.ts';
import { type ReviewPhotoView, reviewPhotoViews } from './photos.ts';
import { type ReviewRow, reviewPhotos, reviews } from './tables.ts';
import { REVIEW_EDIT_DAYS, type ReviewStatus } from './vocabulary.ts';

/**
 * Verified-purchase reviews as they are read: one product's visible reviews with its rating
 * summary, one review, and the views every answer is made of.
 */

const DAY_MS = 24 * 60 * 60 * 1000;

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

export const editableUntil = (row: ReviewRow) =>
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

export async function findReview(db: Executor, id: string, { lock = false } = {}) {
  const query = db.select().from(reviews).where(eq(reviews.id, id));
  const [row] = await (lock ? query.for('update') : query);
  if (!row) throw new NotFound('review');
  return row;
}

/** A review the public can see; hidden ones are not found. */
export async function visibleReview(db: Executor, id: string, options: { lock?: boolean } = {}) {
  const row = await findReview(db, id, options);
  if (row.status !== 'visible') throw new NotFound('review');
  return row;
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
  sql`(select 1 from ${reviewPhotos} where ${reviewPhotos.ownerId} = ${reviews.id})`,
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
  const page = await keysetPage<ReviewRow>(ctx, {
    scope: await queryScope(`product-reviews:${productId}:${query.sort}`, query),
    keys: [
      { ...first, direction: 'desc' },
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

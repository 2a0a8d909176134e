import { sql } from 'drizzle-orm';
import {
  check,
  index,
  integer,
  pgTable,
  primaryKey,
  smallint,
  text,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { createdAt, id, timestampMs, timestamps } from '../../platform/db/columns.ts';
import { oneOpenReport, reportColumns } from '../../platform/reports/reports.ts';
import { imageColumns } from '../../platform/storage/index.ts';
import { users } from '../identity/tables.ts';
import { orderItems } from '../orders/tables.ts';
import { products, shops } from '../shop/tables.ts';
import { REVIEW_REPORT_REASONS, REVIEW_STATUSES } from './vocabulary.ts';

/** A buyer's review of an item they received: one per order item. */
export const reviews = pgTable(
  'reviews',
  {
    id: id(),
    orderItemId: uuid('order_item_id')
      .notNull()
      .references(() => orderItems.id),
    productId: uuid('product_id')
      .notNull()
      .references(() => products.id),
    shopId: uuid('shop_id')
      .notNull()
      .references(() => shops.id),
    authorId: uuid('author_id')
      .notNull()
      .references(() => users.id),
    rating: smallint('rating').notNull(),
    text: text('text').notNull(),
    status: text('status', { enum: REVIEW_STATUSES }).notNull().default('visible'),
    hiddenReason: text('hidden_reason'),
    helpfulCount: integer('helpful_count').notNull().default(0),
    reply: text('reply'),
    repliedAt: timestampMs('replied_at'),
    ...timestamps(),
  },
  (t) => [
    check('reviews_rating', sql`${t.rating} between 1 and 5`),
    uniqueIndex('reviews_order_item').on(t.orderItemId),
    index('reviews_product_newest').on(t.productId, t.status, t.createdAt, t.id),
    index('reviews_product_helpful').on(t.productId, t.status, t.helpfulCount, t.id),
    index('reviews_status_created').on(t.status, t.createdAt, t.id),
    index('reviews_author').on(t.authorId, t.createdAt),
  ],
);

export type ReviewRow = typeof reviews.$inferSelect;

/** A review's photos, in upload order. */
export const reviewPhotos = pgTable(
  'review_photos',
  imageColumns('review_id', () => reviews.id),
  (t) => [index('review_photos_review').on(t.ownerId, t.position)],
);

/** "This review helped me": once per user and review. */
export const reviewVotes = pgTable(
  'review_votes',
  {
    reviewId: uuid('review_id')
      .notNull()
      .references(() => reviews.id, { onDelete: 'cascade' }),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.reviewId, t.userId] })],
);

export const reviewReports = pgTable(
  'review_reports',
  reportColumns(
    'review_id',
    () => reviews.id,
    () => users.id,
    REVIEW_REPORT_REASONS,
  ),
  (t) => [oneOpenReport('review_reports_open', t)],
);

import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  smallint,
  text,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { createdAt, id, timestampMs, timestamps } from '../../platform/db/columns.ts';
import { users } from '../identity/tables.ts';
import { products, productVariants, shops } from '../shop/tables.ts';
import {
  ORDER_STATUSES,
  PAYMENT_METHODS,
  REVIEW_REPORT_REASONS,
  REVIEW_STATUSES,
  VOUCHER_TYPES,
} from './vocabulary.ts';

/** A signed-in buyer's saved cart: one line per variant. */
export const cartItems = pgTable(
  'cart_items',
  {
    id: id(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    variantId: uuid('variant_id')
      .notNull()
      .references(() => productVariants.id, { onDelete: 'cascade' }),
    quantity: integer('quantity').notNull(),
    /** The variant's price when the line was added: the cart says when it changed. */
    priceAtAdd: bigint('price_at_add', { mode: 'number' }).notNull(),
    ...timestamps(),
  },
  (t) => [
    check('cart_items_quantity', sql`${t.quantity} > 0`),
    uniqueIndex('cart_items_user_variant').on(t.userId, t.variantId),
  ],
);

export type CartItemRow = typeof cartItems.$inferSelect;

/** A shipping address as it was when the order was placed. */
export interface AddressSnapshot {
  label: string;
  recipient: string;
  phone: string;
  line1: string;
  line2: string | null;
  city: string;
  region: string | null;
  postalCode: string | null;
  countryCode: string;
  lat: number | null;
  lng: number | null;
}

/** One checkout: the orders it split into share its id. */
export const checkouts = pgTable(
  'checkouts',
  {
    id: id(),
    buyerId: uuid('buyer_id')
      .notNull()
      .references(() => users.id),
    paymentMethod: text('payment_method', { enum: PAYMENT_METHODS }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('checkouts_buyer').on(t.buyerId, t.createdAt)],
);

/** One shop's part of a checkout. Money in minor units of the shop's currency. */
export const orders = pgTable(
  'orders',
  {
    id: id(),
    checkoutId: uuid('checkout_id')
      .notNull()
      .references(() => checkouts.id),
    shopId: uuid('shop_id')
      .notNull()
      .references(() => shops.id),
    buyerId: uuid('buyer_id')
      .notNull()
      .references(() => users.id),
    status: text('status', { enum: ORDER_STATUSES }).notNull(),
    paymentMethod: text('payment_method', { enum: PAYMENT_METHODS }).notNull(),
    currency: text('currency').notNull(),
    subtotal: bigint('subtotal', { mode: 'number' }).notNull(),
    shipping: bigint('shipping', { mode: 'number' }).notNull(),
    discount: bigint('discount', { mode: 'number' }).notNull().default(0),
    total: bigint('total', { mode: 'number' }).notNull(),
    shippingAddress: jsonb('shipping_address').$type<AddressSnapshot>().notNull(),
    /** The voucher applied, its code as the buyer typed it. */
    voucherId: uuid('voucher_id').references(() => vouchers.id),
    voucherCode: text('voucher_code'),
    /** A `pending_payment` order's stock is held until then. */
    holdExpiresAt: timestampMs('hold_expires_at'),
    carrier: text('carrier'),
    trackingNumber: text('tracking_number'),
    cancelReason: text('cancel_reason'),
    /** Whether its stock and voucher usage went back: set once, by the cancellation. */
    releasedAt: timestampMs('released_at'),
    ...timestamps(),
  },
  (t) => [
    check('orders_amounts', sql`${t.subtotal} >= 0 and ${t.shipping} >= 0 and ${t.discount} >= 0`),
    check('orders_total', sql`${t.total} = ${t.subtotal} + ${t.shipping} - ${t.discount}`),
    check('orders_total_nonnegative', sql`${t.total} >= 0`),
    index('orders_checkout').on(t.checkoutId),
    index('orders_buyer_created').on(t.buyerId, t.createdAt, t.id),
    index('orders_shop_created').on(t.shopId, t.createdAt, t.id),
    index('orders_status_created').on(t.status, t.createdAt, t.id),
    index('orders_created').on(t.createdAt, t.id),
    // The expiry job's scan.
    index('orders_hold_expiry').on(t.holdExpiresAt).where(sql`${t.status} = 'pending_payment'`),
  ],
);

export type OrderRow = typeof orders.$inferSelect;

/** A line of an order: what was bought, as it was then. */
export const orderItems = pgTable(
  'order_items',
  {
    id: id(),
    orderId: uuid('order_id')
      .notNull()
      .references(() => orders.id, { onDelete: 'cascade' }),
    productId: uuid('product_id')
      .notNull()
      .references(() => products.id),
    /** Null once the seller deleted the variant; the snapshot stays. */
    variantId: uuid('variant_id').references(() => productVariants.id, { onDelete: 'set null' }),
    title: text('title').notNull(),
    sku: text('sku').notNull(),
    options: jsonb('options').$type<Record<string, string>>().notNull(),
    unitPrice: bigint('unit_price', { mode: 'number' }).notNull(),
    quantity: integer('quantity').notNull(),
    /** The storage key of the product's first image then; null without one. */
    imageKey: text('image_key'),
    createdAt: createdAt(),
  },
  (t) => [
    check('order_items_quantity', sql`${t.quantity} > 0`),
    check('order_items_price', sql`${t.unitPrice} > 0`),
    index('order_items_order').on(t.orderId),
    index('order_items_product').on(t.productId),
  ],
);

export type OrderItemRow = typeof orderItems.$inferSelect;

/** Every move of an order, who made it and why. */
export const orderHistory = pgTable(
  'order_history',
  {
    id: id(),
    orderId: uuid('order_id')
      .notNull()
      .references(() => orders.id, { onDelete: 'cascade' }),
    fromStatus: text('from_status', { enum: ORDER_STATUSES }),
    toStatus: text('to_status', { enum: ORDER_STATUSES }).notNull(),
    /** Null for the system (the expiry job). */
    actorId: uuid('actor_id').references(() => users.id),
    /** buyer, seller, admin or system. */
    actorRole: text('actor_role').notNull(),
    note: text('note'),
    createdAt: createdAt(),
  },
  (t) => [index('order_history_order').on(t.orderId, t.createdAt)],
);

/** A discount code: a shop's for its own orders, or the platform's (no shop) for any. */
export const vouchers = pgTable(
  'vouchers',
  {
    id: id(),
    shopId: uuid('shop_id').references(() => shops.id),
    code: text('code').notNull(),
    type: text('type', { enum: VOUCHER_TYPES }).notNull(),
    /** For `percent`: 1 to 100. */
    percent: integer('percent'),
    /** For `fixed`: minor units of `currency`. */
    amount: bigint('amount', { mode: 'number' }),
    /** The currency of every money field; a voucher applies only to orders in it. */
    currency: text('currency').notNull(),
    maxDiscount: bigint('max_discount', { mode: 'number' }),
    minSubtotal: bigint('min_subtotal', { mode: 'number' }),
    startsAt: timestampMs('starts_at'),
    endsAt: timestampMs('ends_at'),
    /** Redemptions in all; null: no limit. */
    usageLimit: integer('usage_limit'),
    perUserLimit: integer('per_user_limit'),
    /** Redemptions counted so far (released ones taken back), kept under the row's lock. */
    usedCount: integer('used_count').notNull().default(0),
    /** Deleting a voucher deactivates it: orders keep pointing at it. */
    active: boolean('active').notNull().default(true),
    createdBy: uuid('created_by')
      .notNull()
      .references(() => users.id),
    ...timestamps(),
  },
  (t) => [
    check(
      'vouchers_kind',
      sql`(${t.type} = 'percent' and ${t.percent} between 1 and 100 and ${t.amount} is null) or (${t.type} = 'fixed' and ${t.amount} > 0 and ${t.percent} is null)`,
    ),
    check('vouchers_used', sql`${t.usedCount} >= 0`),
    check('vouchers_limit', sql`${t.usageLimit} is null or ${t.usedCount} <= ${t.usageLimit}`),
    uniqueIndex('vouchers_shop_code')
      .on(t.shopId, sql`lower(${t.code})`)
      .where(sql`${t.shopId} is not null`),
    uniqueIndex('vouchers_platform_code').on(sql`lower(${t.code})`).where(sql`${t.shopId} is null`),
    index('vouchers_shop_created').on(t.shopId, t.createdAt, t.id),
  ],
);

export type VoucherRow = typeof vouchers.$inferSelect;

/** One use of a voucher by an order; released when the order is cancelled. */
export const voucherRedemptions = pgTable(
  'voucher_redemptions',
  {
    id: id(),
    voucherId: uuid('voucher_id')
      .notNull()
      .references(() => vouchers.id),
    orderId: uuid('order_id')
      .notNull()
      .references(() => orders.id, { onDelete: 'cascade' }),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    discount: bigint('discount', { mode: 'number' }).notNull(),
    releasedAt: timestampMs('released_at'),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('voucher_redemptions_order').on(t.orderId),
    index('voucher_redemptions_user').on(t.voucherId, t.userId).where(sql`${t.releasedAt} is null`),
  ],
);

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

/** Variants made of a photo, by width. */
export type ReviewPhotoVariants = Record<string, { width: number; height: number }>;

export const reviewPhotos = pgTable(
  'review_photos',
  {
    id: id(),
    reviewId: uuid('review_id')
      .notNull()
      .references(() => reviews.id, { onDelete: 'cascade' }),
    key: text('key').notNull(),
    contentType: text('content_type').notNull(),
    width: integer('width').notNull(),
    height: integer('height').notNull(),
    position: integer('position').notNull(),
    variants: jsonb('variants').$type<ReviewPhotoVariants>(),
    createdAt: createdAt(),
  },
  (t) => [index('review_photos_review').on(t.reviewId, t.position)],
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
  {
    id: id(),
    reviewId: uuid('review_id')
      .notNull()
      .references(() => reviews.id, { onDelete: 'cascade' }),
    reporterId: uuid('reporter_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    reason: text('reason', { enum: REVIEW_REPORT_REASONS }).notNull(),
    text: text('text'),
    resolvedAt: timestampMs('resolved_at'),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('review_reports_open')
      .on(t.reviewId, t.reporterId)
      .where(sql`${t.resolvedAt} is null`),
  ],
);

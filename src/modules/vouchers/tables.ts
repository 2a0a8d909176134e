import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  index,
  integer,
  pgTable,
  text,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { createdAt, id, timestampMs, timestamps } from '../../platform/db/columns.ts';
import { users } from '../identity/tables.ts';
import { shops } from '../shop/tables.ts';
import { VOUCHER_TYPES } from './vocabulary.ts';

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
    /**
     * Shown on `/vouchers/available`; an unlisted one applies only to buyers who type its code.
     * The default keeps the vouchers made before the column listed, as they were.
     */
    listed: boolean('listed').notNull().default(true),
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
    /** What it discounted: vouchers know the order by its id alone. */
    orderId: uuid('order_id').notNull(),
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

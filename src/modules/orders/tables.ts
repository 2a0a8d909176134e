import { sql } from 'drizzle-orm';
import {
  bigint,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { createdAt, id, timestampMs, timestamps } from '../../platform/db/columns.ts';
import { users } from '../identity/tables.ts';
import { products, productVariants, shops } from '../shop/tables.ts';
import { vouchers } from '../vouchers/tables.ts';
import { ORDER_STATUSES, PAYMENT_METHODS } from './vocabulary.ts';

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
    /** A `placed` order the shop has not confirmed by then is cancelled, its stock returned. */
    confirmBy: timestampMs('confirm_by'),
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
    index('orders_confirm_by').on(t.confirmBy).where(sql`${t.status} = 'placed'`),
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

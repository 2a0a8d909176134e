import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { Ctx } from '../../platform/core/context.ts';
import { publish } from '../../platform/events/events.ts';
import { orderPlaced } from './events.ts';
import {
  type AddressSnapshot,
  cartItems,
  checkouts,
  type OrderRow,
  orderHistory,
  orderItems,
  orders,
} from './tables.ts';
import type { OrderStatus, PaymentMethod } from './vocabulary.ts';

/**
 * Order rows as a checkout writes them: the orders module's part of the checkout workflow
 * (src/workflows/checkout.ts), which runs these in its transaction.
 */

/**
 * Where a payment method starts an order: cash on delivery is placed at once; an online method
 * will start at `pending_payment`, holding its stock for `paymentHoldMinutes` until paid.
 */
const START: Record<PaymentMethod, { status: OrderStatus; holdsStock: boolean }> = {
  cod: { status: 'placed', holdsStock: false },
};

export interface CartLine {
  id: string;
  variantId: string;
  quantity: number;
}

/** The buyer's cart lines, locked: a second checkout of the same cart waits, then finds it bought. */
export function lockCartLines(tx: Ctx, userId: string): Promise<CartLine[]> {
  return tx.db
    .select({ id: cartItems.id, variantId: cartItems.variantId, quantity: cartItems.quantity })
    .from(cartItems)
    .where(eq(cartItems.userId, userId))
    .orderBy(asc(cartItems.createdAt), asc(cartItems.id))
    .for('update');
}

/** Takes bought lines out of the cart: those given, or any of the variants given. */
export async function removeFromCart(
  tx: Ctx,
  userId: string,
  bought: { cartItemIds: string[] } | { variantIds: string[] },
): Promise<void> {
  await tx.db
    .delete(cartItems)
    .where(
      'cartItemIds' in bought
        ? inArray(cartItems.id, bought.cartItemIds)
        : and(eq(cartItems.userId, userId), inArray(cartItems.variantId, bought.variantIds)),
    );
}

/** The checkout the orders it splits into share. */
export async function openCheckout(
  tx: Ctx,
  buyerId: string,
  paymentMethod: PaymentMethod,
): Promise<string> {
  const [checkout] = await tx.db
    .insert(checkouts)
    .values({ buyerId, paymentMethod })
    .returning({ id: checkouts.id });
  if (!checkout) throw new Error('checkout insert returned nothing');
  return checkout.id;
}

export interface OrderItemInput {
  productId: string;
  variantId: string;
  title: string;
  sku: string;
  options: Record<string, string>;
  unitPrice: number;
  quantity: number;
  imageKey: string | null;
}

export interface NewOrder {
  checkoutId: string;
  shopId: string;
  buyerId: string;
  paymentMethod: PaymentMethod;
  currency: string;
  subtotal: number;
  shipping: number;
  shippingAddress: AddressSnapshot;
  items: readonly OrderItemInput[];
  now: Date;
}

/** When an order placed at `now` must be confirmed by its shop: ORDER_CONFIRM_HOURS later. */
export const confirmDeadline = (ctx: Ctx, now: Date) =>
  new Date(now.getTime() + ctx.config.orders.confirmHours * 3_600_000);

/**
 * What `buyerId` holds of each variant in open cash-on-delivery orders (placed, confirmed or
 * shipped): stock the shop keeps for them without payment, capped by checkout.
 */
export async function openCodQuantities(
  tx: Ctx,
  buyerId: string,
  variantIds: readonly string[],
): Promise<Map<string, number>> {
  if (variantIds.length === 0) return new Map();
  const rows = await tx.db
    .select({
      variantId: sql<string>`${orderItems.variantId}`,
      quantity: sql<number>`sum(${orderItems.quantity})::int`,
    })
    .from(orderItems)
    .innerJoin(orders, eq(orders.id, orderItems.orderId))
    .where(
      and(
        eq(orders.buyerId, buyerId),
        eq(orders.paymentMethod, 'cod'),
        inArray(orders.status, ['placed', 'confirmed', 'shipped']),
        inArray(orderItems.variantId, [...variantIds]),
      ),
    )
    .groupBy(orderItems.variantId);
  return new Map(rows.map((row) => [row.variantId, row.quantity]));
}

/**
 * One shop's order with its items and the first entry of its history, in the status its payment
 * method starts it at (a held order's hold running from `now`).
 */
export async function createOrder(tx: Ctx, order: NewOrder): Promise<OrderRow> {
  const start = START[order.paymentMethod];
  const holdExpiresAt = start.holdsStock
    ? new Date(order.now.getTime() + tx.config.orders.paymentHoldMinutes * 60_000)
    : null;
  const confirmBy = start.status === 'placed' ? confirmDeadline(tx, order.now) : null;
  const [row] = await tx.db
    .insert(orders)
    .values({
      checkoutId: order.checkoutId,
      shopId: order.shopId,
      buyerId: order.buyerId,
      status: start.status,
      paymentMethod: order.paymentMethod,
      currency: order.currency,
      subtotal: order.subtotal,
      shipping: order.shipping,
      total: order.subtotal + order.shipping,
      shippingAddress: order.shippingAddress,
      holdExpiresAt,
      confirmBy,
    })
    .returning();
  if (!row) throw new Error('order insert returned nothing');
  await tx.db.insert(orderItems).values(order.items.map((item) => ({ ...item, orderId: row.id })));
  await tx.db.insert(orderHistory).values({
    orderId: row.id,
    fromStatus: null,
    toStatus: start.status,
    actorId: order.buyerId,
    actorRole: 'buyer',
  });
  return row;
}

/** Takes a voucher's discount off the order's total. */
export async function applyDiscount(
  tx: Ctx,
  row: OrderRow,
  voucher: { voucherId: string; code: string; discount: number },
): Promise<OrderRow> {
  const [discounted] = await tx.db
    .update(orders)
    .set({
      discount: voucher.discount,
      total: row.subtotal + row.shipping - voucher.discount,
      voucherId: voucher.voucherId,
      voucherCode: voucher.code,
    })
    .where(eq(orders.id, row.id))
    .returning();
  if (!discounted) throw new Error('order update returned nothing');
  return discounted;
}

/** `order.placed`, in the checkout's transaction: the seller has something to confirm. */
export async function announceOrder(tx: Ctx, row: OrderRow): Promise<void> {
  await publish(tx, orderPlaced, {
    aggregateId: row.id,
    payload: {
      orderId: row.id,
      checkoutId: row.checkoutId,
      shopId: row.shopId,
      buyerId: row.buyerId,
      status: row.status,
      total: row.total,
    },
  });
}

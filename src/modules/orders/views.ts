import { asc, inArray } from 'drizzle-orm';
import type { z } from 'zod';
import { money } from '../../platform/core/money.ts';
import type { Executor } from '../../platform/db/client.ts';
import type { Storage } from '../../platform/storage/index.ts';
import type { Order } from './schemas.ts';
import { type OrderItemRow, type OrderRow, orderHistory, orderItems } from './tables.ts';

export type OrderView = z.infer<typeof Order>;

async function itemView(storage: Storage, item: OrderItemRow, currency: string) {
  return {
    id: item.id,
    productId: item.productId,
    variantId: item.variantId,
    title: item.title,
    sku: item.sku,
    options: item.options,
    unitPrice: money(item.unitPrice, currency),
    quantity: item.quantity,
    lineTotal: money(item.unitPrice * item.quantity, currency),
    imageUrl: item.imageKey ? await storage.url(item.imageKey) : null,
  };
}

/** Orders with their items and history, in the order given: three queries for any number. */
export async function orderViews(
  db: Executor,
  storage: Storage,
  rows: readonly OrderRow[],
): Promise<OrderView[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const [items, history] = await Promise.all([
    db
      .select()
      .from(orderItems)
      .where(inArray(orderItems.orderId, ids))
      .orderBy(asc(orderItems.id)),
    db
      .select()
      .from(orderHistory)
      .where(inArray(orderHistory.orderId, ids))
      .orderBy(asc(orderHistory.createdAt), asc(orderHistory.id)),
  ]);
  return Promise.all(
    rows.map(async (row) => ({
      id: row.id,
      checkoutId: row.checkoutId,
      shopId: row.shopId,
      buyerId: row.buyerId,
      status: row.status,
      paymentMethod: row.paymentMethod,
      items: await Promise.all(
        items
          .filter((item) => item.orderId === row.id)
          .map((item) => itemView(storage, item, row.currency)),
      ),
      subtotal: money(row.subtotal, row.currency),
      shipping: money(row.shipping, row.currency),
      discount: money(row.discount, row.currency),
      total: money(row.total, row.currency),
      voucherCode: row.voucherCode,
      shippingAddress: row.shippingAddress,
      carrier: row.carrier,
      trackingNumber: row.trackingNumber,
      cancelReason: row.cancelReason,
      holdExpiresAt: row.holdExpiresAt ? row.holdExpiresAt.toISOString() : null,
      history: history
        .filter((entry) => entry.orderId === row.id)
        .map((entry) => ({
          from: entry.fromStatus,
          to: entry.toStatus,
          by: entry.actorId,
          role: entry.actorRole,
          note: entry.note,
          at: entry.createdAt.toISOString(),
        })),
      createdAt: row.createdAt.toISOString(),
      updatedAt: row.updatedAt.toISOString(),
    })),
  );
}

export async function orderView(db: Executor, storage: Storage, row: OrderRow): Promise<OrderView> {
  const [view] = await orderViews(db, storage, [row]);
  if (!view) throw new Error(`no view of order ${row.id}`);
  return view;
}

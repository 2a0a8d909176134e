import { eq } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import type { TestApp } from '../../../test/harness.ts';
import { takeStock } from '../shop/index.ts';
import { productVariants, type ShopRow, type VariantRow } from '../shop/tables.ts';
import {
  type AddressSnapshot,
  checkouts,
  type OrderRow,
  orderHistory,
  orderItems,
  orders,
} from './tables.ts';
import type { OrderStatus } from './vocabulary.ts';

/**
 * Orders straight in the database, in any status, for tests of what happens to them after
 * checkout (moves, lists, expiry). The stock their items took is taken, as checkout takes it,
 * so a cancellation's return shows.
 */

export const TEST_ADDRESS: AddressSnapshot = {
  label: 'Home',
  recipient: 'Test Buyer',
  phone: '+251911000000',
  line1: 'Bole Road 1',
  line2: null,
  city: 'Addis Ababa',
  region: null,
  postalCode: null,
  countryCode: 'ET',
  lat: null,
  lng: null,
};

export interface OrderLine {
  variant: VariantRow;
  quantity: number;
}

export interface OrderOverrides {
  status?: OrderStatus;
  /** What was bought: the stock is taken as checkout takes it. */
  lines: OrderLine[];
  /** For `pending_payment`: a minute from now unless given. */
  holdExpiresAt?: Date | null;
  createdAt?: Date;
  shipping?: number;
  voucherId?: string | null;
}

/** An order of `buyerId` from `shop`, in `status` (placed unless told otherwise). */
export async function insertOrder(
  t: TestApp,
  buyerId: string,
  shop: ShopRow,
  overrides: OrderOverrides,
): Promise<OrderRow> {
  const status = overrides.status ?? 'placed';
  const createdAt = overrides.createdAt ?? new Date();
  const shipping = overrides.shipping ?? 0;
  const subtotal = overrides.lines.reduce((sum, l) => sum + l.variant.priceAmount * l.quantity, 0);
  return t.database.db.transaction(async (db) => {
    const short = await takeStock(
      db,
      overrides.lines.map((l) => ({ variantId: l.variant.id, quantity: l.quantity })),
    );
    if (short.length > 0) throw new Error(`insertOrder: not enough stock ${JSON.stringify(short)}`);
    const [checkout] = await db
      .insert(checkouts)
      .values({ buyerId, paymentMethod: 'cod', createdAt })
      .returning();
    if (!checkout) throw new Error('insertOrder inserted no checkout');
    const [order] = await db
      .insert(orders)
      .values({
        id: uuidv7({ msecs: createdAt.getTime() }),
        checkoutId: checkout.id,
        shopId: shop.id,
        buyerId,
        status,
        paymentMethod: 'cod',
        currency: shop.currency,
        subtotal,
        shipping,
        discount: 0,
        total: subtotal + shipping,
        shippingAddress: TEST_ADDRESS,
        voucherId: overrides.voucherId ?? null,
        holdExpiresAt:
          status === 'pending_payment'
            ? overrides.holdExpiresAt === undefined
              ? new Date(Date.now() + 60_000)
              : overrides.holdExpiresAt
            : null,
        createdAt,
        updatedAt: createdAt,
      })
      .returning();
    if (!order) throw new Error('insertOrder inserted no order');
    if (overrides.lines.length > 0) {
      await db.insert(orderItems).values(
        overrides.lines.map((l) => ({
          orderId: order.id,
          productId: l.variant.productId,
          variantId: l.variant.id,
          title: `Product of ${l.variant.sku}`,
          sku: l.variant.sku,
          options: l.variant.options,
          unitPrice: l.variant.priceAmount,
          quantity: l.quantity,
        })),
      );
    }
    await db.insert(orderHistory).values({
      orderId: order.id,
      fromStatus: null,
      toStatus: status,
      actorId: buyerId,
      actorRole: 'buyer',
      createdAt,
    });
    return order;
  });
}

/** A variant's stock now. */
export async function stockOf(t: TestApp, variantId: string): Promise<number> {
  const [row] = await t.database.db
    .select({ stock: productVariants.stock })
    .from(productVariants)
    .where(eq(productVariants.id, variantId));
  if (!row) throw new Error(`no variant ${variantId}`);
  return row.stock;
}

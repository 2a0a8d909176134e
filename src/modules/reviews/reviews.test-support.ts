import { eq } from 'drizzle-orm';
import type { TestApp } from '../../../test/harness.ts';
import { insertOrder } from '../orders/lifecycle.test-support.ts';
import { type OrderItemRow, orderItems } from '../orders/tables.ts';
import type { OrderStatus } from '../orders/vocabulary.ts';
import type { MadeProduct, Seller } from '../shop/shop.test-support.ts';

/**
 * An order of one unit of the product straight in the database, in the status a review test
 * needs, so the reviews tests do not depend on checkout and the order lifecycle.
 */
export async function createOrder(
  t: TestApp,
  buyerId: string,
  seller: Seller,
  made: MadeProduct,
  status: OrderStatus = 'delivered',
): Promise<{ orderId: string; item: OrderItemRow }> {
  const [variant] = made.variants;
  if (!variant) throw new Error('createOrder needs a product with a variant');
  const order = await insertOrder(t, buyerId, seller.shop, {
    status,
    lines: [{ variant, quantity: 1 }],
  });
  const [item] = await t.database.db
    .select()
    .from(orderItems)
    .where(eq(orderItems.orderId, order.id));
  if (!item) throw new Error('createOrder made no item');
  return { orderId: order.id, item };
}

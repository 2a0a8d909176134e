import { eq, sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { signedInUser } from '../../../test/factories.ts';
import { createTestApp, expectProblem, problemOf } from '../../../test/harness.ts';
import { placeOrder, stockedProduct, withAddress } from '../orders/orders.test-support.ts';
import { orders } from '../orders/tables.ts';
import { createSeller } from '../shop/shop.test-support.ts';
import { createOrder } from './reviews.test-support.ts';

/**
 * "Verified purchase" means someone paid the shop for the goods: a seller cannot buy from
 * their own shop, nor review what it sells, and an order that paid nothing verifies nothing.
 */
const t = await createTestApp();
afterAll(() => t.close());

const review = (headers: Record<string, string>, orderItemId: string) =>
  t.json('POST', '/api/v1/reviews', { orderItemId, rating: 5, text: 'Works great.' }, headers);

/** Makes the order's goods cost `paid` after its voucher: the rest is discount. */
async function discountTo(orderId: string, paid: number) {
  await t.database.db
    .update(orders)
    .set({
      discount: sql`${orders.subtotal} - ${paid}`,
      total: sql`${orders.shipping} + ${paid}`,
    })
    .where(eq(orders.id, orderId));
}

describe('a seller buying from their own shop', () => {
  it('cannot put its products in a cart', async () => {
    const seller = await createSeller(t);
    const made = await stockedProduct(t, seller.shop);
    const variantId = made.variants[0]?.id;
    const res = await t.json(
      'POST',
      '/api/v1/cart/items',
      { variantId, quantity: 1 },
      seller.headers,
    );
    expect(res.status).toBe(422);
    const problem = await problemOf(res);
    expect(problem.code).toBe('own-shop');
    expect(problem.errors?.map((e) => e.path)).toEqual(['body.variantId']);
  });

  it('cannot check them out, and orders nothing', async () => {
    const seller = await createSeller(t);
    const made = await stockedProduct(t, seller.shop);
    const res = await placeOrder(t, await withAddress(t, seller), {
      items: [{ variantId: made.variants[0]?.id as string, quantity: 1 }],
    });
    expect(res.status).toBe(409);
    const problem = await problemOf(res);
    expect(problem.code).toBe('checkout-unavailable');
    expect(problem.errors).toEqual([{ path: 'body.items.0', message: 'own-shop' }]);
    const mine = await t.database.db.select().from(orders).where(eq(orders.shopId, seller.shop.id));
    expect(mine).toEqual([]);
  });
});

describe('reviews', () => {
  it('are refused to the shop’s owner, even for an order made before the rule', async () => {
    const seller = await createSeller(t);
    const made = await stockedProduct(t, seller.shop);
    const { item } = await createOrder(t, seller.user.id, seller, made);
    await expectProblem(await review(seller.headers, item.id), 403, 'own-shop');
  });

  it('are refused for an order whose voucher paid for all its goods', async () => {
    const seller = await createSeller(t);
    const made = await stockedProduct(t, seller.shop);
    const buyer = await signedInUser(t);
    const { orderId, item } = await createOrder(t, buyer.user.id, seller, made);
    await discountTo(orderId, 0);
    const res = await review(buyer.headers, item.id);
    expect(res.status).toBe(422);
    const problem = await problemOf(res);
    expect(problem.code).toBe('not-eligible');
    expect(problem.errors?.map((e) => e.path)).toEqual(['body.orderItemId']);
  });

  it('are taken for an order that paid one minor unit for its goods', async () => {
    const seller = await createSeller(t);
    const made = await stockedProduct(t, seller.shop);
    const buyer = await signedInUser(t);
    const { orderId, item } = await createOrder(t, buyer.user.id, seller, made);
    await discountTo(orderId, 1);
    expect((await review(buyer.headers, item.id)).status).toBe(201);
  });
});

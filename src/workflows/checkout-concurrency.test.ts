import { count, eq } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestApp, problemOf } from '../../test/harness.ts';
import { createBuyer, placeOrder, stockedVariant } from '../modules/orders/orders.test-support.ts';
import { orderItems, orders } from '../modules/orders/tables.ts';
import { createSeller } from '../modules/shop/shop.test-support.ts';
import { productVariants } from '../modules/shop/tables.ts';

/**
 * Checkouts racing each other on a real PostgreSQL (PGlite runs one statement at a time, so
 * only a server can interleave them): stock never goes below zero nor sells twice, and one
 * Idempotency-Key never makes two orders.
 */

const t = await createTestApp();
afterAll(() => t.close());

const db = t.database.db;

async function stockOf(variantId: string): Promise<number> {
  const [row] = await db
    .select({ stock: productVariants.stock })
    .from(productVariants)
    .where(eq(productVariants.id, variantId));
  return row?.stock ?? -1;
}

describe.runIf(process.env.TEST_DATABASE_URL)('checkouts at once (PostgreSQL)', () => {
  it('sells a variant with stock 10 to exactly 10 of 50 buyers; the others get 409', async () => {
    const seller = await createSeller(t);
    const made = await stockedVariant(t, seller.shop, { stock: 10 });
    const variantId = made.variant.id;
    const buyers = await Promise.all(Array.from({ length: 50 }, () => createBuyer(t)));

    const responses = await Promise.all(
      buyers.map((buyer) => placeOrder(t, buyer, { items: [{ variantId, quantity: 1 }] })),
    );

    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(10);
    expect(statuses.filter((s) => s === 409)).toHaveLength(40);
    for (const res of responses.filter((r) => r.status === 409)) {
      const problem = await problemOf(res);
      expect(problem.code).toBe('checkout-unavailable');
      expect(problem.errors).toEqual([
        { path: 'body.items.0', message: expect.stringMatching(/^out-of-stock/) },
      ]);
    }
    expect(await stockOf(variantId)).toBe(0);
    const [sold] = await db
      .select({ orders: count() })
      .from(orderItems)
      .where(eq(orderItems.variantId, variantId));
    expect(sold?.orders).toBe(10);
    const [placed] = await db
      .select({ n: count() })
      .from(orders)
      .where(eq(orders.shopId, seller.shop.id));
    expect(placed?.n).toBe(10);
  });

  it('answers the same Idempotency-Key sent 5 times at once with one order', async () => {
    const seller = await createSeller(t);
    const made = await stockedVariant(t, seller.shop, { stock: 10 });
    const variantId = made.variant.id;
    const buyer = await createBuyer(t);

    const responses = await Promise.all(
      Array.from({ length: 5 }, () =>
        placeOrder(
          t,
          buyer,
          { items: [{ variantId, quantity: 2 }] },
          { 'Idempotency-Key': 'twice-clicked' },
        ),
      ),
    );

    expect(responses.map((r) => r.status)).toEqual([201, 201, 201, 201, 201]);
    const bodies = await Promise.all(responses.map((r) => r.json()));
    for (const body of bodies) expect(body).toEqual(bodies[0]);
    const [placed] = await db
      .select({ n: count() })
      .from(orders)
      .where(eq(orders.buyerId, buyer.user.id));
    expect(placed?.n).toBe(1);
    expect(await stockOf(variantId)).toBe(8);
  });
});

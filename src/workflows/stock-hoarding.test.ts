import { and, eq, inArray, sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { signedInUser } from '../../test/factories.ts';
import { createTestApp, problemOf } from '../../test/harness.ts';
import { stockOf } from '../modules/orders/lifecycle.test-support.ts';
import {
  type Buyer,
  checkoutOk,
  createBuyer,
  placeOrder,
  putInCart,
  stockedVariant,
  withAddress,
} from '../modules/orders/orders.test-support.ts';
import { orderItems, orders } from '../modules/orders/tables.ts';
import { createSeller } from '../modules/shop/shop.test-support.ts';
import type { CheckoutResult } from './checkout.ts';
import { cancelUnconfirmedOrders } from './order-moves.ts';

/**
 * Cash on delivery takes stock without taking money: one account must not be able to hold a
 * product's whole stock with orders nobody will pay for. The buyer proves a phone, holds at
 * most ORDER_MAX_QUANTITY of a variant in open COD orders, checks out a bounded number of times,
 * and an order the shop never confirms gives its stock back.
 */
const CAP = 5;
const t = await createTestApp({
  env: { ORDER_MAX_QUANTITY: String(CAP), ORDER_CONFIRM_HOURS: '48' },
});
afterAll(() => t.close());

const HOUR_MS = 3_600_000;

async function openCodHeld(buyerId: string, variantId: string): Promise<number> {
  const [row] = await t.database.db
    .select({ n: sql<number>`coalesce(sum(${orderItems.quantity}), 0)::int` })
    .from(orderItems)
    .innerJoin(orders, eq(orders.id, orderItems.orderId))
    .where(
      and(
        eq(orders.buyerId, buyerId),
        eq(orderItems.variantId, variantId),
        inArray(orders.status, ['placed', 'confirmed', 'shipped']),
      ),
    );
  return row?.n ?? 0;
}

describe('cash on delivery', () => {
  it('needs a verified phone, naming the payment method, and orders nothing', async () => {
    const seller = await createSeller(t);
    const { variant } = await stockedVariant(t, seller.shop, { stock: 10 });
    const noPhone = await signedInUser(t);
    const res = await placeOrder(t, await withAddress(t, noPhone), {
      items: [{ variantId: variant.id, quantity: 1 }],
    });
    expect(res.status).toBe(422);
    const problem = await problemOf(res);
    expect(problem.code).toBe('phone-unverified');
    expect(problem.errors?.map((e) => e.path)).toEqual(['body.paymentMethod']);
    expect(await stockOf(t, variant.id)).toBe(10);
  });

  it(`holds at most ${CAP} of a variant across open orders: ${CAP} taken, one more refused`, async () => {
    const seller = await createSeller(t);
    const { variant } = await stockedVariant(t, seller.shop, { stock: 50 });
    const buyer = await createBuyer(t);
    await checkoutOk(t, buyer, { items: [{ variantId: variant.id, quantity: 3 }] });
    await checkoutOk(t, buyer, { items: [{ variantId: variant.id, quantity: CAP - 3 }] });
    expect(await openCodHeld(buyer.user.id, variant.id)).toBe(CAP);

    const over = await placeOrder(t, buyer, { items: [{ variantId: variant.id, quantity: 1 }] });
    expect(over.status).toBe(409);
    const problem = await problemOf(over);
    expect(problem.code).toBe('cod-limit');
    expect(problem.errors).toEqual([
      { path: 'body.items.0', message: `cod-limit: ${CAP} held in open orders, ${CAP} at most` },
    ]);
    expect(await stockOf(t, variant.id)).toBe(50 - CAP);
  });

  it('applies the same bound to a checkout of the cart', async () => {
    const seller = await createSeller(t);
    const { variant } = await stockedVariant(t, seller.shop, { stock: 50 });
    const buyer = await createBuyer(t);
    await checkoutOk(t, buyer, { items: [{ variantId: variant.id, quantity: CAP - 1 }] });
    await putInCart(t, buyer.user.id, variant.id, 2);
    const over = await placeOrder(t, buyer);
    expect(over.status).toBe(409);
    expect((await problemOf(over)).errors?.map((e) => e.path)).toEqual([`cart.${variant.id}`]);
    await t.json(
      'PATCH',
      `/api/v1/cart/items/${await cartLineId(buyer)}`,
      { quantity: 1 },
      buyer.headers,
    );
    await checkoutOk(t, buyer);
    expect(await openCodHeld(buyer.user.id, variant.id)).toBe(CAP);
  });

  it('counts only open orders: a cancelled one frees its quantity', async () => {
    const seller = await createSeller(t);
    const { variant } = await stockedVariant(t, seller.shop, { stock: 50 });
    const buyer = await createBuyer(t);
    const first = await checkoutOk(t, buyer, { items: [{ variantId: variant.id, quantity: CAP }] });
    const orderId = first.orders[0]?.id;
    const cancelled = await t.json(
      'POST',
      `/api/v1/orders/${orderId}/cancel`,
      { reason: 'Ordered by mistake.' },
      buyer.headers,
    );
    expect(cancelled.status, await cancelled.clone().text()).toBe(200);
    await checkoutOk(t, buyer, { items: [{ variantId: variant.id, quantity: CAP }] });
  });
});

async function cartLineId(buyer: Buyer): Promise<string> {
  const cart = await (await t.request('/api/v1/cart', { headers: buyer.headers })).json();
  return cart.shops[0].items[0].id;
}

describe('an order the shop never confirms', () => {
  it(`is cancelled ${48} hours after it was placed, not a moment before, its stock back once`, async () => {
    const seller = await createSeller(t);
    const { variant } = await stockedVariant(t, seller.shop, { stock: 10 });
    const buyer = await createBuyer(t);
    const placedAt = Date.now();
    const result: CheckoutResult = await checkoutOk(t, buyer, {
      items: [{ variantId: variant.id, quantity: 2 }],
    });
    const orderId = result.orders[0]?.id as string;
    expect(await stockOf(t, variant.id)).toBe(8);
    const [row] = await t.database.db.select().from(orders).where(eq(orders.id, orderId));
    const deadline = row?.confirmBy?.getTime() as number;
    expect(deadline - placedAt).toBeGreaterThanOrEqual(48 * HOUR_MS - 1000);
    expect(deadline - placedAt).toBeLessThanOrEqual(48 * HOUR_MS + 5000);

    await cancelUnconfirmedOrders(t.ctx(), new Date(deadline - 1));
    const [before] = await t.database.db.select().from(orders).where(eq(orders.id, orderId));
    expect(before?.status).toBe('placed');

    await cancelUnconfirmedOrders(t.ctx(), new Date(deadline));
    await cancelUnconfirmedOrders(t.ctx(), new Date(deadline + HOUR_MS));
    const [after] = await t.database.db.select().from(orders).where(eq(orders.id, orderId));
    expect(after).toMatchObject({
      status: 'cancelled',
      cancelReason: 'The shop did not confirm the order in time.',
    });
    expect(await stockOf(t, variant.id)).toBe(10);
  });

  it('is kept once the shop confirmed it', async () => {
    const seller = await createSeller(t);
    const { variant } = await stockedVariant(t, seller.shop, { stock: 10 });
    const buyer = await createBuyer(t);
    const result = await checkoutOk(t, buyer, { items: [{ variantId: variant.id, quantity: 1 }] });
    const orderId = result.orders[0]?.id as string;
    const confirmed = await t.json(
      'POST',
      `/api/v1/seller/orders/${orderId}/status`,
      { status: 'confirmed' },
      seller.headers,
    );
    expect(confirmed.status, await confirmed.clone().text()).toBe(200);
    await cancelUnconfirmedOrders(t.ctx(), new Date(Date.now() + 100 * HOUR_MS));
    const [row] = await t.database.db.select().from(orders).where(eq(orders.id, orderId));
    expect(row).toMatchObject({ status: 'confirmed', confirmBy: null });
  });
});

describe('checkouts per user', () => {
  it('stop at 20 an hour', async () => {
    const seller = await createSeller(t);
    const buyer = await createBuyer(t);
    const { variant } = await stockedVariant(t, seller.shop, { stock: 100 });
    const others = await Promise.all(
      Array.from({ length: 4 }, () => stockedVariant(t, seller.shop, { stock: 100 })),
    );
    const variants = [variant, ...others.map((o) => o.variant)];
    for (let i = 0; i < 20; i++) {
      const res = await placeOrder(t, buyer, {
        items: [{ variantId: variants[i % variants.length]?.id as string, quantity: 1 }],
      });
      expect(res.status, await res.clone().text()).toBe(201);
    }
    const refused = await placeOrder(t, buyer, { items: [{ variantId: variant.id, quantity: 1 }] });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
  });
});

describe.runIf(process.env.TEST_DATABASE_URL)(
  'concurrent COD checkouts of one buyer (PostgreSQL)',
  () => {
    it(`never hold more than ${CAP} of a variant between them`, async () => {
      const seller = await createSeller(t);
      const { variant } = await stockedVariant(t, seller.shop, { stock: 100 });
      const buyer = await createBuyer(t);
      const answers = await Promise.all(
        Array.from({ length: 12 }, () =>
          placeOrder(t, buyer, { items: [{ variantId: variant.id, quantity: 1 }] }),
        ),
      );
      const statuses = answers.map((res) => res.status).sort();
      expect(statuses.filter((s) => s === 201)).toHaveLength(CAP);
      expect(statuses.filter((s) => s === 409)).toHaveLength(12 - CAP);
      expect(await openCodHeld(buyer.user.id, variant.id)).toBe(CAP);
      expect(await stockOf(t, variant.id)).toBe(100 - CAP);
    });
  },
);

import { and, count, eq, inArray } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestApp, expectInvalid, expectProblem, ok } from '../../test/harness.ts';
import { securityCases } from '../../test/security.ts';
import {
  type Buyer,
  checkoutOk,
  createBuyer,
  placeOrder,
  putInCart,
  stockedVariant,
} from '../modules/orders/orders.test-support.ts';
import { cartItems, orderHistory, orders } from '../modules/orders/tables.ts';
import { orderViews } from '../modules/orders/views.ts';
import { createSeller } from '../modules/shop/shop.test-support.ts';
import { products, productVariants, shops } from '../modules/shop/tables.ts';
import { voucherRedemptions, vouchers } from '../modules/vouchers/tables.ts';
import { outboxEvents } from '../platform/events/tables.ts';
import type { CheckoutResult } from './checkout.ts';

const t = await createTestApp();
afterAll(() => t.close());

const db = t.database.db;
const ID = '0190a000-0000-7000-8000-000000000000';
const etb = (amount: number) => ({ amount, currency: 'ETB' });

async function stockOf(variantId: string): Promise<number> {
  const [row] = await db
    .select({ stock: productVariants.stock })
    .from(productVariants)
    .where(eq(productVariants.id, variantId));
  return row?.stock ?? -1;
}

async function ordersOf(buyer: Buyer) {
  return db.select().from(orders).where(eq(orders.buyerId, buyer.user.id));
}

async function cartOf(buyer: Buyer) {
  return db
    .select({ variantId: cartItems.variantId, quantity: cartItems.quantity })
    .from(cartItems)
    .where(eq(cartItems.userId, buyer.user.id));
}

describe('POST /orders from the cart', () => {
  it('refuses what the cart calls unavailable: a line of a shop no longer active', async () => {
    const seller = await createSeller(t);
    const { variant } = await stockedVariant(t, seller.shop, { stock: 5 });
    const buyer = await createBuyer(t);
    await putInCart(t, buyer.user.id, variant.id, 1);
    await db.update(shops).set({ status: 'suspended' }).where(eq(shops.id, seller.shop.id));
    const cart = await ok<{ shops: { items: { availability: string }[] }[] }>(
      await t.request('/api/v1/cart', { headers: buyer.headers }),
    );
    expect(cart.shops[0]?.items[0]?.availability).toBe('unavailable');
    const problem = await expectProblem(await placeOrder(t, buyer), 409, 'checkout-unavailable');
    expect(problem.errors).toEqual([{ path: `cart.${variant.id}`, message: 'not-on-sale' }]);
    expect(await stockOf(variant.id)).toBe(5);
  });

  it('ships free from the threshold on, not below it, as the cart says', async () => {
    const seller = await createSeller(t, { shippingFlatFee: 4_000, shippingFreeOver: 75_000 });
    const { variant } = await stockedVariant(t, seller.shop, { price: 25_000, stock: 10 });
    const below = await createBuyer(t);
    await putInCart(t, below.user.id, variant.id, 2);
    const [under] = (await checkoutOk(t, below)).orders;
    expect(under).toMatchObject({
      subtotal: etb(50_000),
      shipping: etb(4_000),
      total: etb(54_000),
    });
    const at = await createBuyer(t);
    await putInCart(t, at.user.id, variant.id, 3);
    const [free] = (await checkoutOk(t, at)).orders;
    expect(free).toMatchObject({ subtotal: etb(75_000), shipping: etb(0), total: etb(75_000) });
    const bought = await checkoutOk(t, below, { items: [{ variantId: variant.id, quantity: 3 }] });
    expect(bought.orders[0]?.shipping).toEqual(etb(0));
    const { variant: almost } = await stockedVariant(t, seller.shop, { price: 74_999 });
    const short = await checkoutOk(t, below, { items: [{ variantId: almost.id, quantity: 1 }] });
    expect(short.orders[0]).toMatchObject({ shipping: etb(4_000), total: etb(78_999) });
  });

  it('splits a multi-shop cart into one order per shop with each shop’s shipping', async () => {
    const paid = await createSeller(t, { shippingFlatFee: 5_000, shippingFreeOver: 100_000 });
    const flat = await createSeller(t, { shippingFlatFee: 3_000 });
    const free = await createSeller(t, { shippingFlatFee: 4_000, shippingFreeOver: 20_000 });
    const lamp = await stockedVariant(t, paid.shop, {
      sku: 'LAMP-1',
      price: 30_000,
      stock: 5,
      options: { color: 'red' },
    });
    const cup = await stockedVariant(t, flat.shop, { price: 15_000, stock: 2 });
    const spoon = await stockedVariant(t, flat.shop, { price: 2_500, stock: 10 });
    const rug = await stockedVariant(t, free.shop, { price: 25_000, stock: 1 });
    const buyer = await createBuyer(t);
    await putInCart(t, buyer.user.id, lamp.variant.id, 2);
    await putInCart(t, buyer.user.id, cup.variant.id, 1);
    await putInCart(t, buyer.user.id, spoon.variant.id, 2);
    await putInCart(t, buyer.user.id, rug.variant.id, 1);

    const result = await checkoutOk(t, buyer);

    expect(result.orders).toHaveLength(3);
    const byShop = new Map(result.orders.map((o) => [o.shopId, o]));
    const lampOrder = byShop.get(paid.shop.id);
    if (!lampOrder) throw new Error('no order from the lamp shop');
    expect(lampOrder).toMatchObject({
      checkoutId: result.checkoutId,
      buyerId: buyer.user.id,
      status: 'placed',
      paymentMethod: 'cod',
      subtotal: etb(60_000),
      shipping: etb(5_000),
      discount: etb(0),
      total: etb(65_000),
      voucherCode: null,
      holdExpiresAt: null,
    });
    expect(lampOrder.items).toEqual([
      expect.objectContaining({
        productId: lamp.product.id,
        variantId: lamp.variant.id,
        title: lamp.product.title,
        sku: 'LAMP-1',
        options: { color: 'red' },
        unitPrice: etb(30_000),
        quantity: 2,
        lineTotal: etb(60_000),
        imageUrl: null,
      }),
    ]);
    expect(byShop.get(flat.shop.id)).toMatchObject({
      subtotal: etb(20_000),
      shipping: etb(3_000),
      total: etb(23_000),
    });
    expect(
      byShop
        .get(flat.shop.id)
        ?.items.map((i) => i.quantity)
        .sort(),
    ).toEqual([1, 2]);
    // 25000 is over the 20000 threshold: shipping is free.
    expect(byShop.get(free.shop.id)).toMatchObject({
      subtotal: etb(25_000),
      shipping: etb(0),
      total: etb(25_000),
    });
    for (const order of result.orders) {
      expect(order.shippingAddress).toEqual({
        label: 'Home',
        recipient: 'Abebe Kebede',
        phone: '+251911234567',
        line1: 'Bole Road, House 12',
        line2: null,
        city: 'Addis Ababa',
        region: null,
        postalCode: null,
        countryCode: 'ET',
        lat: null,
        lng: null,
      });
      expect(order.history).toEqual([
        expect.objectContaining({ from: null, to: 'placed', by: buyer.user.id, role: 'buyer' }),
      ]);
    }

    expect(await cartOf(buyer)).toEqual([]);
    expect(await stockOf(lamp.variant.id)).toBe(3);
    expect(await stockOf(cup.variant.id)).toBe(1);
    expect(await stockOf(spoon.variant.id)).toBe(8);
    expect(await stockOf(rug.variant.id)).toBe(0);

    const events = await db
      .select()
      .from(outboxEvents)
      .where(
        inArray(
          outboxEvents.aggregateId,
          result.orders.map((o) => o.id),
        ),
      );
    expect(events.map((e) => e.name)).toEqual(['order.placed', 'order.placed', 'order.placed']);
    expect(events.find((e) => e.aggregateId === lampOrder.id)?.payload).toEqual({
      orderId: lampOrder.id,
      checkoutId: result.checkoutId,
      shopId: paid.shop.id,
      buyerId: buyer.user.id,
      status: 'placed',
      total: 65_000,
    });
    const [history] = await db
      .select({ n: count() })
      .from(orderHistory)
      .where(eq(orderHistory.orderId, lampOrder.id));
    expect(history?.n).toBe(1);
  });

  it('keeps the order’s snapshot when the seller edits the product and variant afterwards', async () => {
    const seller = await createSeller(t);
    const made = await stockedVariant(t, seller.shop, { sku: 'OLD-SKU', price: 8_000, stock: 4 });
    const { variant } = made;
    const buyer = await createBuyer(t);
    await putInCart(t, buyer.user.id, variant.id, 1);
    const placed = await checkoutOk(t, buyer);

    await ok(
      await t.json(
        'PATCH',
        `/api/v1/seller/products/${made.product.id}/variants/${variant.id}`,
        { sku: 'NEW-SKU', price: etb(9_500) },
        seller.headers,
      ),
    );
    await ok(
      await t.json(
        'PATCH',
        `/api/v1/seller/products/${made.product.id}`,
        { title: 'A renamed product' },
        seller.headers,
      ),
    );

    const rows = await db.select().from(orders).where(eq(orders.checkoutId, placed.checkoutId));
    const [now] = await orderViews(db, t.services.storage, rows);
    expect(now?.items[0]).toMatchObject({
      title: made.product.title,
      sku: 'OLD-SKU',
      unitPrice: etb(8_000),
    });
    expect(now?.total).toEqual(etb(8_000));
  });

  it('waits on the cart: a second checkout of the same cart finds nothing left to buy', async () => {
    const seller = await createSeller(t);
    const made = await stockedVariant(t, seller.shop, { stock: 5 });
    const buyer = await createBuyer(t);
    await putInCart(t, buyer.user.id, made.variant.id, 1);
    await checkoutOk(t, buyer);
    await expectProblem(await placeOrder(t, buyer), 422, 'empty-checkout');
    expect(await ordersOf(buyer)).toHaveLength(1);
  });
});

describe('POST /orders with items', () => {
  it('buys the items given, merging repeats, and removes only those variants from the cart', async () => {
    const seller = await createSeller(t, { shippingFlatFee: 1_000 });
    const made = await stockedVariant(t, seller.shop, { price: 4_000, stock: 10, options: {} });
    const other = await stockedVariant(t, seller.shop, { price: 1_000, stock: 10 });
    const bought = made.variant;
    const kept = other.variant;
    const buyer = await createBuyer(t);
    await putInCart(t, buyer.user.id, bought.id, 1);
    await putInCart(t, buyer.user.id, kept.id, 3);

    const result = await checkoutOk(t, buyer, {
      items: [
        { variantId: bought.id, quantity: 2 },
        { variantId: bought.id, quantity: 1 },
      ],
    });

    expect(result.orders).toHaveLength(1);
    expect(result.orders[0]?.items).toEqual([
      expect.objectContaining({ variantId: bought.id, quantity: 3 }),
    ]);
    expect(result.orders[0]).toMatchObject({
      subtotal: etb(12_000),
      shipping: etb(1_000),
      total: etb(13_000),
    });
    expect(await stockOf(bought.id)).toBe(7);
    expect(await stockOf(kept.id)).toBe(10);
    expect(await cartOf(buyer)).toEqual([{ variantId: kept.id, quantity: 3 }]);
  });
});

describe('POST /orders refusals', () => {
  it('names every line that cannot be bought, in one 409, and creates nothing', async () => {
    const seller = await createSeller(t);
    const good = await stockedVariant(t, seller.shop, { stock: 5 });
    const scarce = await stockedVariant(t, seller.shop, { stock: 1 });
    const draft = await stockedVariant(t, seller.shop, { stock: 5 });
    await db.update(products).set({ status: 'draft' }).where(eq(products.id, draft.product.id));
    const suspended = await createSeller(t, { status: 'suspended' });
    const closed = await stockedVariant(t, suspended.shop, { stock: 5 });
    const buyer = await createBuyer(t);
    await putInCart(t, buyer.user.id, good.variant.id, 1);

    const problem = await expectProblem(
      await placeOrder(t, buyer, {
        items: [
          { variantId: good.variant.id, quantity: 2 },
          { variantId: ID, quantity: 1 },
          { variantId: draft.variant.id, quantity: 1 },
          { variantId: scarce.variant.id, quantity: 3 },
          { variantId: closed.variant.id, quantity: 1 },
        ],
      }),
      409,
      'checkout-unavailable',
    );
    expect(problem.errors).toEqual([
      { path: 'body.items.1', message: 'not-found' },
      { path: 'body.items.2', message: 'not-on-sale' },
      { path: 'body.items.3', message: 'out-of-stock: 1 available' },
      { path: 'body.items.4', message: 'not-on-sale' },
    ]);
    expect(await ordersOf(buyer)).toEqual([]);
    expect(await stockOf(good.variant.id)).toBe(5);
    expect(await cartOf(buyer)).toHaveLength(1);
  });

  it('names a cart line by its variant', async () => {
    const seller = await createSeller(t);
    const scarce = await stockedVariant(t, seller.shop, { stock: 2 });
    const buyer = await createBuyer(t);
    await putInCart(t, buyer.user.id, scarce.variant.id, 3);
    await expectProblem(await placeOrder(t, buyer), 409, 'checkout-unavailable', [
      `cart.${scarce.variant.id}`,
    ]);
    expect(await cartOf(buyer)).toHaveLength(1);
    expect(await stockOf(scarce.variant.id)).toBe(2);
  });

  it('refuses another user’s address', async () => {
    const seller = await createSeller(t);
    const made = await stockedVariant(t, seller.shop);
    const buyer = await createBuyer(t);
    const someoneElse = await createBuyer(t);
    await expectProblem(
      await placeOrder(t, buyer, {
        addressId: someoneElse.address.id,
        items: [{ variantId: made.variant.id, quantity: 1 }],
      }),
      422,
      'unknown-address',
      ['body.addressId'],
    );
    expect(await ordersOf(buyer)).toEqual([]);
  });

  it('refuses an empty cart and an empty item list', async () => {
    const buyer = await createBuyer(t);
    await expectProblem(await placeOrder(t, buyer), 422, 'empty-checkout');
    await expectProblem(await placeOrder(t, buyer, { items: [] }), 422, 'empty-checkout');
  });

  it('refuses a voucher for a shop the checkout does not buy from', async () => {
    const seller = await createSeller(t);
    const made = await stockedVariant(t, seller.shop);
    const buyer = await createBuyer(t);
    await expectProblem(
      await placeOrder(t, buyer, {
        items: [{ variantId: made.variant.id, quantity: 1 }],
        vouchers: { [ID]: 'SAVE10' },
      }),
      422,
      'voucher-shop-not-in-checkout',
      [`body.vouchers.${ID}`],
    );
    expect(await stockOf(made.variant.id)).toBe(5);
  });

  it('names every malformed field', async () => {
    const buyer = await createBuyer(t);
    await expectInvalid(
      await t.json(
        'POST',
        '/api/v1/orders',
        {
          addressId: 'home',
          paymentMethod: 'card',
          items: [{ variantId: 'x', quantity: 0 }, { variantId: ID }],
          tip: 5,
        },
        buyer.headers,
      ),
      [
        'body.addressId',
        'body.paymentMethod',
        'body.items.0.variantId',
        'body.items.0.quantity',
        'body.items.1.quantity',
        'body.tip',
      ],
    );
    await expectInvalid(
      await t.json('POST', '/api/v1/orders', { vouchers: { [ID]: '' } }, buyer.headers),
      ['body.addressId', 'body.paymentMethod', `body.vouchers.${ID}`],
    );
    await expectInvalid(await placeOrder(t, buyer, {}, { 'Idempotency-Key': 'has spaces' }), [
      'headers.idempotency-key',
    ]);
  });

  it('caps a line at the per-order quantity, repeats included', async () => {
    const max = t.config.orders.maxQuantity;
    const buyer = await createBuyer(t);
    await expectInvalid(
      await placeOrder(t, buyer, { items: [{ variantId: ID, quantity: max + 1 }] }),
      ['body.items.0.quantity'],
    );
    await expectInvalid(
      await placeOrder(t, buyer, {
        items: [
          { variantId: ID, quantity: max },
          { variantId: ID, quantity: 1 },
        ],
      }),
      ['body.items.0.quantity'],
    );
  });
});

describe('POST /orders with an Idempotency-Key', () => {
  const oneItem = (variantId: string) => ({ items: [{ variantId, quantity: 1 }] });

  it('answers a repeat with the first result and places one order', async () => {
    const seller = await createSeller(t);
    const made = await stockedVariant(t, seller.shop, { stock: 5 });
    const buyer = await createBuyer(t);
    const key = { 'Idempotency-Key': 'checkout-once-1' };
    const first = await checkoutOk(t, buyer, oneItem(made.variant.id), key);
    const again = await checkoutOk(t, buyer, oneItem(made.variant.id), key);
    expect(again).toEqual(first);
    expect(await ordersOf(buyer)).toHaveLength(1);
    expect(await stockOf(made.variant.id)).toBe(4);
  });

  it('refuses the same key with another body', async () => {
    const seller = await createSeller(t);
    const made = await stockedVariant(t, seller.shop, { stock: 5 });
    const buyer = await createBuyer(t);
    const key = { 'Idempotency-Key': 'checkout-once-2' };
    await checkoutOk(t, buyer, oneItem(made.variant.id), key);
    await expectProblem(
      await placeOrder(t, buyer, { items: [{ variantId: made.variant.id, quantity: 2 }] }, key),
      422,
      'idempotency-key-reused',
    );
    expect(await ordersOf(buyer)).toHaveLength(1);
  });

  it('places a second order without a key, and keeps keys apart per buyer', async () => {
    const seller = await createSeller(t);
    const made = await stockedVariant(t, seller.shop, { stock: 5 });
    const buyer = await createBuyer(t);
    const other = await createBuyer(t);
    const body = oneItem(made.variant.id);
    const first = await checkoutOk(t, buyer, body);
    const second = await checkoutOk(t, buyer, body);
    expect(second.checkoutId).not.toBe(first.checkoutId);
    const key = { 'Idempotency-Key': 'shared-key' };
    await checkoutOk(t, buyer, body, key);
    await checkoutOk(t, other, body, key);
    expect(await ordersOf(buyer)).toHaveLength(3);
    expect(await ordersOf(other)).toHaveLength(1);
    expect(await stockOf(made.variant.id)).toBe(1);
  });

  it('keeps nothing of a refused checkout: its retry runs again', async () => {
    const seller = await createSeller(t);
    const made = await stockedVariant(t, seller.shop, { stock: 0 });
    const buyer = await createBuyer(t);
    const key = { 'Idempotency-Key': 'retry-after-restock' };
    const body = oneItem(made.variant.id);
    await expectProblem(await placeOrder(t, buyer, body, key), 409, 'checkout-unavailable');
    await db
      .update(productVariants)
      .set({ stock: 1 })
      .where(eq(productVariants.id, made.variant.id));
    const result: CheckoutResult = await checkoutOk(t, buyer, body, key);
    expect(result.orders).toHaveLength(1);
  });
});

describe('POST /orders with vouchers', () => {
  async function voucherOf(
    shopId: string,
    createdBy: string,
    values: Partial<typeof vouchers.$inferInsert>,
  ) {
    const [row] = await db
      .insert(vouchers)
      .values({
        shopId,
        code: 'SAVE20',
        type: 'fixed',
        amount: 2_000,
        currency: 'ETB',
        createdBy,
        ...values,
      })
      .returning();
    if (!row) throw new Error('voucher insert returned nothing');
    return row;
  }

  it('takes each shop’s voucher off that shop’s order and counts its use', async () => {
    const discounted = await createSeller(t, { shippingFlatFee: 1_000 });
    const plain = await createSeller(t, { shippingFlatFee: 1_000 });
    const a = await stockedVariant(t, discounted.shop, { price: 10_000, stock: 5 });
    const b = await stockedVariant(t, plain.shop, { price: 10_000, stock: 5 });
    const voucher = await voucherOf(discounted.shop.id, discounted.user.id, {});
    const buyer = await createBuyer(t);

    const result = await checkoutOk(t, buyer, {
      items: [
        { variantId: a.variant.id, quantity: 1 },
        { variantId: b.variant.id, quantity: 1 },
      ],
      vouchers: { [discounted.shop.id]: 'save20' },
    });

    const byShop = new Map(result.orders.map((o) => [o.shopId, o]));
    expect(byShop.get(discounted.shop.id)).toMatchObject({
      subtotal: etb(10_000),
      shipping: etb(1_000),
      discount: etb(2_000),
      total: etb(9_000),
    });
    expect(byShop.get(discounted.shop.id)?.voucherCode?.toLowerCase()).toBe('save20');
    expect(byShop.get(plain.shop.id)).toMatchObject({ discount: etb(0), total: etb(11_000) });
    const [used] = await db
      .select({ usedCount: vouchers.usedCount })
      .from(vouchers)
      .where(eq(vouchers.id, voucher.id));
    expect(used?.usedCount).toBe(1);
    const redemptions = await db
      .select()
      .from(voucherRedemptions)
      .where(
        and(
          eq(voucherRedemptions.voucherId, voucher.id),
          eq(voucherRedemptions.userId, buyer.user.id),
        ),
      );
    expect(redemptions.map((r) => r.orderId)).toEqual([byShop.get(discounted.shop.id)?.id]);
  });

  it('creates nothing when a voucher does not apply', async () => {
    const seller = await createSeller(t);
    const made = await stockedVariant(t, seller.shop, { price: 10_000, stock: 5 });
    await voucherOf(seller.shop.id, seller.user.id, { code: 'BIGSPEND', minSubtotal: 50_000 });
    const buyer = await createBuyer(t);
    await expectProblem(
      await placeOrder(t, buyer, {
        items: [{ variantId: made.variant.id, quantity: 1 }],
        vouchers: { [seller.shop.id]: 'BIGSPEND' },
      }),
      409,
      'voucher-not-applicable',
      [`body.vouchers.${seller.shop.id}`],
    );
    expect(await ordersOf(buyer)).toEqual([]);
    expect(await stockOf(made.variant.id)).toBe(5);
  });
});

securityCases(() => t, {
  method: 'POST',
  path: '/api/v1/orders',
  body: { addressId: ID, paymentMethod: 'cod' },
});

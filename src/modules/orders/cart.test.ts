import { eq } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, describe, expect, it } from 'vitest';
import { type SignedIn, signedInUser } from '../../../test/factories.ts';
import { createTestApp, expectInvalid, expectProblem, ok } from '../../../test/harness.ts';
import { securityCases } from '../../../test/security.ts';
import {
  createCategory,
  createProduct,
  createSeller,
  type ShopOverrides,
  type VariantOverrides,
} from '../shop/shop.test-support.ts';
import { products, productVariants, shops, type VariantRow } from '../shop/tables.ts';
import type { Adjustment, CartLineView, CartView } from './cart.ts';

const t = await createTestApp();
afterAll(() => t.close());

const LIMIT = t.config.orders.maxQuantity;
const ID = '0190a000-0000-7000-8000-000000000000';
const etb = (amount: number) => ({ amount, currency: 'ETB' });

const cartOf = async (who: SignedIn) =>
  ok<CartView>(await t.request('/api/v1/cart', { headers: who.headers }));
const add = (who: SignedIn, variantId: string, quantity: number) =>
  t.json('POST', '/api/v1/cart/items', { variantId, quantity }, who.headers);
const patch = (who: SignedIn, id: string, body: unknown) =>
  t.json('PATCH', `/api/v1/cart/items/${id}`, body, who.headers);
const remove = (who: SignedIn, path: string) =>
  t.request(path, { method: 'DELETE', headers: who.headers });
const sync = (who: SignedIn, items: unknown) =>
  t.json('POST', '/api/v1/cart/sync', { items }, who.headers);

/** A product of a new shop; its variants are what a test adds to carts. */
async function forSale(variants: VariantOverrides[] = [{}], shop: ShopOverrides = {}) {
  const seller = await createSeller(t, shop);
  const category = await createCategory(t);
  const made = await createProduct(t, seller.shop, { categoryId: category.id, variants });
  const [variant] = made.variants as [VariantRow, ...VariantRow[]];
  return { ...made, shop: seller.shop, variant, ids: made.variants.map((v) => v.id), category };
}

const lines = (cart: CartView) => cart.shops.flatMap((group) => group.items);
const lineOf = (cart: CartView, variantId: string): CartLineView | undefined =>
  lines(cart).find((line) => line.variantId === variantId);

async function added(who: SignedIn, variantId: string, quantity: number): Promise<CartLineView> {
  const line = lineOf(await ok<CartView>(await add(who, variantId, quantity)), variantId);
  if (!line) throw new Error('the cart has no line for the variant added');
  return line;
}

const setStock = (variantId: string, stock: number) =>
  t.database.db.update(productVariants).set({ stock }).where(eq(productVariants.id, variantId));

describe('GET /cart', () => {
  it('is empty for a new buyer', async () => {
    expect(await cartOf(await signedInUser(t))).toEqual({ shops: [], itemCount: 0 });
  });

  it('groups lines by shop, with subtotal, flat shipping and total in each shop’s currency', async () => {
    const buyer = await signedInUser(t);
    const books = await forSale(
      [
        { sku: 'BOOK-1', price: 12_000, stock: 40, options: { cover: 'hard' } },
        { sku: 'BOOK-2', price: 8_000, stock: 40, options: { cover: 'soft' } },
      ],
      { name: 'Book Corner', shippingFlatFee: 3_000, shippingFreeOver: 100_000 },
    );
    const usd = await forSale([{ sku: 'LAMP', price: 2_500, stock: 9 }], {
      currency: 'USD',
      shippingFlatFee: 700,
    });
    const [hard, soft] = books.ids as [string, string];
    await added(buyer, hard, 2);
    await added(buyer, usd.variant.id, 3);
    await added(buyer, soft, 1);

    const cart = await cartOf(buyer);
    expect(cart.itemCount).toBe(6);
    expect(cart.shops.map((group) => group.shop)).toEqual([
      { id: books.shop.id, name: 'Book Corner', slug: books.shop.slug },
      { id: usd.shop.id, name: usd.shop.name, slug: usd.shop.slug },
    ]);
    const [bookGroup, usdGroup] = cart.shops;
    expect(bookGroup?.items).toEqual([
      {
        id: expect.any(String),
        variantId: hard,
        productId: books.product.id,
        title: books.product.title,
        options: { cover: 'hard' },
        sku: 'BOOK-1',
        imageUrl: null,
        quantity: 2,
        unitPrice: etb(12_000),
        priceAtAdd: etb(12_000),
        lineTotal: etb(24_000),
        availability: 'in_stock',
        available: 40,
        priceChanged: false,
      },
      expect.objectContaining({ sku: 'BOOK-2', quantity: 1, lineTotal: etb(8_000) }),
    ]);
    expect(bookGroup).toMatchObject({
      subtotal: etb(32_000),
      shipping: etb(3_000),
      total: etb(35_000),
    });
    const usd$ = (amount: number) => ({ amount, currency: 'USD' });
    expect(usdGroup).toMatchObject({
      items: [{ sku: 'LAMP', unitPrice: usd$(2_500), availability: 'in_stock' }],
      subtotal: usd$(7_500),
      shipping: usd$(700),
      total: usd$(8_200),
    });
  });

  it('ships free from the threshold on, not below it', async () => {
    const buyer = await signedInUser(t);
    const { variant } = await forSale([{ price: 25_000, stock: 10 }], {
      shippingFlatFee: 4_000,
      shippingFreeOver: 75_000,
    });
    await added(buyer, variant.id, 2);
    expect((await cartOf(buyer)).shops[0]).toMatchObject({
      subtotal: etb(50_000),
      shipping: etb(4_000),
      total: etb(54_000),
    });
    await added(buyer, variant.id, 1);
    expect((await cartOf(buyer)).shops[0]).toMatchObject({
      subtotal: etb(75_000),
      shipping: etb(0),
      total: etb(75_000),
    });
  });

  it('shows stock as low at the threshold and out of stock at 0, leaving those out of the totals', async () => {
    const buyer = await signedInUser(t);
    const { variants } = await forSale(
      [
        { sku: 'PLENTY', price: 1_000, stock: 6, options: { size: 'S' } },
        { sku: 'FEW', price: 2_000, stock: 5, options: { size: 'M' } },
      ],
      { shippingFlatFee: 500 },
    );
    const [plenty, few] = variants as [VariantRow, VariantRow];
    await added(buyer, plenty.id, 1);
    await added(buyer, few.id, 1);
    let cart = await cartOf(buyer);
    expect(lineOf(cart, plenty.id)).toMatchObject({ availability: 'in_stock', available: 6 });
    expect(lineOf(cart, few.id)).toMatchObject({ availability: 'low', available: 5 });
    expect(cart.shops[0]?.subtotal).toEqual(etb(3_000));

    await setStock(few.id, 0);
    cart = await cartOf(buyer);
    expect(lineOf(cart, few.id)).toMatchObject({ availability: 'out_of_stock', available: 0 });
    expect(cart.shops[0]).toMatchObject({ subtotal: etb(1_000), shipping: etb(500) });

    await setStock(plenty.id, 0);
    cart = await cartOf(buyer);
    expect(cart.shops[0]).toMatchObject({ subtotal: etb(0), shipping: etb(0), total: etb(0) });
    expect(cart.itemCount).toBe(2);
  });

  it('marks a line unavailable when its shop is suspended', async () => {
    const buyer = await signedInUser(t);
    const { variant, shop } = await forSale([{ stock: 30 }], { shippingFlatFee: 900 });
    await added(buyer, variant.id, 2);
    await t.database.db.update(shops).set({ status: 'suspended' }).where(eq(shops.id, shop.id));
    const cart = await cartOf(buyer);
    expect(lineOf(cart, variant.id)).toMatchObject({ availability: 'unavailable', available: 30 });
    expect(cart.shops[0]).toMatchObject({ subtotal: etb(0), shipping: etb(0), total: etb(0) });
  });

  it('marks a line unavailable when its product is disabled or archived', async () => {
    const buyer = await signedInUser(t);
    const disabled = await forSale();
    const archived = await forSale();
    await added(buyer, disabled.variant.id, 1);
    await added(buyer, archived.variant.id, 1);
    await t.database.db
      .update(products)
      .set({ disabledAt: new Date(), disabledReason: 'counterfeit' })
      .where(eq(products.id, disabled.product.id));
    await t.database.db
      .update(products)
      .set({ status: 'archived' })
      .where(eq(products.id, archived.product.id));
    const cart = await cartOf(buyer);
    expect(lineOf(cart, disabled.variant.id)?.availability).toBe('unavailable');
    expect(lineOf(cart, archived.variant.id)?.availability).toBe('unavailable');
  });

  it('says when the price changed since the line was started and totals at today’s price', async () => {
    const buyer = await signedInUser(t);
    const { variant } = await forSale([{ price: 10_000, stock: 20 }]);
    await added(buyer, variant.id, 3);
    await t.database.db
      .update(productVariants)
      .set({ priceAmount: 9_000 })
      .where(eq(productVariants.id, variant.id));
    expect(lineOf(await cartOf(buyer), variant.id)).toMatchObject({
      unitPrice: etb(9_000),
      priceAtAdd: etb(10_000),
      lineTotal: etb(27_000),
      priceChanged: true,
    });
  });

  it('drops the line of a deleted variant', async () => {
    const buyer = await signedInUser(t);
    const { ids } = await forSale([
      { sku: 'KEEP', options: { size: 'S' } },
      { sku: 'GONE', options: { size: 'M' } },
    ]);
    const [keep, gone] = ids as [string, string];
    await added(buyer, keep, 1);
    await added(buyer, gone, 2);
    await t.database.db.delete(productVariants).where(eq(productVariants.id, gone));
    const cart = await cartOf(buyer);
    expect(lines(cart).map((line) => line.sku)).toEqual(['KEEP']);
    expect(cart.itemCount).toBe(1);
  });

  it('shows each buyer only their own cart', async () => {
    const [one, other] = [await signedInUser(t), await signedInUser(t)];
    const { variant } = await forSale();
    await added(one, variant.id, 1);
    expect(await cartOf(other)).toEqual({ shops: [], itemCount: 0 });
  });
});

describe('POST /cart/items', () => {
  it('starts a line at today’s price, then adds to it, keeping the first price', async () => {
    const buyer = await signedInUser(t);
    const { variant } = await forSale([{ price: 5_000, stock: 10 }]);
    const first = await added(buyer, variant.id, 2);
    expect(first).toMatchObject({ quantity: 2, priceAtAdd: etb(5_000), priceChanged: false });
    await t.database.db
      .update(productVariants)
      .set({ priceAmount: 6_000 })
      .where(eq(productVariants.id, variant.id));
    const second = await added(buyer, variant.id, 3);
    expect(second).toMatchObject({
      id: first.id,
      quantity: 5,
      unitPrice: etb(6_000),
      priceAtAdd: etb(5_000),
      priceChanged: true,
    });
    expect(lines(await cartOf(buyer))).toHaveLength(1);
  });

  it('answers 409 insufficient-stock naming the available quantity, and leaves the line', async () => {
    const buyer = await signedInUser(t);
    const { variant } = await forSale([{ stock: 4 }]);
    let problem = await expectProblem(await add(buyer, variant.id, 5), 409, 'insufficient-stock', [
      'body.quantity',
    ]);
    expect(problem.errors?.[0]?.message).toBe('only 4 available');
    expect(problem.detail).toContain('Only 4');

    await added(buyer, variant.id, 3);
    problem = await expectProblem(await add(buyer, variant.id, 2), 409, 'insufficient-stock', [
      'body.quantity',
    ]);
    expect(problem.detail).toContain('already holds 3');
    expect(lineOf(await cartOf(buyer), variant.id)?.quantity).toBe(3);
    expect((await added(buyer, variant.id, 1)).quantity).toBe(4);
  });

  it('answers 422 quantity-limit above the per-line limit, alone or added to the line', async () => {
    const buyer = await signedInUser(t);
    const { variant } = await forSale([{ stock: LIMIT * 10 }]);
    await expectProblem(await add(buyer, variant.id, LIMIT + 1), 422, 'quantity-limit', [
      'body.quantity',
    ]);
    // Far past a 32-bit integer: refused by the rules, never by the database.
    await expectProblem(await add(buyer, variant.id, 2 ** 40), 409, 'insufficient-stock', [
      'body.quantity',
    ]);
    await added(buyer, variant.id, LIMIT - 1);
    await expectProblem(await add(buyer, variant.id, 2), 422, 'quantity-limit', ['body.quantity']);
    expect(lineOf(await cartOf(buyer), variant.id)?.quantity).toBe(LIMIT - 1);
    expect((await added(buyer, variant.id, 1)).quantity).toBe(LIMIT);
  });

  it('answers 422 unknown-variant for a variant that does not exist', async () => {
    const buyer = await signedInUser(t);
    await expectProblem(await add(buyer, uuidv7(), 1), 422, 'unknown-variant', ['body.variantId']);
  });

  it('answers 422 not-on-sale for a draft, archived or disabled product and a shop not active', async () => {
    const buyer = await signedInUser(t);
    const category = await createCategory(t);
    const active = await createSeller(t);
    const made = await Promise.all([
      createProduct(t, active.shop, { categoryId: category.id, status: 'draft' }),
      createProduct(t, active.shop, { categoryId: category.id, status: 'archived' }),
      createProduct(t, active.shop, { categoryId: category.id, disabledAt: new Date() }),
      createProduct(t, (await createSeller(t, { status: 'pending' })).shop, {
        categoryId: category.id,
      }),
      createProduct(t, (await createSeller(t, { status: 'suspended' })).shop, {
        categoryId: category.id,
      }),
    ]);
    for (const { variants } of made) {
      const [variant] = variants as [VariantRow];
      await expectProblem(await add(buyer, variant.id, 1), 422, 'not-on-sale', ['body.variantId']);
    }
    expect(await cartOf(buyer)).toEqual({ shops: [], itemCount: 0 });
  });

  it('names every malformed field', async () => {
    const buyer = await signedInUser(t);
    await expectInvalid(await t.json('POST', '/api/v1/cart/items', {}, buyer.headers), [
      'body.variantId',
      'body.quantity',
    ]);
    await expectInvalid(await add(buyer, 'not-a-uuid', 0), ['body.variantId', 'body.quantity']);
    await expectInvalid(await add(buyer, ID, 1.5), ['body.quantity']);
    await expectInvalid(
      await t.json(
        'POST',
        '/api/v1/cart/items',
        { variantId: ID, quantity: 1, x: 1 },
        buyer.headers,
      ),
      ['body.x'],
    );
  });
});

describe('PATCH /cart/items/{id}', () => {
  it('sets the quantity; 0 removes the line', async () => {
    const buyer = await signedInUser(t);
    const { variant } = await forSale([{ stock: 9 }]);
    const line = await added(buyer, variant.id, 2);
    const cart = await ok<CartView>(await patch(buyer, line.id, { quantity: 9 }));
    expect(lineOf(cart, variant.id)?.quantity).toBe(9);
    expect(cart.itemCount).toBe(9);
    expect(await ok<CartView>(await patch(buyer, line.id, { quantity: 0 }))).toEqual({
      shops: [],
      itemCount: 0,
    });
    await expectProblem(await patch(buyer, line.id, { quantity: 1 }), 404, 'not-found');
  });

  it('refuses more than the stock (409) or the limit (422), keeping the quantity', async () => {
    const buyer = await signedInUser(t);
    const few = await forSale([{ stock: 3 }]);
    const many = await forSale([{ stock: LIMIT * 2 }]);
    const small = await added(buyer, few.variant.id, 1);
    const big = await added(buyer, many.variant.id, 1);
    const problem = await expectProblem(
      await patch(buyer, small.id, { quantity: 4 }),
      409,
      'insufficient-stock',
      ['body.quantity'],
    );
    expect(problem.errors?.[0]?.message).toBe('only 3 available');
    await expectProblem(
      await patch(buyer, big.id, { quantity: LIMIT + 1 }),
      422,
      'quantity-limit',
      ['body.quantity'],
    );
    const cart = await cartOf(buyer);
    expect(lineOf(cart, few.variant.id)?.quantity).toBe(1);
    expect(lineOf(cart, many.variant.id)?.quantity).toBe(1);
  });

  it('refuses a new quantity for a product no longer on sale, but removes it', async () => {
    const buyer = await signedInUser(t);
    const { variant, product } = await forSale([{ stock: 10 }]);
    const line = await added(buyer, variant.id, 1);
    await t.database.db
      .update(products)
      .set({ status: 'archived' })
      .where(eq(products.id, product.id));
    await expectProblem(await patch(buyer, line.id, { quantity: 2 }), 422, 'not-on-sale', [
      'params.id',
    ]);
    await ok(await patch(buyer, line.id, { quantity: 0 }));
  });

  it('answers 404 for another buyer’s line and leaves it', async () => {
    const [owner, other] = [await signedInUser(t), await signedInUser(t)];
    const { variant } = await forSale([{ stock: 10 }]);
    const line = await added(owner, variant.id, 2);
    await expectProblem(await patch(other, line.id, { quantity: 5 }), 404, 'not-found');
    await expectProblem(await patch(other, line.id, { quantity: 0 }), 404, 'not-found');
    await expectProblem(await patch(other, ID, { quantity: 1 }), 404, 'not-found');
    expect(lineOf(await cartOf(owner), variant.id)?.quantity).toBe(2);
  });

  it('names malformed input', async () => {
    const buyer = await signedInUser(t);
    await expectInvalid(await patch(buyer, 'nope', { quantity: 1 }), ['params.id']);
    await expectInvalid(await patch(buyer, ID, { quantity: -1 }), ['body.quantity']);
    await expectInvalid(await patch(buyer, ID, {}), ['body.quantity']);
  });
});

describe('DELETE /cart/items/{id} and DELETE /cart', () => {
  it('removes one line (204), then 404', async () => {
    const buyer = await signedInUser(t);
    const { ids } = await forSale([{ options: { size: 'S' } }, { options: { size: 'M' } }]);
    const [first, second] = ids as [string, string];
    const line = await added(buyer, first, 1);
    await added(buyer, second, 1);
    expect((await remove(buyer, `/api/v1/cart/items/${line.id}`)).status).toBe(204);
    expect(lines(await cartOf(buyer)).map((l) => l.variantId)).toEqual([second]);
    await expectProblem(await remove(buyer, `/api/v1/cart/items/${line.id}`), 404, 'not-found');
  });

  it('answers 404 for another buyer’s line and leaves it', async () => {
    const [owner, other] = [await signedInUser(t), await signedInUser(t)];
    const { variant } = await forSale();
    const line = await added(owner, variant.id, 1);
    await expectProblem(await remove(other, `/api/v1/cart/items/${line.id}`), 404, 'not-found');
    expect(lines(await cartOf(owner))).toHaveLength(1);
    await expectInvalid(await remove(other, '/api/v1/cart/items/nope'), ['params.id']);
  });

  it('empties the caller’s cart and no one else’s', async () => {
    const [buyer, other] = [await signedInUser(t), await signedInUser(t)];
    const one = await forSale();
    const two = await forSale();
    await added(buyer, one.variant.id, 1);
    await added(buyer, two.variant.id, 1);
    await added(other, one.variant.id, 1);
    expect((await remove(buyer, '/api/v1/cart')).status).toBe(204);
    expect(await cartOf(buyer)).toEqual({ shops: [], itemCount: 0 });
    expect((await cartOf(other)).itemCount).toBe(1);
    expect((await remove(buyer, '/api/v1/cart')).status).toBe(204);
  });
});

describe('POST /cart/sync', () => {
  type Synced = CartView & { adjustments: Adjustment[] };

  it('merges by the larger quantity, and syncing the same cart twice changes nothing', async () => {
    const buyer = await signedInUser(t);
    const { ids } = await forSale(
      ['A', 'B', 'C', 'D'].map((size) => ({ price: 1_000, stock: 15, options: { size } })),
    );
    const [a, b, c, d] = ids as [string, string, string, string];
    await added(buyer, a, 5);
    await added(buyer, b, 1);
    await added(buyer, d, 7);
    const local = [
      { variantId: a, quantity: 2 },
      { variantId: b, quantity: 4 },
      { variantId: c, quantity: 3 },
    ];
    const first = await ok<Synced>(await sync(buyer, local));
    expect(first.adjustments).toEqual([]);
    const quantities = (cart: CartView) =>
      Object.fromEntries(lines(cart).map((line) => [line.variantId, line.quantity]));
    expect(quantities(first)).toEqual({ [a]: 5, [b]: 4, [c]: 3, [d]: 7 });
    expect(first.itemCount).toBe(19);
    expect(lineOf(first, c)).toMatchObject({ priceAtAdd: etb(1_000), priceChanged: false });

    const again = await ok<Synced>(await sync(buyer, local));
    expect(again.adjustments).toEqual([]);
    expect(quantities(again)).toEqual(quantities(first));
  });

  it('reports every adjustment with its reason', async () => {
    const buyer = await signedInUser(t);
    const { ids } = await forSale(
      [
        { sku: 'SCARCE', stock: 3, options: { size: 'S' } },
        { sku: 'BULK', stock: LIMIT * 5, options: { size: 'M' } },
        { sku: 'SOLD-OUT', stock: 0, options: { size: 'L' } },
        { sku: 'SHRUNK', stock: 10, options: { size: 'XL' } },
        { sku: 'FINE', stock: 10, options: { size: 'XS' } },
      ],
      { shippingFlatFee: 100 },
    );
    const [scarce, bulk, soldOut, shrunk, fine] = ids as [string, string, string, string, string];
    const withdrawn = await forSale([{ stock: 10 }]);
    const untouched = await forSale([{ stock: 10 }]);
    const unknown = uuidv7();

    await added(buyer, shrunk, 6);
    await added(buyer, withdrawn.variant.id, 2);
    await added(buyer, untouched.variant.id, 4);
    await setStock(shrunk, 2);
    await t.database.db
      .update(products)
      .set({ disabledAt: new Date() })
      .where(eq(products.id, withdrawn.product.id));

    const synced = await ok<Synced>(
      await sync(buyer, [
        { variantId: scarce, quantity: 8 },
        { variantId: bulk, quantity: LIMIT + 5 },
        { variantId: soldOut, quantity: 1 },
        { variantId: shrunk, quantity: 1 },
        { variantId: fine, quantity: 2 },
        { variantId: withdrawn.variant.id, quantity: 1 },
        { variantId: unknown, quantity: 2 },
      ]),
    );
    expect(synced.adjustments).toEqual([
      { variantId: scarce, requested: 8, applied: 3, reason: 'clamped_to_stock' },
      { variantId: bulk, requested: LIMIT + 5, applied: LIMIT, reason: 'clamped_to_limit' },
      { variantId: soldOut, requested: 1, applied: 0, reason: 'removed_out_of_stock' },
      { variantId: shrunk, requested: 1, applied: 2, reason: 'clamped_to_stock' },
      { variantId: withdrawn.variant.id, requested: 1, applied: 0, reason: 'unavailable' },
      { variantId: unknown, requested: 2, applied: 0, reason: 'not_found' },
    ]);
    const held = Object.fromEntries(lines(synced).map((line) => [line.variantId, line.quantity]));
    expect(held).toEqual({
      [scarce]: 3,
      [bulk]: LIMIT,
      [shrunk]: 2,
      [fine]: 2,
      [untouched.variant.id]: 4,
    });
    expect(await cartOf(buyer)).toEqual({
      shops: synced.shops,
      itemCount: synced.itemCount,
    });
  });

  it('answers the saved cart as it is for an empty device cart', async () => {
    const buyer = await signedInUser(t);
    const { variant } = await forSale([{ stock: 5 }]);
    await added(buyer, variant.id, 2);
    expect(await ok<Synced>(await sync(buyer, []))).toEqual({
      ...(await cartOf(buyer)),
      adjustments: [],
    });
    expect(lineOf(await cartOf(buyer), variant.id)?.quantity).toBe(2);
  });

  it('takes a sold-out variant’s saved line out of the cart', async () => {
    const buyer = await signedInUser(t);
    const { variant } = await forSale([{ stock: 5 }]);
    await added(buyer, variant.id, 2);
    await setStock(variant.id, 0);
    const synced = await ok<Synced>(await sync(buyer, [{ variantId: variant.id, quantity: 1 }]));
    expect(synced.adjustments).toEqual([
      { variantId: variant.id, requested: 1, applied: 0, reason: 'removed_out_of_stock' },
    ]);
    expect(synced).toMatchObject({ shops: [], itemCount: 0 });
  });

  it('names malformed input: a variant listed twice, too many lines, bad quantities', async () => {
    const buyer = await signedInUser(t);
    await expectInvalid(
      await sync(buyer, [
        { variantId: ID, quantity: 1 },
        { variantId: ID, quantity: 2 },
      ]),
      ['body.items.1.variantId'],
    );
    await expectInvalid(
      await sync(
        buyer,
        Array.from({ length: 101 }, () => ({ variantId: uuidv7(), quantity: 1 })),
      ),
      ['body.items'],
    );
    await expectInvalid(await sync(buyer, [{ variantId: 'x', quantity: 0 }]), [
      'body.items.0.variantId',
      'body.items.0.quantity',
    ]);
    await expectInvalid(await t.json('POST', '/api/v1/cart/sync', {}, buyer.headers), [
      'body.items',
    ]);
  });
});

describe.runIf(process.env.TEST_DATABASE_URL)('adds at once (PostgreSQL)', () => {
  it('keeps one line per variant, counting every add', async () => {
    const buyer = await signedInUser(t);
    const { variant } = await forSale([{ stock: 100 }]);
    const responses = await Promise.all(
      Array.from({ length: 10 }, () => add(buyer, variant.id, 1)),
    );
    expect(responses.map((res) => res.status)).toEqual(Array(10).fill(200));
    const cart = await cartOf(buyer);
    expect(lines(cart)).toHaveLength(1);
    expect(lineOf(cart, variant.id)?.quantity).toBe(10);
  });

  it('never lets the line pass the stock: the adds past it are 409', async () => {
    const buyer = await signedInUser(t);
    const { variant } = await forSale([{ stock: 5 }]);
    const responses = await Promise.all(Array.from({ length: 8 }, () => add(buyer, variant.id, 1)));
    expect(responses.map((res) => res.status).sort()).toEqual([
      ...Array(5).fill(200),
      ...Array(3).fill(409),
    ]);
    expect(lineOf(await cartOf(buyer), variant.id)?.quantity).toBe(5);
  });
});

const line = { variantId: ID, quantity: 1 };
securityCases(() => t, { method: 'GET', path: '/api/v1/cart' });
securityCases(() => t, { method: 'POST', path: '/api/v1/cart/items', body: line });
securityCases(() => t, {
  method: 'PATCH',
  path: `/api/v1/cart/items/${ID}`,
  body: { quantity: 1 },
});
securityCases(() => t, { method: 'DELETE', path: `/api/v1/cart/items/${ID}` });
securityCases(() => t, { method: 'DELETE', path: '/api/v1/cart' });
securityCases(() => t, { method: 'POST', path: '/api/v1/cart/sync', body: { items: [line] } });

import { count, eq } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createTestApp,
  expectInvalid,
  expectProblem,
  ok,
  problemOf,
} from '../../../test/harness.ts';
import {
  type Buyer,
  checkoutOk,
  createBuyer,
  placeOrder,
  stockedVariant,
} from '../orders/orders.test-support.ts';
import { orderItems } from '../orders/tables.ts';
import { createSeller, type Seller } from './shop.test-support.ts';
import { productVariants } from './tables.ts';
import type { ProductView } from './views.ts';
import { MAX_STOCK } from './vocabulary.ts';

/**
 * A seller's stock changes never write over the checkouts that take stock meanwhile: an
 * adjustment (`stockDelta`) is applied to the stock as it is then, and a count with the one it
 * replaces (`expectedStock`) is refused once the stock has moved. Races run on a real
 * PostgreSQL (PGlite runs one statement at a time, so only a server can interleave them).
 */

const t = await createTestApp();
afterAll(() => t.close());

const db = t.database.db;
const etb = (amount: number) => ({ amount, currency: 'ETB' });

interface Stocked {
  seller: Seller;
  productId: string;
  variantId: string;
}

async function stocked(stock: number): Promise<Stocked> {
  const seller = await createSeller(t);
  const { product, variant } = await stockedVariant(t, seller.shop, { price: 1_000, stock });
  return { seller, productId: product.id, variantId: variant.id };
}

const change = ({ seller, productId, variantId }: Stocked, body: Record<string, unknown>) =>
  t.json(
    'PATCH',
    `/api/v1/seller/products/${productId}/variants/${variantId}`,
    body,
    seller.headers,
  );

async function stockOf(variantId: string): Promise<number> {
  const [row] = await db
    .select({ stock: productVariants.stock })
    .from(productVariants)
    .where(eq(productVariants.id, variantId));
  if (!row) throw new Error(`no variant ${variantId}`);
  return row.stock;
}

async function changed(made: Stocked, body: Record<string, unknown>): Promise<number> {
  const product = await ok<ProductView>(await change(made, body));
  const variant = product.variants.find((v) => v.id === made.variantId);
  expect(variant?.stock).toBe(await stockOf(made.variantId));
  return variant?.stock ?? -1;
}

const buy = (buyer: Buyer, variantId: string, quantity = 1) =>
  placeOrder(t, buyer, { items: [{ variantId, quantity }] });

async function soldOf(variantId: string): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(orderItems)
    .where(eq(orderItems.variantId, variantId));
  return row?.n ?? 0;
}

describe('PATCH a variant’s stock by stockDelta', () => {
  it('adds to the stock as it is, down to exactly 0; one more is 409 naming stockDelta', async () => {
    const made = await stocked(5);
    await checkoutOk(t, await createBuyer(t), {
      items: [{ variantId: made.variantId, quantity: 2 }],
    });
    expect(await changed(made, { stockDelta: 4 })).toBe(7);
    expect(await changed(made, { stockDelta: -7 })).toBe(0);

    const refused = await change(made, { stockDelta: -1, price: etb(900) });
    const problem = await expectProblem(refused, 409, 'stock-out-of-range', ['body.stockDelta']);
    expect(problem.currentStock).toBe(0);
    expect(problem.errors?.[0]?.message).toBe('at least 0, the stock being 0');
    expect(await stockOf(made.variantId)).toBe(0);
    const [row] = await db
      .select({ price: productVariants.priceAmount })
      .from(productVariants)
      .where(eq(productVariants.id, made.variantId));
    expect(row?.price).toBe(1_000);
  });

  it('refuses a delta that would pass the most a stock may count', async () => {
    const made = await stocked(3);
    const problem = await expectProblem(
      await change(made, { stockDelta: MAX_STOCK - 2 }),
      409,
      'stock-out-of-range',
      ['body.stockDelta'],
    );
    expect(problem).toMatchObject({ currentStock: 3 });
    expect(await changed(made, { stockDelta: MAX_STOCK - 3 })).toBe(MAX_STOCK);
  });
});

describe('PATCH a variant’s stock with expectedStock', () => {
  it('answers 409 stock-changed with the stock now when a sale moved it since it was read', async () => {
    const made = await stocked(5);
    const read = await stockOf(made.variantId);
    await checkoutOk(t, await createBuyer(t), {
      items: [{ variantId: made.variantId, quantity: 2 }],
    });

    const stale = await change(made, { stock: read + 10, expectedStock: read, sku: 'RENAMED-1' });
    const problem = await expectProblem(stale, 409, 'stock-changed', ['body.expectedStock']);
    expect(problem).toMatchObject({
      currentStock: 3,
      errors: [{ path: 'body.expectedStock', message: 'the stock is now 3' }],
    });
    expect(await stockOf(made.variantId)).toBe(3);
    expect(await changed(made, { stock: 13, expectedStock: 3 })).toBe(13);
  });

  it('still takes a bare count, which wins over the sales since it was read', async () => {
    const made = await stocked(5);
    await checkoutOk(t, await createBuyer(t), {
      items: [{ variantId: made.variantId, quantity: 2 }],
    });
    expect(await changed(made, { stock: 5 })).toBe(5);
  });

  it('names fields that do not go together (400)', async () => {
    const made = await stocked(5);
    await expectInvalid(await change(made, { stock: 4, stockDelta: 1 }), ['body.stockDelta']);
    await expectInvalid(await change(made, { expectedStock: 5 }), ['body.expectedStock']);
    await expectInvalid(await change(made, { stockDelta: 1.5 }), ['body.stockDelta']);
    await expectInvalid(await change(made, { stockDelta: -MAX_STOCK - 1 }), ['body.stockDelta']);
    expect(await stockOf(made.variantId)).toBe(5);
  });

  it('documents the 409 with the stock now', async () => {
    const doc = await ok<{ paths: Record<string, Record<string, { responses: object }>> }>(
      await t.request('/openapi.json'),
    );
    const operation = doc.paths['/api/v1/seller/products/{id}/variants/{variantId}']?.patch;
    expect(JSON.stringify(operation?.responses)).toContain('#/components/schemas/StockConflict');
  });
});

describe.runIf(process.env.TEST_DATABASE_URL)('stock under checkouts at once (PostgreSQL)', () => {
  it('keeps the books while the seller adjusts: initial − sold + accepted deltas, never below 0', async () => {
    const initial = 12;
    const made = await stocked(initial);
    const buyers = await Promise.all(Array.from({ length: 30 }, () => createBuyer(t)));
    const deltas = [5, -4, 3, -6, 2, -3, 7, -5, 1, -8, 4, -2];
    // Lanes one after another inside, all at once across: the seller's changes fall all along
    // the checkouts rather than before or after them.
    const lanes = <T, R>(items: T[], n: number, run: (item: T) => Promise<R>) =>
      Promise.all(
        Array.from({ length: n }, async (_, lane) => {
          const done: [T, R][] = [];
          for (const item of items.filter((_, i) => i % n === lane))
            done.push([item, await run(item)]);
          return done;
        }),
      ).then((all) => all.flat());

    const [sales, adjustments] = await Promise.all([
      lanes(buyers, 6, (buyer) => buy(buyer, made.variantId)),
      lanes(deltas, 2, (stockDelta) => change(made, { stockDelta })),
    ]);

    for (const [, res] of sales) expect([201, 409]).toContain(res.status);
    for (const [, res] of sales.filter(([, r]) => r.status === 409)) {
      expect((await problemOf(res)).code).toBe('checkout-unavailable');
    }
    let accepted = 0;
    for (const [delta, res] of adjustments) {
      expect([200, 409], await res.clone().text()).toContain(res.status);
      if (res.status === 200) accepted += delta;
      else {
        const problem = await problemOf(res);
        expect(problem.code).toBe('stock-out-of-range');
        expect(problem.currentStock as number).toBeGreaterThanOrEqual(0);
        expect((problem.currentStock as number) + delta).toBeLessThan(0);
      }
    }
    const sold = sales.filter(([, r]) => r.status === 201).length;
    expect(await soldOf(made.variantId)).toBe(sold);
    const final = await stockOf(made.variantId);
    expect(final).toBe(initial - sold + accepted);
    expect(final).toBeGreaterThanOrEqual(0);
  });

  it('never erases a sale by a count with expectedStock, whichever commits first', async () => {
    const initial = 10;
    const made = await stocked(initial);
    const buyers = await Promise.all(Array.from({ length: 8 }, () => createBuyer(t)));

    const [update, ...sales] = await Promise.all([
      change(made, { stock: initial + 20, expectedStock: initial }),
      ...buyers.map((buyer) => buy(buyer, made.variantId)),
    ]);

    expect(sales.map((r) => r.status)).toEqual(buyers.map(() => 201));
    expect([200, 409]).toContain(update?.status);
    // Applied, it saw no sale before it: every sale came after. Refused, it changed nothing.
    const set = update?.status === 200 ? initial + 20 : initial;
    expect(await stockOf(made.variantId)).toBe(set - buyers.length);
  });
});

import { eq } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { signedInUser } from '../../../test/factories.ts';
import { createTestApp, ok, problemOf } from '../../../test/harness.ts';
import { createCategory, createSeller, type Seller } from './shop.test-support.ts';
import { products, productVariants } from './tables.ts';
import type { ProductView } from './views.ts';

/**
 * Writes that race each other on a real PostgreSQL (PGlite runs one statement at a time, so
 * only a server can interleave them): SKUs, the last variant, the lowest price and a shop's
 * status each stay right whichever request wins.
 */

const t = await createTestApp();
afterAll(() => t.close());

const BASE = '/api/v1/seller/products';
const etb = (amount: number) => ({ amount, currency: 'ETB' });

const body = (categoryId: string, skus: string[], prices: number[] = skus.map(() => 10_000)) => ({
  categoryId,
  title: 'Enamel mug',
  description: 'A mug for the morning coffee.',
  status: 'active',
  options: [{ name: 'color', values: skus.map((_, i) => `colour ${i}`) }],
  variants: skus.map((sku, i) => ({
    sku,
    price: etb(prices[i] as number),
    stock: 4,
    options: { color: `colour ${i}` },
  })),
});

const statusesOf = (responses: Response[]) => responses.map((r) => r.status).sort();

async function productWith(seller: Seller, skus: string[], prices?: number[]) {
  const category = await createCategory(t);
  return ok<ProductView>(
    await t.json('POST', BASE, body(category.id, skus, prices), seller.headers),
    201,
  );
}

describe.runIf(process.env.TEST_DATABASE_URL)('seller writes at once (PostgreSQL)', () => {
  it('lets one of two products with the same SKU through; the other is 409 sku-taken', async () => {
    const seller = await createSeller(t);
    const category = await createCategory(t);
    const responses = await Promise.all(
      ['MUG-1', 'mug-1', 'Mug-1', 'mUG-1'].map((sku) =>
        t.json('POST', BASE, body(category.id, [sku]), seller.headers),
      ),
    );
    expect(statusesOf(responses)).toEqual([201, 409, 409, 409]);
    for (const res of responses.filter((r) => r.status === 409)) {
      expect((await problemOf(res)).code).toBe('sku-taken');
    }
    const skus = await t.database.db
      .select({ sku: productVariants.sku })
      .from(productVariants)
      .where(eq(productVariants.shopId, seller.shop.id));
    expect(skus).toHaveLength(1);
  });

  it('never deletes the last variant, however many deletions race', async () => {
    const seller = await createSeller(t);
    const product = await productWith(seller, ['CUP-A', 'CUP-B', 'CUP-C'], [300, 200, 100]);
    const responses = await Promise.all(
      product.variants.map((v) =>
        t.request(`${BASE}/${product.id}/variants/${v.id}`, {
          method: 'DELETE',
          headers: seller.headers,
        }),
      ),
    );
    expect(statusesOf(responses)).toEqual([204, 204, 409]);
    const left = await t.database.db
      .select()
      .from(productVariants)
      .where(eq(productVariants.productId, product.id));
    expect(left).toHaveLength(1);
    const [row] = await t.database.db.select().from(products).where(eq(products.id, product.id));
    expect(row?.priceAmount).toBe(left[0]?.priceAmount);
  });

  it('keeps the product at its lowest variant price under racing price changes', async () => {
    const seller = await createSeller(t);
    const product = await productWith(seller, ['BOWL-A', 'BOWL-B', 'BOWL-C', 'BOWL-D']);
    const prices = [7_000, 3_000, 9_000, 5_000];
    const responses = await Promise.all(
      product.variants.map((v, i) =>
        t.json(
          'PATCH',
          `${BASE}/${product.id}/variants/${v.id}`,
          { price: etb(prices[i] as number) },
          seller.headers,
        ),
      ),
    );
    expect(statusesOf(responses)).toEqual([200, 200, 200, 200]);
    const [row] = await t.database.db.select().from(products).where(eq(products.id, product.id));
    expect(row?.priceAmount).toBe(3_000);
  });

  it('copies the shop’s status into products created while a reviewer suspends it', async () => {
    const seller = await createSeller(t);
    const category = await createCategory(t);
    const reviewer = await signedInUser(t, { roles: ['moderator'] });
    const [suspended, ...created] = await Promise.all([
      t.json(
        'POST',
        `/api/v1/admin/shops/${seller.shop.id}/suspend`,
        { reason: 'Selling fakes.' },
        reviewer.headers,
      ),
      ...['JUG-1', 'JUG-2', 'JUG-3'].map((sku) =>
        t.json('POST', BASE, body(category.id, [sku]), seller.headers),
      ),
    ]);
    expect(suspended?.status).toBe(200);
    expect(statusesOf(created)).toEqual([201, 201, 201]);
    const rows = await t.database.db
      .select({ shopActive: products.shopActive, visible: products.visible })
      .from(products)
      .where(eq(products.shopId, seller.shop.id));
    expect(rows).toEqual(created.map(() => ({ shopActive: false, visible: false })));
  });
});

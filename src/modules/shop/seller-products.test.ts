import { eq } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { signedInUser } from '../../../test/factories.ts';
import { createTestApp, expectInvalid, expectProblem, problemOf } from '../../../test/harness.ts';
import { securityCases } from '../../../test/security.ts';
import { createCategory, createProduct, createSeller, type Seller } from './shop.test-support.ts';
import { products } from './tables.ts';
import type { ProductSummaryView, ProductView } from './views.ts';

const t = await createTestApp();
afterAll(() => t.close());

const BASE = '/api/v1/seller/products';
const ID = '0190a000-0000-7000-8000-000000000000';

const etb = (amount: number) => ({ amount, currency: 'ETB' });

const tee = (categoryId: string, overrides: Record<string, unknown> = {}) => ({
  categoryId,
  title: 'Cotton tee',
  description: 'A plain cotton tee.',
  options: [
    { name: 'size', values: ['S', 'M'] },
    { name: 'color', values: ['red', 'blue'] },
  ],
  variants: [
    { sku: 'TEE-S-RED', price: etb(50_000), stock: 3, options: { size: 'S', color: 'red' } },
    {
      sku: 'TEE-M-RED',
      price: etb(45_000),
      compareAtPrice: etb(60_000),
      stock: 0,
      options: { size: 'M', color: 'red' },
      weightG: 250,
    },
  ],
  ...overrides,
});

const post = (who: Seller | { headers: Record<string, string> }, body: unknown, path = BASE) =>
  t.json('POST', path, body, who.headers);
const patch = (who: { headers: Record<string, string> }, path: string, body: unknown) =>
  t.json('PATCH', path, body, who.headers);
const remove = (who: { headers: Record<string, string> }, path: string) =>
  t.request(path, { method: 'DELETE', headers: who.headers });
const get = (who: { headers: Record<string, string> }, path: string) =>
  t.request(path, { headers: who.headers });

async function productOf(res: Response, status = 200): Promise<ProductView> {
  expect(res.status, await res.clone().text()).toBe(status);
  return (await res.json()) as ProductView;
}

async function sellerWithProduct(overrides: Record<string, unknown> = {}) {
  const seller = await createSeller(t);
  const category = await createCategory(t);
  const product = await productOf(await post(seller, tee(category.id, overrides)), 201);
  return { seller, category, product };
}

describe('POST /seller/products', () => {
  it('creates a draft with its variants, priced at the lowest variant', async () => {
    const seller = await createSeller(t);
    const root = await createCategory(t, { name: 'Clothing' });
    const leaf = await createCategory(t, { name: 'Tees', parentId: root.id });
    const product = await productOf(await post(seller, tee(leaf.id)), 201);
    expect(product).toMatchObject({
      shopId: seller.shop.id,
      categoryId: leaf.id,
      title: 'Cotton tee',
      status: 'draft',
      price: etb(45_000),
      publishedAt: null,
      options: tee(leaf.id).options,
      images: [],
      disabled: null,
    });
    expect(product.variants).toEqual([
      {
        id: expect.any(String),
        sku: 'TEE-S-RED',
        price: etb(50_000),
        compareAtPrice: null,
        stock: 3,
        options: { size: 'S', color: 'red' },
        weightG: null,
        position: 0,
      },
      {
        id: expect.any(String),
        sku: 'TEE-M-RED',
        price: etb(45_000),
        compareAtPrice: etb(60_000),
        stock: 0,
        options: { size: 'M', color: 'red' },
        weightG: 250,
        position: 1,
      },
    ]);
    const [row] = await t.database.db.select().from(products).where(eq(products.id, product.id));
    expect(row).toMatchObject({
      currency: 'ETB',
      priceAmount: 45_000,
      shopName: seller.shop.name,
      categoryNames: 'Clothing Tees',
      shopActive: true,
    });
    expect(await productOf(await get(seller, `${BASE}/${product.id}`))).toEqual(product);
  });

  it('publishes an active one; a pending shop’s product is not on sale', async () => {
    const seller = await createSeller(t, { status: 'pending' });
    const category = await createCategory(t);
    const product = await productOf(
      await post(seller, tee(category.id, { status: 'active' })),
      201,
    );
    expect(product.status).toBe('active');
    expect(product.publishedAt).not.toBeNull();
    const [row] = await t.database.db.select().from(products).where(eq(products.id, product.id));
    expect(row).toMatchObject({ shopActive: false, visible: false });
  });

  it('takes a product without options: one variant', async () => {
    const seller = await createSeller(t);
    const category = await createCategory(t);
    const body = tee(category.id, {
      options: [],
      variants: [{ sku: 'MUG-1', price: etb(9_900), stock: 1 }],
    });
    const product = await productOf(await post(seller, body), 201);
    expect(product.variants.map((v) => v.options)).toEqual([{}]);
  });

  it('names each field of a malformed body', async () => {
    const seller = await createSeller(t);
    await expectInvalid(await post(seller, {}), [
      'body.categoryId',
      'body.title',
      'body.description',
      'body.variants',
    ]);
    const category = await createCategory(t);
    await expectInvalid(
      await post(
        seller,
        tee(category.id, {
          title: ' ',
          status: 'archived',
          options: [{ name: 'size', values: [] }],
          variants: [{ sku: 'bad sku', price: { amount: 1.5, currency: 'ETB' }, stock: -1 }],
          extra: true,
        }),
      ),
      [
        'body.extra',
        'body.title',
        'body.status',
        'body.options.0.values',
        'body.variants.0.sku',
        'body.variants.0.price.amount',
        'body.variants.0.stock',
      ],
    );
    await expectInvalid(await post(seller, tee(category.id, { variants: [] })), ['body.variants']);
  });

  it('names each field breaking a rule', async () => {
    const seller = await createSeller(t);
    const category = await createCategory(t);
    const res = await post(
      seller,
      tee(ID, {
        options: [
          { name: 'size', values: ['S', 'S'] },
          { name: 'size', values: ['M'] },
        ],
      }),
    );
    await expectProblem(res, 422, 'invalid-product', [
      'body.categoryId',
      'body.options.0.values.1',
      'body.options.1.name',
    ]);

    const variants = [
      {
        sku: 'A',
        price: { amount: 100, currency: 'USD' },
        compareAtPrice: { amount: 50, currency: 'USD' },
        stock: 1,
        options: { size: 'S', color: 'green', fit: 'slim' },
      },
      { sku: 'B', price: etb(100), stock: 1, options: { size: 'S' } },
      { sku: 'C', price: etb(100), stock: 1, options: { size: 'M', color: 'red' } },
      { sku: 'D', price: etb(100), stock: 1, options: { size: 'M', color: 'red' } },
    ];
    await expectProblem(
      await post(seller, tee(category.id, { variants })),
      422,
      'invalid-product',
      [
        'body.variants.0.price.currency',
        'body.variants.0.compareAtPrice.currency',
        'body.variants.0.compareAtPrice.amount',
        'body.variants.0.options.color',
        'body.variants.0.options.fit',
        'body.variants.1.options.color',
        'body.variants.3.options',
      ],
    );
  });

  it('keeps SKUs unique within the shop, ignoring case, and free across shops', async () => {
    const { seller, category } = await sellerWithProduct();
    const again = tee(category.id, {
      variants: [
        { sku: 'NEW-1', price: etb(100), stock: 1, options: { size: 'S', color: 'blue' } },
        { sku: 'new-1', price: etb(100), stock: 1, options: { size: 'M', color: 'blue' } },
      ],
    });
    await expectProblem(await post(seller, again), 422, 'invalid-product', ['body.variants.1.sku']);

    const taken = tee(category.id, {
      variants: [
        { sku: 'NEW-2', price: etb(100), stock: 1, options: { size: 'S', color: 'blue' } },
        { sku: 'tee-m-red', price: etb(100), stock: 1, options: { size: 'M', color: 'blue' } },
      ],
    });
    await expectProblem(await post(seller, taken), 409, 'sku-taken', ['body.variants.1.sku']);

    const other = await createSeller(t);
    await productOf(await post(other, tee(category.id)), 201);
  });

  it('refuses a price in another currency than the shop’s', async () => {
    const seller = await createSeller(t, { currency: 'USD' });
    const category = await createCategory(t);
    await expectProblem(await post(seller, tee(category.id)), 422, 'invalid-product', [
      'body.variants.0.price.currency',
      'body.variants.1.price.currency',
      'body.variants.1.compareAtPrice.currency',
    ]);
  });
});

describe('ownership', () => {
  it('hides another shop’s products, draft or active, and needs a shop', async () => {
    const category = await createCategory(t);
    const { seller } = await sellerWithProduct();
    const other = await createSeller(t);
    const { product: active } = await createProduct(t, seller.shop, { categoryId: category.id });
    const { product: draft } = await createProduct(t, seller.shop, {
      categoryId: category.id,
      status: 'draft',
    });
    for (const id of [active.id, draft.id]) {
      const path = `${BASE}/${id}`;
      await expectProblem(await get(other, path), 404, 'not-found');
      await expectProblem(await patch(other, path, { title: 'Mine' }), 404, 'not-found');
      await expectProblem(await remove(other, path), 404, 'not-found');
      const variant = { sku: 'X', price: etb(100), stock: 1 };
      await expectProblem(await post(other, variant, `${path}/variants`), 404, 'not-found');
    }
    const listed = (await (await get(other, BASE)).json()) as { items: unknown[] };
    expect(listed.items).toEqual([]);

    const noShop = await signedInUser(t, { roles: ['seller'] });
    await expectProblem(await get(noShop, BASE), 404, 'no-shop');
    await expectProblem(await post(noShop, tee(category.id)), 404, 'no-shop');
  });

  it('lets a suspended shop’s seller manage products', async () => {
    const seller = await createSeller(t, { status: 'suspended' });
    const category = await createCategory(t);
    const product = await productOf(await post(seller, tee(category.id)), 201);
    await productOf(await patch(seller, `${BASE}/${product.id}`, { status: 'active' }));
  });
});

describe('PATCH /seller/products/{id}', () => {
  it('changes text and category, and stamps publishedAt the first time it goes active', async () => {
    const { seller, product } = await sellerWithProduct();
    const category = await createCategory(t, { name: 'Shirts' });
    const path = `${BASE}/${product.id}`;
    const changed = await productOf(
      await patch(seller, path, { title: 'Linen tee', categoryId: category.id, status: 'active' }),
    );
    expect(changed).toMatchObject({
      title: 'Linen tee',
      categoryId: category.id,
      status: 'active',
    });
    const published = changed.publishedAt;
    expect(published).not.toBeNull();
    const [row] = await t.database.db.select().from(products).where(eq(products.id, product.id));
    expect(row?.categoryNames).toBe('Shirts');

    await productOf(await patch(seller, path, { status: 'draft' }));
    const again = await productOf(await patch(seller, path, { status: 'active' }));
    expect(again.publishedAt).toBe(published);
  });

  it('changes options only while every variant matches', async () => {
    const { seller, product } = await sellerWithProduct();
    const path = `${BASE}/${product.id}`;
    const wider = [
      { name: 'size', values: ['M', 'S', 'L'] },
      { name: 'color', values: ['red'] },
    ];
    expect((await productOf(await patch(seller, path, { options: wider }))).options).toEqual(wider);

    for (const options of [
      [{ name: 'size', values: ['S', 'M', 'L'] }],
      [
        { name: 'size', values: ['S', 'L'] },
        { name: 'color', values: ['red'] },
      ],
      [
        { name: 'Size', values: ['S', 'M'] },
        { name: 'color', values: ['red'] },
      ],
    ]) {
      await expectProblem(await patch(seller, path, { options }), 422, 'invalid-product');
    }
    const problem = await expectProblem(
      await patch(seller, path, { options: [{ name: 'size', values: ['S'] }] }),
      422,
      'invalid-product',
    );
    expect(new Set(problem.errors?.map((e) => e.path))).toEqual(new Set(['body.options']));
  });

  it('names bad fields', async () => {
    const { seller, product } = await sellerWithProduct();
    const path = `${BASE}/${product.id}`;
    await expectInvalid(await patch(seller, path, {}), ['body']);
    await expectInvalid(await patch(seller, path, { status: 'sold', title: '' }), [
      'body.status',
      'body.title',
    ]);
    await expectProblem(await patch(seller, path, { categoryId: ID }), 422, 'invalid-product', [
      'body.categoryId',
    ]);
    await expectInvalid(await patch(seller, `${BASE}/nope`, { title: 'x' }), ['params.id']);
    await expectProblem(await patch(seller, `${BASE}/${ID}`, { title: 'x' }), 404, 'not-found');
  });
});

describe('DELETE /seller/products/{id}', () => {
  it('archives it', async () => {
    const { seller, product } = await sellerWithProduct({ status: 'active' });
    const res = await remove(seller, `${BASE}/${product.id}`);
    expect(res.status).toBe(204);
    expect((await productOf(await get(seller, `${BASE}/${product.id}`))).status).toBe('archived');
  });
});

describe('variants', () => {
  it('keep the product’s price at the lowest variant price on add, change and delete', async () => {
    const { seller, product } = await sellerWithProduct();
    const path = `${BASE}/${product.id}/variants`;
    const price = async () => (await productOf(await get(seller, `${BASE}/${product.id}`))).price;

    const added = await productOf(
      await post(
        seller,
        { sku: 'TEE-S-BLUE', price: etb(30_000), stock: 2, options: { size: 'S', color: 'blue' } },
        path,
      ),
      201,
    );
    expect(added.price).toEqual(etb(30_000));
    const blue = added.variants[2];
    expect(blue).toMatchObject({ sku: 'TEE-S-BLUE', position: 2 });

    const raised = await productOf(
      await patch(seller, `${path}/${blue?.id}`, { price: etb(70_000), stock: 9 }),
    );
    expect(raised.price).toEqual(etb(45_000));
    expect(raised.variants[2]).toMatchObject({ price: etb(70_000), stock: 9 });

    const cheap = added.variants[1];
    expect((await remove(seller, `${path}/${cheap?.id}`)).status).toBe(204);
    expect(await price()).toEqual(etb(50_000));
    const left = (await productOf(await get(seller, `${BASE}/${product.id}`))).variants;
    expect(left.map((v) => [v.sku, v.position])).toEqual([
      ['TEE-S-RED', 0],
      ['TEE-S-BLUE', 1],
    ]);
    const [row] = await t.database.db.select().from(products).where(eq(products.id, product.id));
    expect(row?.priceAmount).toBe(50_000);
  });

  it('refuses to delete the last variant', async () => {
    const { seller, product } = await sellerWithProduct();
    const path = `${BASE}/${product.id}/variants`;
    const [first, second] = product.variants;
    expect((await remove(seller, `${path}/${first?.id}`)).status).toBe(204);
    await expectProblem(await remove(seller, `${path}/${second?.id}`), 409, 'last-variant');
    await expectProblem(await remove(seller, `${path}/${ID}`), 404, 'not-found');
  });

  it('apply the product’s rules to an added or changed variant', async () => {
    const { seller, product } = await sellerWithProduct();
    const path = `${BASE}/${product.id}/variants`;
    const [red, mRed] = product.variants;
    await expectProblem(
      await post(
        seller,
        { sku: 'X', price: { amount: 5, currency: 'USD' }, stock: 1, options: { size: 'XL' } },
        path,
      ),
      422,
      'invalid-product',
      ['body.price.currency', 'body.options.size', 'body.options.color'],
    );
    await expectProblem(
      await post(seller, { sku: 'X', price: etb(5), stock: 1, options: red?.options }, path),
      422,
      'invalid-product',
      ['body.options'],
    );
    await expectProblem(
      await post(
        seller,
        { sku: 'tee-s-red', price: etb(5), stock: 1, options: { size: 'S', color: 'blue' } },
        path,
      ),
      409,
      'sku-taken',
      ['body.sku'],
    );
    await expectInvalid(await post(seller, { sku: 'X' }, path), ['body.price', 'body.stock']);

    const mPath = `${path}/${mRed?.id}`;
    await expectProblem(
      await patch(seller, mPath, { price: etb(70_000) }),
      422,
      'invalid-product',
      ['body.price.amount'],
    );
    await expectProblem(
      await patch(seller, mPath, { compareAtPrice: etb(1_000) }),
      422,
      'invalid-product',
      ['body.compareAtPrice.amount'],
    );
    await expectProblem(
      await patch(seller, mPath, { options: { size: 'S', color: 'red' } }),
      422,
      'invalid-product',
      ['body.options'],
    );
    await expectProblem(await patch(seller, mPath, { sku: 'TEE-s-red' }), 409, 'sku-taken', [
      'body.sku',
    ]);
    await expectInvalid(await patch(seller, mPath, {}), ['body']);
    await expectInvalid(await patch(seller, mPath, { stock: -1 }), ['body.stock']);

    const changed = await productOf(
      await patch(seller, mPath, {
        sku: 'tee-m-red',
        compareAtPrice: null,
        options: { size: 'M', color: 'blue' },
      }),
    );
    expect(changed.variants[1]).toMatchObject({
      sku: 'tee-m-red',
      compareAtPrice: null,
      options: { size: 'M', color: 'blue' },
    });

    const other = await createSeller(t);
    await expectProblem(await patch(other, mPath, { stock: 1 }), 404, 'not-found');
    await expectProblem(await remove(other, mPath), 404, 'not-found');
  });
});

describe('GET /seller/products', () => {
  it('lists every status, newest first, filtered, a page at a time', async () => {
    const seller = await createSeller(t);
    const shoes = await createCategory(t);
    const boots = await createCategory(t, { parentId: shoes.id });
    const hats = await createCategory(t);
    const at = (minutes: number) => new Date(Date.UTC(2025, 0, 1, 0, minutes));
    const made = [];
    for (const [i, [status, categoryId, title]] of (
      [
        ['active', boots.id, 'Leather Boot'],
        ['draft', shoes.id, 'Canvas shoe'],
        ['archived', boots.id, 'Old boot'],
        ['active', hats.id, 'Sun hat'],
        ['draft', boots.id, 'Rain BOOT 50%'],
      ] as const
    ).entries()) {
      made.push(
        (
          await createProduct(t, seller.shop, {
            categoryId,
            status,
            title,
            createdAt: at(i),
          })
        ).product.id,
      );
    }
    const newest = [...made].reverse();

    const walk = async (query: string) => {
      const ids: string[] = [];
      let cursor: string | null = null;
      do {
        const res = await get(
          seller,
          `${BASE}?limit=2${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        );
        expect(res.status).toBe(200);
        const page = (await res.json()) as { items: ProductSummaryView[]; nextCursor: string };
        expect(page.items.length).toBeLessThanOrEqual(2);
        ids.push(...page.items.map((item) => item.id));
        cursor = page.nextCursor;
      } while (cursor);
      return ids;
    };
    expect(await walk('')).toEqual(newest);
    expect(await walk('&status=draft')).toEqual([made[4], made[1]]);
    expect(await walk(`&categoryId=${shoes.id}`)).toEqual([made[4], made[2], made[1], made[0]]);
    expect(await walk('&q=boot')).toEqual([made[4], made[2], made[0]]);
    expect(await walk('&q=50%25')).toEqual([made[4]]);
    expect(await walk(`&q=boot&status=active&categoryId=${boots.id}`)).toEqual([made[0]]);

    const page = (await (await get(seller, `${BASE}?limit=1`)).json()) as {
      items: ProductSummaryView[];
    };
    expect(page.items[0]).toMatchObject({
      id: made[4],
      status: 'draft',
      shop: { id: seller.shop.id },
      image: null,
      inStock: true,
    });
  });

  it('names bad query fields', async () => {
    const seller = await createSeller(t);
    await expectInvalid(await get(seller, `${BASE}?status=sold&categoryId=x&limit=0`), [
      'query.status',
      'query.categoryId',
      'query.limit',
    ]);
    const bad = await get(seller, `${BASE}?cursor=forged`);
    expect((await problemOf(bad)).errors?.map((e) => e.path)).toEqual(['query.cursor']);
  });
});

const variantPath = `${BASE}/${ID}/variants/${ID}`;
for (const route of [
  { method: 'POST', path: BASE, body: {} },
  { method: 'GET', path: BASE },
  { method: 'GET', path: `${BASE}/${ID}` },
  { method: 'PATCH', path: `${BASE}/${ID}`, body: { title: 'x' } },
  { method: 'DELETE', path: `${BASE}/${ID}` },
  { method: 'POST', path: `${BASE}/${ID}/variants`, body: {} },
  { method: 'PATCH', path: variantPath, body: { stock: 1 } },
  { method: 'DELETE', path: variantPath },
]) {
  securityCases(() => t, { ...route, allowed: ['seller'], forbidden: [] });
}

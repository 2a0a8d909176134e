import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, expectInvalid, problemOf } from '../../../test/harness.ts';
import { lister, sortedBy } from './browse.test-support.ts';
import {
  createCategory,
  createProduct,
  createSeller,
  type MadeProduct,
  type Seller,
} from './shop.test-support.ts';
import type { CategoryRow, ProductRow } from './tables.ts';

const t = await createTestApp();
afterAll(() => t.close());

const products = lister(t, '/products');
const idsOf = (made: MadeProduct[]) => made.map((m) => m.product.id);

let seller: Seller;
beforeAll(async () => {
  seller = await createSeller(t);
});

describe('GET /products orders', () => {
  let category: CategoryRow;
  let rows: ProductRow[];
  const day = (n: number) => new Date(Date.UTC(2025, 0, n));

  beforeAll(async () => {
    category = await createCategory(t);
    // Ties on every key, so each order falls back on the id.
    const specs = [
      { price: 500, averageRating: 4.5, ratingCount: 10, soldCount: 3, publishedAt: day(1) },
      { price: 300, averageRating: 4.5, ratingCount: 10, soldCount: 7, publishedAt: day(3) },
      { price: 500, averageRating: 4.5, ratingCount: 2, soldCount: 3, publishedAt: day(3) },
      { price: 900, averageRating: 3, ratingCount: 10, soldCount: 0, publishedAt: day(2) },
      { price: 300, averageRating: 0, ratingCount: 0, soldCount: 7, publishedAt: day(3) },
      { price: 500, averageRating: 5, ratingCount: 1, soldCount: 3, publishedAt: day(5) },
      { price: 100, averageRating: 4.5, ratingCount: 10, soldCount: 0, publishedAt: day(4) },
    ];
    rows = [];
    for (const { price, ...spec } of specs) {
      const made = await createProduct(t, seller.shop, {
        categoryId: category.id,
        variants: [
          { price: price + 50, options: { size: 'L' } },
          { price, options: { size: 'S' } },
        ],
        ...spec,
      });
      rows.push(made.product);
    }
  });

  const id = (r: ProductRow) => r.id;
  const orders = {
    newest: () => sortedBy(rows, [(r) => (r.publishedAt as Date).getTime(), 'desc'], [id, 'desc']),
    price_asc: () => sortedBy(rows, [(r) => r.priceAmount, 'asc'], [id, 'asc']),
    price_desc: () => sortedBy(rows, [(r) => r.priceAmount, 'desc'], [id, 'desc']),
    rating: () =>
      sortedBy(
        rows,
        [(r) => r.averageRating, 'desc'],
        [(r) => r.ratingCount, 'desc'],
        [id, 'desc'],
      ),
    best_selling: () => sortedBy(rows, [(r) => r.soldCount, 'desc'], [id, 'desc']),
  };

  for (const [sort, expected] of Object.entries(orders)) {
    it(`walks ${sort} page by page, ties broken by id, nothing missed or repeated`, async () => {
      const want = expected().map(id);
      for (const limit of [1, 2, 3]) {
        expect(await products.walk({ category: category.id, sort }, limit)).toEqual(want);
      }
    });
  }

  it('is newest first by default, and shows the lowest variant price', async () => {
    const page = await products.page({ category: category.id });
    expect(page.items.map((p) => p.id)).toEqual(orders.newest().map(id));
    const cheapest = page.items.find((p) => p.id === orders.price_asc()[0]?.id);
    expect(cheapest?.price).toEqual({ amount: 100, currency: 'ETB' });
    expect(cheapest?.shop).toMatchObject({ id: seller.shop.id, name: seller.shop.name });
    expect(cheapest?.inStock).toBe(true);
  });

  it('refuses a cursor from another order, another query or another list', async () => {
    const cursor = await products.cursorOf({ category: category.id, sort: 'newest' });
    const refused = async (path: string, query: Record<string, string>) => {
      const res = await lister(t, path).raw({ cursor, ...query });
      expect(res.status).toBe(400);
      const problem = await problemOf(res);
      expect(problem.code).toBe('invalid-cursor');
      expect(problem.errors?.map((e) => e.path)).toEqual(['query.cursor']);
    };
    await refused('/products', { category: category.id, sort: 'price_asc' });
    await refused('/products', { category: category.id, ratingMin: '1' });
    await refused('/products', {});
    await refused('/products/search', { q: 'test', category: category.id, sort: 'newest' });
    await refused(`/shops/${seller.shop.id}/products`, { category: category.id });
    await refused('/products', { category: category.id, cursor: `${cursor}x` });
  });
});

describe('GET /products filters', () => {
  let root: CategoryRow;

  beforeAll(async () => {
    root = await createCategory(t);
  });

  it('takes a category by id or slug, with everything under it', async () => {
    const child = await createCategory(t, { parentId: root.id });
    const grandchild = await createCategory(t, { parentId: child.id });
    const sibling = await createCategory(t, { parentId: root.id });
    const [inRoot, inChild, inGrandchild, inSibling] = await Promise.all(
      [root, child, grandchild, sibling].map((c) =>
        createProduct(t, seller.shop, { categoryId: c.id }),
      ),
    );
    const all = [inRoot, inChild, inGrandchild, inSibling].map((m) => m?.product.id);
    expect(new Set(await products.ids({ category: root.id }))).toEqual(new Set(all));
    expect(new Set(await products.ids({ category: child.slug }))).toEqual(
      new Set([inChild?.product.id, inGrandchild?.product.id]),
    );
    expect(await products.ids({ category: grandchild.id })).toEqual([inGrandchild?.product.id]);
  });

  it('answers 404 for a category that does not exist', async () => {
    for (const category of ['no-such-category', crypto.randomUUID()]) {
      const res = await products.raw({ category });
      expect(res.status).toBe(404);
      expect((await problemOf(res)).code).toBe('not-found');
    }
  });

  it('filters by shop', async () => {
    const category = await createCategory(t, { parentId: root.id });
    const other = await createSeller(t);
    const mine = await createProduct(t, seller.shop, { categoryId: category.id });
    const theirs = await createProduct(t, other.shop, { categoryId: category.id });
    expect(await products.ids({ category: category.id, shop: other.shop.id })).toEqual([
      theirs.product.id,
    ]);
    expect(await products.ids({ category: category.id, shop: seller.shop.id })).toEqual([
      mine.product.id,
    ]);
  });

  it('filters by currency and by price within it, on the lowest variant price', async () => {
    const category = await createCategory(t, { parentId: root.id });
    const dollars = await createSeller(t, { currency: 'USD' });
    const [cheap, middle, dear] = await Promise.all(
      [1000, 5000, 9000].map((price) =>
        createProduct(t, seller.shop, {
          categoryId: category.id,
          variants: [
            { price: price * 3, options: { size: 'L' } },
            { price, options: { size: 'S' } },
          ],
        }),
      ),
    );
    const usd = await createProduct(t, dollars.shop, {
      categoryId: category.id,
      variants: [{ price: 5000 }],
    });
    const ids = (query: Record<string, string | number>) =>
      products.ids({ category: category.id, sort: 'price_asc', ...query });
    expect(await ids({ currency: 'usd' })).toEqual([usd.product.id]);
    expect(await ids({ currency: 'ETB', priceMin: 2000, priceMax: 9000 })).toEqual(
      idsOf([middle, dear] as MadeProduct[]),
    );
    expect(await ids({ currency: 'ETB', priceMax: 5000 })).toEqual(
      idsOf([cheap, middle] as MadeProduct[]),
    );
    expect(await ids({ currency: 'ETB', priceMin: 5000, priceMax: 5000 })).toEqual([
      middle?.product.id,
    ]);
  });

  it('filters by rating', async () => {
    const category = await createCategory(t, { parentId: root.id });
    const made = await Promise.all(
      [3.9, 4, 4.5, 0].map((averageRating) =>
        createProduct(t, seller.shop, { categoryId: category.id, averageRating, ratingCount: 3 }),
      ),
    );
    expect(new Set(await products.ids({ category: category.id, ratingMin: 4 }))).toEqual(
      new Set([made[1]?.product.id, made[2]?.product.id]),
    );
    expect(await products.ids({ category: category.id, ratingMin: 0 })).toHaveLength(4);
  });

  it('filters to products with a variant in stock', async () => {
    const category = await createCategory(t, { parentId: root.id });
    const some = await createProduct(t, seller.shop, {
      categoryId: category.id,
      variants: [
        { stock: 0, options: { size: 'S' } },
        { stock: 3, options: { size: 'L' } },
      ],
    });
    const none = await createProduct(t, seller.shop, {
      categoryId: category.id,
      variants: [
        { stock: 0, options: { size: 'S' } },
        { stock: 0, options: { size: 'L' } },
      ],
    });
    expect(await products.ids({ category: category.id, inStock: 'true' })).toEqual([
      some.product.id,
    ]);
    const all = await products.page({ category: category.id });
    expect(all.items.find((p) => p.id === none.product.id)?.inStock).toBe(false);
  });

  it('filters by option values that one variant has together', async () => {
    const category = await createCategory(t, { parentId: root.id });
    const options = [
      { name: 'color', values: ['red', 'blue'] },
      { name: 'size', values: ['M', 'L'] },
    ];
    const both = await createProduct(t, seller.shop, {
      categoryId: category.id,
      options,
      variants: [
        { options: { color: 'red', size: 'M' } },
        { options: { color: 'blue', size: 'L' } },
      ],
    });
    const redLarge = await createProduct(t, seller.shop, {
      categoryId: category.id,
      options,
      variants: [{ options: { color: 'red', size: 'L' } }],
    });
    const ids = async (option: string[]) =>
      new Set(await products.ids({ category: category.id, option }));
    expect(await ids(['color:red'])).toEqual(new Set(idsOf([both, redLarge])));
    expect(await ids(['color:red', 'size:M'])).toEqual(new Set([both.product.id]));
    expect(await ids(['size:L', 'color: red '])).toEqual(new Set([redLarge.product.id]));
    expect(await ids(['color:blue', 'size:M'])).toEqual(new Set());
    expect(await ids(['colour:red'])).toEqual(new Set());
    expect(await ids(['constructor:red', '__proto__:x'])).toEqual(new Set());
  });

  it('names every bad parameter', async () => {
    const cases: [Record<string, string | string[]>, string[]][] = [
      [{ priceMin: 'abc', currency: 'ETB' }, ['query.priceMin']],
      [{ priceMax: '-1', currency: 'ETB' }, ['query.priceMax']],
      [{ priceMin: '10' }, ['query.currency']],
      [{ priceMin: '10', priceMax: '5', currency: 'ETB' }, ['query.priceMax']],
      [{ currency: 'birr' }, ['query.currency']],
      [{ ratingMin: '6' }, ['query.ratingMin']],
      [{ ratingMin: 'high' }, ['query.ratingMin']],
      [{ inStock: 'false' }, ['query.inStock']],
      [{ option: 'colorred' }, ['query.option']],
      [{ option: ['color:red', 'color:blue'] }, ['query.option']],
      [{ option: ['a:1', 'b:2', 'c:3', 'd:4'] }, ['query.option']],
      [{ option: ':red' }, ['query.option']],
      [{ shop: 'my-shop' }, ['query.shop']],
      [{ sort: 'cheapest' }, ['query.sort']],
      [{ sort: 'relevance' }, ['query.sort']],
      [{ limit: '0' }, ['query.limit']],
      [{ q: 'phone' }, ['query.q']],
      [{ color: 'red' }, ['query.color']],
      [{ category: '' }, ['query.category']],
    ];
    for (const [query, paths] of cases) {
      await expectInvalid(await products.raw(query), paths);
    }
  });
});

describe('what is not on sale', () => {
  it('hides drafts, archived and disabled products, and those of shops not active', async () => {
    const category = await createCategory(t);
    const pending = await createSeller(t, { status: 'pending' });
    const suspended = await createSeller(t, { status: 'suspended' });
    const onSale = await createProduct(t, seller.shop, { categoryId: category.id });
    await createProduct(t, seller.shop, { categoryId: category.id, status: 'draft' });
    await createProduct(t, seller.shop, { categoryId: category.id, status: 'archived' });
    await createProduct(t, seller.shop, { categoryId: category.id, disabledAt: new Date() });
    await createProduct(t, pending.shop, { categoryId: category.id });
    await createProduct(t, suspended.shop, { categoryId: category.id });
    for (const sort of ['newest', 'price_asc', 'rating', 'best_selling']) {
      expect(await products.ids({ category: category.id, sort })).toEqual([onSale.product.id]);
    }
    expect(
      (await lister(t, '/products/search').ids({ category: category.id, q: 'test product' }))
        .length,
    ).toBe(1);
  });
});

describe('GET /shops/{id}/products', () => {
  it("lists one active shop's products on sale, with the filters and orders", async () => {
    const shop = await createSeller(t);
    const category = await createCategory(t);
    const [dear, cheap] = await Promise.all(
      [700, 200].map((price) =>
        createProduct(t, shop.shop, { categoryId: category.id, variants: [{ price }] }),
      ),
    );
    await createProduct(t, shop.shop, { categoryId: category.id, status: 'draft' });
    await createProduct(t, seller.shop, { categoryId: category.id });
    const list = lister(t, `/shops/${shop.shop.id}/products`);
    expect(await list.walk({ sort: 'price_asc' }, 1)).toEqual(
      idsOf([cheap, dear] as MadeProduct[]),
    );
    expect(await list.ids({ currency: 'ETB', priceMin: 500 })).toEqual([dear?.product.id]);
    expect(await list.ids({ category: category.slug, sort: 'price_desc' })).toEqual(
      idsOf([dear, cheap] as MadeProduct[]),
    );
    await expectInvalid(await list.raw({ shop: seller.shop.id }), ['query.shop']);
  });

  it('is 404 for a shop that is not active, or not there', async () => {
    const pending = await createSeller(t, { status: 'pending' });
    const suspended = await createSeller(t, { status: 'suspended' });
    for (const id of [pending.shop.id, suspended.shop.id, crypto.randomUUID()]) {
      const res = await lister(t, `/shops/${id}/products`).raw({});
      expect(res.status).toBe(404);
    }
    const res = await lister(t, '/shops/not-an-id/products').raw({});
    expect((await problemOf(res)).errors?.map((e) => e.path)).toEqual(['params.id']);
  });
});

describe('a public route with a bad token', () => {
  it('answers 401: a token a client sends must count', async () => {
    const res = await products.raw({}, { headers: { Authorization: 'Bearer not-a-token' } });
    expect(res.status).toBe(401);
    const anonymous = await products.raw({});
    expect(anonymous.status).toBe(200);
  });
});

describe('the OpenAPI document', () => {
  it('describes the browse routes and their parameters', async () => {
    const doc = await (await t.request('/openapi.json')).json();
    const param = (path: string, name: string) =>
      doc.paths[path].get.parameters.find((p: { name: string }) => p.name === name);
    expect(param('/api/v1/products', 'option').schema).toMatchObject({ type: 'array' });
    expect(param('/api/v1/products/search', 'q').required).toBe(true);
    expect(param('/api/v1/shops/{id}/products', 'shop')).toBeUndefined();
    expect(
      doc.paths['/api/v1/products/{id}'].get.responses['200'].content['application/json'].schema,
    ).toEqual({ $ref: '#/components/schemas/ProductPage' });
  });
});

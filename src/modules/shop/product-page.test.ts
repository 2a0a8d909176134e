import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signedInUser } from '../../../test/factories.ts';
import { createTestApp, problemOf } from '../../../test/harness.ts';
import { ProductPage, Variant } from './schemas.ts';
import { createCategory, createProduct, createSeller, type Seller } from './shop.test-support.ts';
import type { CategoryRow } from './tables.ts';

const t = await createTestApp();
afterAll(() => t.close());

let seller: Seller;
let root: CategoryRow;
let leaf: CategoryRow;
beforeAll(async () => {
  seller = await createSeller(t, { name: 'Page Shop' });
  root = await createCategory(t, { name: 'Electronics' });
  leaf = await createCategory(t, { parentId: root.id, name: 'Headphones' });
});

const get = (path: string, headers: Record<string, string> = {}) =>
  t.request(`/api/v1${path}`, { headers });

describe('GET /products/{id}', () => {
  it('shows a product on sale with its shop, rating, variants and category trail', async () => {
    const made = await createProduct(t, seller.shop, {
      categoryId: leaf.id,
      title: 'Studio headphones',
      options: [{ name: 'color', values: ['black', 'white'] }],
      variants: [
        { price: 25_000, compareAt: 30_000, stock: 2, options: { color: 'black' } },
        { price: 24_000, stock: 0, options: { color: 'white' } },
      ],
      averageRating: 4.5,
      ratingCount: 12,
      soldCount: 40,
    });
    const res = await get(`/products/${made.product.id}`);
    expect(res.status).toBe(200);
    const page = ProductPage.parse(await res.json());
    expect(page).toMatchObject({
      id: made.product.id,
      title: 'Studio headphones',
      status: 'active',
      price: { amount: 24_000, currency: 'ETB' },
      options: [{ name: 'color', values: ['black', 'white'] }],
      shop: { id: seller.shop.id, name: 'Page Shop', slug: seller.shop.slug, logoUrl: null },
      rating: { average: 4.5, count: 12 },
      soldCount: 40,
      breadcrumbs: [
        { id: root.id, name: 'Electronics', slug: root.slug },
        { id: leaf.id, name: 'Headphones', slug: leaf.slug },
      ],
      images: [],
      disabled: null,
    });
    expect(
      page.variants.map((v) => [v.options, v.price.amount, v.compareAtPrice, v.stock]),
    ).toEqual([
      [{ color: 'black' }, 25_000, { amount: 30_000, currency: 'ETB' }, 2],
      [{ color: 'white' }, 24_000, null, 0],
    ]);
  });

  it("is 404 when not on sale, except to its shop's owner and reviewers", async () => {
    const stranger = await signedInUser(t);
    const otherSeller = await createSeller(t);
    const moderator = await signedInUser(t, { roles: ['moderator'] });
    const admin = await signedInUser(t, { roles: ['admin'] });
    const suspended = await createSeller(t, { status: 'suspended' });
    const hidden = [
      {
        seller,
        made: await createProduct(t, seller.shop, { categoryId: leaf.id, status: 'draft' }),
      },
      {
        seller,
        made: await createProduct(t, seller.shop, { categoryId: leaf.id, status: 'archived' }),
      },
      {
        seller,
        made: await createProduct(t, seller.shop, { categoryId: leaf.id, disabledAt: new Date() }),
      },
      { seller: suspended, made: await createProduct(t, suspended.shop, { categoryId: leaf.id }) },
    ];
    for (const { seller: owner, made } of hidden) {
      for (const path of [
        `/products/${made.product.id}`,
        `/products/${made.product.id}/variants`,
      ]) {
        for (const headers of [{}, stranger.headers, otherSeller.headers]) {
          const res = await get(path, headers);
          expect(res.status).toBe(404);
          expect((await problemOf(res)).code).toBe('not-found');
        }
        for (const headers of [owner.headers, moderator.headers, admin.headers]) {
          expect((await get(path, headers)).status).toBe(200);
        }
      }
    }
    const [draft, , disabled] = hidden;
    const asOwner = await (await get(`/products/${draft?.made.product.id}`, seller.headers)).json();
    expect(asOwner).toMatchObject({ status: 'draft', publishedAt: null });
    const asAdmin = await (
      await get(`/products/${disabled?.made.product.id}`, admin.headers)
    ).json();
    expect(asAdmin.disabled).toEqual({ at: expect.any(String), reason: null });
  });

  it('is 404 for no such product and 400 for an id that is not one', async () => {
    expect((await get(`/products/${crypto.randomUUID()}`)).status).toBe(404);
    const res = await get('/products/not-an-id');
    expect(res.status).toBe(400);
    expect((await problemOf(res)).errors?.map((e) => e.path)).toEqual(['params.id']);
  });

  it('answers 401 to a bad token, though the route is public', async () => {
    const made = await createProduct(t, seller.shop, { categoryId: leaf.id });
    const res = await get(`/products/${made.product.id}`, { Authorization: 'Bearer forged' });
    expect(res.status).toBe(401);
  });
});

describe('GET /products/{id}/variants', () => {
  it('lists the variants in order', async () => {
    const made = await createProduct(t, seller.shop, {
      categoryId: leaf.id,
      variants: [
        { sku: 'V-S', price: 900, options: { size: 'S' } },
        { sku: 'V-M', price: 1000, stock: 0, options: { size: 'M' } },
      ],
    });
    const res = await get(`/products/${made.product.id}/variants`);
    expect(res.status).toBe(200);
    const variants = Variant.array().parse(await res.json());
    expect(variants.map((v) => [v.id, v.sku, v.price, v.stock, v.position])).toEqual([
      [made.variants[0]?.id, 'V-S', { amount: 900, currency: 'ETB' }, 5, 0],
      [made.variants[1]?.id, 'V-M', { amount: 1000, currency: 'ETB' }, 0, 1],
    ]);
  });
});

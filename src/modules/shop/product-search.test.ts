import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, expectInvalid, problemOf } from '../../../test/harness.ts';
import { lister } from './browse.test-support.ts';
import { createCategory, createProduct, createSeller, type Seller } from './shop.test-support.ts';
import type { CategoryRow } from './tables.ts';

const t = await createTestApp();
afterAll(() => t.close());

const search = lister(t, '/products/search');

/** A word no other test's products hold, so each test finds only its own. */
const word = (stem: string) => `${stem}${crypto.randomUUID().slice(0, 6).replace(/\d/g, 'x')}`;

let seller: Seller;
let category: CategoryRow;
beforeAll(async () => {
  seller = await createSeller(t);
  category = await createCategory(t);
});

const product = (title: string, description = 'Nothing to see.', more = {}) =>
  createProduct(t, seller.shop, { categoryId: category.id, title, description, ...more });

describe('GET /products/search', () => {
  it('ranks a title match above a description match', async () => {
    const term = word('zephyr');
    const inDescription = await product('Plain stand', `Holds your ${term} headphones.`);
    const inTitle = await product(`${term} headphones`);
    expect(await search.ids({ q: term })).toEqual([inTitle.product.id, inDescription.product.id]);
  });

  it('matches the start of a word, every word of the query', async () => {
    const brand = word('sonor');
    const headphones = await product(`${brand} headphones`);
    await product(`${brand} speaker`);
    expect(await search.ids({ q: `${brand} headph` })).toEqual([headphones.product.id]);
    expect(await search.ids({ q: brand.slice(0, -2) })).toHaveLength(2);
  });

  it('finds a misspelt word when nothing matches exactly', async () => {
    const brand = word('tonal');
    const headphones = await product(`${brand} headphones`);
    expect(await search.ids({ q: `${brand} headphnes` })).toEqual([headphones.product.id]);
  });

  it("finds products by their shop's name", async () => {
    const name = word('aurora');
    const shop = await createSeller(t, { name: `${name} Gadgets` });
    const made = await createProduct(t, shop.shop, { categoryId: category.id, title: 'A lamp' });
    expect(await search.ids({ q: name })).toEqual([made.product.id]);
  });

  it("finds products by a parent category's name, and filters by category", async () => {
    const name = word('kitchenware');
    const parent = await createCategory(t, { name: `${name} and more` });
    const child = await createCategory(t, { parentId: parent.id, name: 'Pans' });
    const pan = await createProduct(t, seller.shop, { categoryId: child.id, title: 'A pan' });
    expect(await search.ids({ q: name })).toEqual([pan.product.id]);
    expect(await search.ids({ q: 'pan', category: parent.slug })).toEqual([pan.product.id]);
  });

  it('finds nothing that is not on sale', async () => {
    const term = word('hidden');
    await product(`${term} draft`, '', { status: 'draft' });
    await product(`${term} disabled`, '', { disabledAt: new Date() });
    const suspended = await createSeller(t, { status: 'suspended' });
    await createProduct(t, suspended.shop, { categoryId: category.id, title: `${term} shop` });
    expect(await search.ids({ q: term })).toEqual([]);
  });

  it('pages by relevance, ties by id, and in the other orders on request', async () => {
    const term = word('walker');
    const made = [];
    for (const [i, price] of [400, 100, 400, 300].entries()) {
      made.push(
        await product(i % 2 ? `${term} kit` : 'A kit', `A ${term} kit.`, {
          variants: [{ price }],
          soldCount: i,
        }),
      );
    }
    const [a, b, c, d] = made.map((m) => m.product.id) as [string, string, string, string];
    const desc = (x: string, y: string) => (x < y ? 1 : -1);
    const inTitles = [b, d].sort(desc);
    const inDescriptions = [a, c].sort(desc);
    expect(await search.walk({ q: term }, 1)).toEqual([...inTitles, ...inDescriptions]);
    expect(await search.walk({ q: term, sort: 'price_asc' }, 1)).toEqual([b, d, ...[a, c].sort()]);
    expect(await search.walk({ q: term, sort: 'best_selling' }, 3)).toEqual([d, c, b, a]);
    expect(await search.ids({ q: term, currency: 'ETB', priceMin: 300 })).toEqual([
      d,
      ...inDescriptions,
    ]);
  });

  it('refuses a cursor issued for other words', async () => {
    const term = word('cursor');
    await product(`${term} one`);
    await product(`${term} two`);
    const cursor = await search.cursorOf({ q: term });
    const res = await search.raw({ q: `${term} one`, cursor });
    expect(res.status).toBe(400);
    expect((await problemOf(res)).errors?.map((e) => e.path)).toEqual(['query.cursor']);
  });

  it('names a query without words, or none at all', async () => {
    await expectInvalid(await search.raw({ q: '?!' }), ['query.q']);
    await expectInvalid(await search.raw({ q: '   ' }), ['query.q']);
    await expectInvalid(await search.raw({}), ['query.q']);
    await expectInvalid(await search.raw({ q: 'x'.repeat(201) }), ['query.q']);
    await expectInvalid(await search.raw({ q: 'kit', sort: 'nearest' }), ['query.sort']);
    await expectInvalid(await search.raw({ q: 'kit', priceMin: '1' }), ['query.currency']);
  });
});

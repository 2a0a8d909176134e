import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { and, asc, count, eq, inArray, notInArray } from 'drizzle-orm';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp } from '../../../test/harness.ts';
import { withTransaction } from '../../platform/db/transaction.ts';
import { CITIES } from '../../platform/demo/cities.ts';
import { seededRandom } from '../../platform/demo/random.ts';
import { userRoles, users } from '../identity/tables.ts';
import { CATEGORY_TREE, ensureCategoryTree, generateDraft, leafSlugs } from './generate.ts';
import { ProductPage } from './schemas.ts';
import { DEMO_SHOPS, loadProducts, seedDemoShops } from './seed.ts';
import {
  categories,
  type ProductRow,
  productImages,
  products,
  productVariants,
  type ShopRow,
  shops,
  type VariantRow,
} from './tables.ts';
import { MAX_OPTIONS, MAX_VARIANTS } from './vocabulary.ts';

const dataDir = await mkdtemp(join(tmpdir(), 'mercato-shop-seed-'));
const t = await createTestApp({ env: { DATA_DIR: dataDir } });
const db = t.database.db;

let demoShops: ShopRow[];
let demoProducts: ProductRow[];
let demoVariants: VariantRow[];

beforeAll(async () => {
  // As `make run` seeds: inside one transaction.
  await withTransaction(t.ctx(), (tx) => seedDemoShops(tx));
  demoShops = await db.select().from(shops);
  demoProducts = await db.select().from(products);
  demoVariants = await db.select().from(productVariants);
}, 60_000);
afterAll(async () => {
  await t.close();
  await rm(dataDir, { recursive: true, force: true });
});

/** Each category's name with its ancestors', from the catalogue rather than the database. */
const namesBySlug = new Map(
  CATEGORY_TREE.flatMap((root) => [
    [root.slug, root.name] as const,
    ...(root.children ?? []).map((child) => [child.slug, `${root.name} ${child.name}`] as const),
  ]),
);

describe('demo shops', () => {
  it('creates the category tree once, with icons and paths from the root', async () => {
    const rows = await db.select().from(categories);
    expect(rows.map((c) => c.slug).sort()).toEqual([...namesBySlug.keys()].sort());
    const byId = new Map(rows.map((c) => [c.id, c]));
    for (const row of rows) {
      expect(row.icon).not.toBeNull();
      expect(row.path.at(-1)).toBe(row.id);
      expect(row.path.length).toBe(
        row.parentId ? (byId.get(row.parentId)?.path.length ?? 0) + 1 : 1,
      );
    }
    const roots = rows.filter((c) => c.parentId === null).sort((a, b) => a.position - b.position);
    expect(roots.map((c) => c.name)).toEqual(CATEGORY_TREE.map((c) => c.name));

    await ensureCategoryTree(t.ctx());
    const [again] = await db.select({ n: count() }).from(categories);
    expect(again?.n).toBe(rows.length);
  });

  it('opens approved shops in the four cities, in their currencies, owned by sellers', async () => {
    expect(demoShops).toHaveLength(DEMO_SHOPS.length);
    for (const city of CITIES) {
      const here = DEMO_SHOPS.filter((s) => s.city.name === city.name).map((s) => s.slug);
      expect(here.length, city.name).toBeGreaterThanOrEqual(1);
      const rows = demoShops.filter((s) => here.includes(s.slug));
      expect(rows.every((s) => s.currency === city.currency)).toBe(true);
    }
    expect(demoShops.every((s) => s.status === 'active' && s.approvedAt !== null)).toBe(true);
    expect(demoShops.every((s) => s.logoKey !== null)).toBe(true);
    const sellers = await db
      .select({ userId: userRoles.userId, passwordHash: users.passwordHash })
      .from(userRoles)
      .innerJoin(users, eq(users.id, userRoles.userId))
      .where(and(eq(userRoles.role, 'seller'), eq(userRoles.status, 'granted')));
    const owners = new Set(demoShops.map((s) => s.ownerId));
    expect(sellers.filter((s) => owners.has(s.userId))).toHaveLength(owners.size);
    expect(sellers.every((s) => s.passwordHash === null)).toBe(true);
  });

  it('puts products on sale with every copied column as the services keep it', async () => {
    expect(demoProducts).toHaveLength(DEMO_SHOPS.length * 10);
    const shopsById = new Map(demoShops.map((s) => [s.id, s]));
    const slugs = new Map(
      (await db.select({ id: categories.id, slug: categories.slug }).from(categories)).map((c) => [
        c.id,
        c.slug,
      ]),
    );
    for (const product of demoProducts) {
      const shop = shopsById.get(product.shopId);
      const variants = demoVariants.filter((v) => v.productId === product.id);
      const slug = slugs.get(product.categoryId) ?? '';
      expect(product.visible, product.title).toBe(true);
      expect(product.publishedAt).not.toBeNull();
      expect(product.currency).toBe(shop?.currency);
      expect(product.shopName).toBe(shop?.name);
      expect(product.categoryNames).toBe(namesBySlug.get(slug));
      expect(DEMO_SHOPS.find((s) => s.slug === shop?.slug)?.sells).toContain(slug);
      expect(variants.length).toBeGreaterThanOrEqual(1);
      expect(variants.length).toBeLessThanOrEqual(6);
      expect(product.priceAmount).toBe(Math.min(...variants.map((v) => v.priceAmount)));
      const declared = new Map(product.options.map((o) => [o.name, o.values]));
      for (const variant of variants) {
        expect(Object.keys(variant.options).sort()).toEqual([...declared.keys()].sort());
        for (const [name, value] of Object.entries(variant.options)) {
          expect(declared.get(name)).toContain(value);
        }
      }
    }
    expect(new Set(demoVariants.map((v) => `${v.shopId}/${v.sku.toLowerCase()}`)).size).toBe(
      demoVariants.length,
    );
    // Something for each sort to order by.
    expect(demoProducts.filter((p) => p.ratingCount > 0).length).toBeGreaterThan(20);
    expect(new Set(demoProducts.map((p) => p.soldCount)).size).toBeGreaterThan(10);
    expect(demoVariants.some((v) => v.compareAtAmount !== null)).toBe(true);
  });

  it('stores one or two JPEG images of each product, served from storage', async () => {
    const images = await db
      .select()
      .from(productImages)
      .orderBy(asc(productImages.ownerId), asc(productImages.position));
    for (const product of demoProducts) {
      const own = images.filter((i) => i.ownerId === product.id);
      expect(own.map((i) => i.position)).toEqual(own.length === 2 ? [0, 1] : [0]);
    }
    for (const image of images) {
      expect(await t.ctx().storage.head(image.key), image.key).toMatchObject({
        contentType: 'image/jpeg',
        visibility: 'public',
      });
    }
    const url = new URL(await t.ctx().storage.url(images[0]?.key ?? ''));
    const file = await t.request(`${url.pathname}${url.search}`);
    expect(file.status).toBe(200);
    const meta = await sharp(new Uint8Array(await file.arrayBuffer())).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 800, 800]);
  });

  it('shows each demo product through the API, and browses a category and its subtree', async () => {
    for (const product of demoProducts) {
      const res = await t.request(`/api/v1/products/${product.id}`);
      expect(res.status, await res.clone().text()).toBe(200);
      const page = ProductPage.parse(await res.json());
      expect(page.breadcrumbs.map((c) => c.name).join(' ')).toBe(product.categoryNames);
      expect(page.price.amount).toBe(Math.min(...page.variants.map((v) => v.price.amount)));
      expect(page.images.length).toBeGreaterThan(0);
    }
    const electronics = await db
      .select({ id: categories.id })
      .from(categories)
      .where(inArray(categories.slug, ['electronics', 'phones', 'laptops', 'audio']));
    const inTree = new Set(electronics.map((c) => c.id));
    const res = await t.request('/api/v1/products?category=electronics&limit=100');
    expect(res.status, await res.clone().text()).toBe(200);
    const found = ((await res.json()) as { items: { id: string }[] }).items.map((p) => p.id);
    expect(found.sort()).toEqual(
      demoProducts
        .filter((p) => inTree.has(p.categoryId))
        .map((p) => p.id)
        .sort(),
    );
  });
});

describe('generated products', () => {
  it('have 1 to 6 distinct variants with positive prices and "was" prices above them', () => {
    const random = seededRandom(11);
    for (let i = 0; i < 2_000; i++) {
      const slug = leafSlugs()[i % leafSlugs().length] ?? '';
      const currency = CITIES[i % CITIES.length]?.currency ?? 'ETB';
      const draft = generateDraft(random, slug, currency);
      expect(draft.options.length).toBeLessThanOrEqual(MAX_OPTIONS);
      expect(draft.variants.length).toBeGreaterThanOrEqual(1);
      expect(draft.variants.length).toBeLessThanOrEqual(Math.min(6, MAX_VARIANTS));
      const combinations = draft.variants.map((v) => JSON.stringify(v.options));
      expect(new Set(combinations).size).toBe(combinations.length);
      for (const v of draft.variants) {
        expect(Number.isInteger(v.priceAmount) && v.priceAmount > 0).toBe(true);
        if (v.compareAtAmount !== null) expect(v.compareAtAmount).toBeGreaterThan(v.priceAmount);
        expect(v.stock).toBeGreaterThanOrEqual(0);
      }
    }
  });

  it('load in bulk, on sale over the generated shops and every leaf category', async () => {
    const before = demoProducts.map((p) => p.id);
    const seen: number[] = [];
    await loadProducts(t.ctx(), { count: 2_345, seed: 3, onProgress: (n) => seen.push(n) });
    expect(seen).toEqual([1_000, 2_000, 2_345]);

    const rows = await db.select().from(products).where(notInArray(products.id, before));
    expect(rows).toHaveLength(2_345);
    expect(rows.every((p) => p.visible && p.publishedAt !== null)).toBe(true);
    expect(new Set(rows.map((p) => p.categoryId)).size).toBe(leafSlugs().length);
    const sellers = await db
      .select()
      .from(shops)
      .where(
        inArray(
          shops.id,
          rows.map((p) => p.shopId),
        ),
      );
    expect(sellers).toHaveLength(16);
    expect(sellers.every((s) => s.status === 'active')).toBe(true);
    const currencies = new Map(sellers.map((s) => [s.id, s.currency]));
    expect(rows.every((p) => p.currency === currencies.get(p.shopId))).toBe(true);

    const variants = await db
      .select()
      .from(productVariants)
      .where(
        inArray(
          productVariants.shopId,
          sellers.map((s) => s.id),
        ),
      );
    const lowest = new Map<string, number>();
    for (const v of variants) {
      lowest.set(v.productId, Math.min(lowest.get(v.productId) ?? v.priceAmount, v.priceAmount));
    }
    expect(lowest.size).toBe(2_345);
    expect(rows.every((p) => p.priceAmount === lowest.get(p.id))).toBe(true);
    expect(variants.length / 2_345).toBeGreaterThan(1.5);
  });

  it('are the same for the same seed, and load again beside the earlier ones', async () => {
    async function loaded(seed: number): Promise<string[]> {
      const known = (await db.select({ id: products.id }).from(products)).map((r) => r.id);
      await loadProducts(t.ctx(), { count: 150, seed });
      const rows = await db.select().from(products).where(notInArray(products.id, known));
      return rows
        .map((p) => JSON.stringify([p.title, p.shopId, p.categoryId, p.priceAmount, p.options]))
        .sort();
    }
    const first = await loaded(9);
    expect(first).toHaveLength(150);
    expect(await loaded(9)).toEqual(first);
    expect(await loaded(10)).not.toEqual(first);
  });
});

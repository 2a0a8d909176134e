import { eq, getTableColumns, inArray, sql } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';
import { v7 as uuidv7 } from 'uuid';
import type { Ctx } from '../../platform/core/context.ts';
import { minorUnits } from '../../platform/core/money.ts';
import type { Executor } from '../../platform/db/client.ts';
import { withTransaction } from '../../platform/db/transaction.ts';
import type { City } from '../../platform/demo/cities.ts';
import { between, intBetween, pick, type Random } from '../../platform/demo/random.ts';
import { ensureSeedAccounts, type SeedAccount } from '../identity/index.ts';
import { breadcrumbsOf, categoryNames } from './categories.ts';
import { CATEGORY_TREE, type CategoryNode } from './generate/catalogue.ts';
import { generateDraft, leafSlugs, type ProductDraft } from './generate/products.ts';
import { categories, products, productVariants, type ShopRow, shops } from './tables.ts';

export { CATEGORY_TREE } from './generate/catalogue.ts';
export { generateDraft, leafSlugs, type ProductDraft, priceIn } from './generate/products.ts';

/**
 * Generated shops and products: the demo data and the bulk loader (`make seed ARGS="--products
 * N"`, the load benchmark) build their rows here, the same way. Generation is deterministic
 * for a seed, so two benchmark runs browse the same products.
 */

/** A category of the tree as products copy it. */
export interface PlacedCategory {
  id: string;
  slug: string;
  /** Its and its ancestors' names, as products keep them for search. */
  names: string;
}

/**
 * The category tree, created where a slug is missing; categories already there (an admin may
 * have renamed or moved them) are used as they are.
 */
export async function ensureCategoryTree(ctx: Ctx): Promise<Map<string, PlacedCategory>> {
  const placed = new Map<string, PlacedCategory>();
  async function place(
    nodes: readonly CategoryNode[],
    parent: { id: string; path: string[] } | null,
  ): Promise<void> {
    for (const [position, node] of nodes.entries()) {
      const id = uuidv7();
      await ctx.db
        .insert(categories)
        .values({
          id,
          parentId: parent?.id ?? null,
          name: node.name,
          slug: node.slug,
          position,
          icon: node.icon,
          path: [...(parent?.path ?? []), id],
        })
        .onConflictDoNothing();
      const [row] = await ctx.db
        .select({ id: categories.id, path: categories.path })
        .from(categories)
        .where(eq(categories.slug, node.slug));
      if (!row) throw new Error(`the category ${node.slug} was not created`);
      const trail = await breadcrumbsOf(ctx.db, row.id);
      placed.set(node.slug, { id: row.id, slug: node.slug, names: categoryNames(trail) });
      if (node.children) await place(node.children, row);
    }
  }
  await place(CATEGORY_TREE, null);
  return placed;
}

/** The categories products are generated in: those the catalogue has kinds of product for. */
export function leafCategories(tree: ReadonlyMap<string, PlacedCategory>): PlacedCategory[] {
  return leafSlugs().map((slug) => categoryIn(tree, slug));
}

export function categoryIn(
  tree: ReadonlyMap<string, PlacedCategory>,
  slug: string,
): PlacedCategory {
  const category = tree.get(slug);
  if (!category) throw new Error(`the category tree has no ${slug}`);
  return category;
}

export interface ShopSpec {
  owner: SeedAccount;
  name: string;
  slug: string;
  city: City;
  description: string;
  returnPolicy: string | null;
  /** In major units of the city's currency. */
  shippingFlatFee: number;
  shippingFreeOver: number | null;
}

/**
 * An approved shop for each spec, owned by its seller account (made, with the seller role,
 * when missing), in the specs' order. A seller who has a shop keeps it as it is.
 */
export async function ensureShops(ctx: Ctx, specs: readonly ShopSpec[]): Promise<ShopRow[]> {
  const owners = await ensureSeedAccounts(
    ctx,
    specs.map((s) => s.owner),
  );
  const now = new Date();
  await ctx.db
    .insert(shops)
    .values(
      specs.map((spec, i) => ({
        ownerId: owners[i]?.userId ?? '',
        name: spec.name,
        slug: spec.slug,
        description: spec.description,
        contactEmail: spec.owner.email,
        returnPolicy: spec.returnPolicy,
        currency: spec.city.currency,
        shippingFlatFee: minorUnits(spec.shippingFlatFee, spec.city.currency),
        shippingFreeOver:
          spec.shippingFreeOver === null
            ? null
            : minorUnits(spec.shippingFreeOver, spec.city.currency),
        status: 'active' as const,
        approvedAt: now,
      })),
    )
    .onConflictDoNothing();
  const rows = await ctx.db
    .select()
    .from(shops)
    .where(
      inArray(
        shops.ownerId,
        owners.map((o) => o.userId),
      ),
    );
  return owners.map((owner, i) => {
    const row = rows.find((r) => r.ownerId === owner.userId);
    // Only another owner's shop holding the slug leaves a seller without one.
    if (!row) throw new Error(`the shop ${specs[i]?.slug} was not created: its slug is taken`);
    return row;
  });
}

export type ProductInsert = typeof products.$inferInsert;
export type VariantInsert = typeof productVariants.$inferInsert;

export interface ProductRows {
  product: ProductInsert & { id: string };
  variants: VariantInsert[];
}

/** Where and when a draft goes on sale, and how it sold so far. */
export interface Placement {
  shop: ShopRow;
  category: PlacedCategory;
  createdAt: Date;
  publishedAt: Date;
  averageRating: number;
  ratingCount: number;
  soldCount: number;
}

/**
 * The rows of a product on sale, every copied column as the services keep it: the shop's
 * currency, name and status, the category names, and the lowest variant price. The id is a
 * UUIDv7 of its creation time; the SKUs carry its random part, so they never clash in a shop.
 */
export function productRows(draft: ProductDraft, placement: Placement): ProductRows {
  const { shop, category, createdAt } = placement;
  const id = uuidv7({ msecs: createdAt.getTime() });
  const tag = id.slice(-12).toUpperCase();
  return {
    product: {
      id,
      shopId: shop.id,
      categoryId: category.id,
      title: draft.title,
      description: draft.description,
      status: 'active',
      options: draft.options,
      currency: shop.currency,
      priceAmount: Math.min(...draft.variants.map((v) => v.priceAmount)),
      publishedAt: placement.publishedAt,
      disabledAt: null,
      disabledReason: null,
      shopActive: shop.status === 'active',
      shopName: shop.name,
      categoryNames: category.names,
      averageRating: placement.averageRating,
      ratingCount: placement.ratingCount,
      soldCount: placement.soldCount,
      createdAt,
      updatedAt: placement.publishedAt,
    },
    variants: draft.variants.map((v, position) => ({
      id: uuidv7({ msecs: createdAt.getTime() }),
      productId: id,
      shopId: shop.id,
      sku: `${draft.skuPrefix}-${tag}-${v.number}`,
      priceAmount: v.priceAmount,
      compareAtAmount: v.compareAtAmount,
      stock: v.stock,
      options: v.options,
      weightG: v.weightG,
      position,
      createdAt,
      updatedAt: createdAt,
    })),
  };
}

const DAY_MS = 86_400_000;

/**
 * Published within `days` before `now`, made up to two days before that; about seven in ten
 * rated, mostly well, and sold a few times per rating.
 */
export function placementIn(
  random: Random,
  where: { shop: ShopRow; category: PlacedCategory },
  days: number,
  now: Date,
): Placement {
  const publishedAt = new Date(now.getTime() - Math.floor(random() * days * DAY_MS));
  const createdAt = new Date(publishedAt.getTime() - Math.floor(random() * 2 * DAY_MS));
  const rated = random() < 0.7;
  const ratingCount = rated ? Math.floor(random() ** 2 * 400) + 1 : 0;
  return {
    ...where,
    createdAt,
    publishedAt,
    averageRating: rated ? Math.round(between(random, 2.8, 5) * 10) / 10 : 0,
    ratingCount,
    soldCount: ratingCount * intBetween(random, 2, 8) + intBetween(random, 0, 20),
  };
}

/** `count` products on sale over the last half year, spread over `shops` and `leaves`. */
export function* generateProducts(
  random: Random,
  count: number,
  where: { shops: readonly ShopRow[]; leaves: readonly PlacedCategory[] },
  now = new Date(),
): Generator<ProductRows> {
  for (let i = 0; i < count; i++) {
    const shop = pick(random, where.shops);
    const category = pick(random, where.leaves);
    const draft = generateDraft(random, category.slug, shop.currency);
    yield productRows(draft, placementIn(random, { shop, category }, 180, now));
  }
}

/** `items` in arrays of `size`, the last one shorter. */
export function* batches<T>(items: Iterable<T>, size: number): Generator<T[]> {
  let batch: T[] = [];
  for (const item of items) {
    batch.push(item);
    if (batch.length === size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

/**
 * One statement for many rows of `table`: the rows go as one JSON parameter, unpacked by
 * PostgreSQL, which builds and parses far faster than a VALUES list of thousands of parameters.
 */
async function insertMany<T extends PgTable>(
  db: Executor,
  table: T,
  rows: readonly T['$inferInsert'][],
): Promise<void> {
  if (rows.length === 0) return;
  const given = new Set(rows.flatMap((row) => Object.keys(row)));
  const writable = Object.entries(getTableColumns(table)).filter(
    ([key, column]) => !column.generated && given.has(key),
  );
  const names = sql.raw(writable.map(([, column]) => `"${column.name}"`).join(', '));
  const records = rows.map((row) =>
    Object.fromEntries(
      writable.map(([key, column]) => [column.name, (row as Record<string, unknown>)[key] ?? null]),
    ),
  );
  await db.execute(sql`
    insert into ${table} (${names})
    select ${names} from json_populate_recordset(null::${table}, ${JSON.stringify(records)}::json)`);
}

/** Products with their variants, committed together. */
export async function insertProducts(ctx: Ctx, batch: readonly ProductRows[]): Promise<void> {
  await withTransaction(ctx, async (tx) => {
    await insertMany(
      tx.db,
      products,
      batch.map((p) => p.product),
    );
    await insertMany(
      tx.db,
      productVariants,
      batch.flatMap((p) => p.variants),
    );
  });
}

import type { z } from '@hono/zod-openapi';
import { and, eq, gte, inArray, lte, type SQL, sql } from 'drizzle-orm';
import type { Ctx } from '../../platform/core/context.ts';
import { NotFound } from '../../platform/core/errors.ts';
import { keysetPage, type Page, queryScope, type SortKey } from '../../platform/core/paging.ts';
import { can } from '../../platform/core/permissions.ts';
import type { Executor } from '../../platform/db/client.ts';
import { type TextSearchable, textMatch } from '../../platform/db/text-search.ts';
import { withTransaction } from '../../platform/db/transaction.ts';
import type { ProductSearch, Sort } from './browse-query.ts';
import { breadcrumbsOf, inSubtree } from './categories.ts';
import type { ProductPage } from './schemas.ts';
import { byIdOrSlug } from './slugs.ts';
import { categories, products, productVariants, type ShopRow, shops } from './tables.ts';
import {
  onSale,
  type Produced,
  type ProductSummaryView,
  productColumns,
  productSummaries,
  productView,
  shopSummary,
  type VariantView,
  variantsOf,
  variantView,
} from './views.ts';

/**
 * Browse and search over the products on sale: filters as SQL, keyset pages in every order
 * (each order has its partial index over `visible`), and the shared text search.
 */

/** Products' text: the title over the category and shop names over the description. */
export const productText: TextSearchable = {
  table: products,
  vector: products.search,
  text: products.searchText,
};

const when = <T>(value: T | undefined, fn: (value: T) => SQL) =>
  value === undefined ? undefined : fn(value);

/** A variant of the product matching `condition`: the variants' indexes answer it per product. */
const hasVariant = (condition: SQL) =>
  sql`exists (select 1 from ${productVariants} where ${productVariants.productId} = ${products.id} and ${condition})`;

/** The category by id or slug; 404 when there is none, rather than an empty list that hides a typo. */
async function categoryId(db: Executor, idOrSlug: string): Promise<string> {
  const [row] = await db
    .select({ id: categories.id })
    .from(categories)
    .where(byIdOrSlug(categories.id, categories.slug, idOrSlug));
  if (!row) throw new NotFound('category');
  return row.id;
}

async function filterConditions(db: Executor, search: ProductSearch): Promise<SQL[]> {
  const category = search.category ? await categoryId(db, search.category) : undefined;
  const where: (SQL | undefined)[] = [
    onSale,
    when(search.shop, (v) => eq(products.shopId, v)),
    when(category, (v) =>
      inArray(
        products.categoryId,
        db.select({ id: categories.id }).from(categories).where(inSubtree(v)),
      ),
    ),
    when(search.currency, (v) => eq(products.currency, v)),
    when(search.priceMin, (v) => gte(products.priceAmount, v)),
    when(search.priceMax, (v) => lte(products.priceAmount, v)),
    when(search.ratingMin, (v) => gte(products.averageRating, v)),
    when(search.inStock, () => hasVariant(sql`${productVariants.stock} > 0`)),
    when(search.option, (v) =>
      hasVariant(sql`${productVariants.options} @> ${JSON.stringify(v)}::jsonb`),
    ),
  ];
  return where.filter((c): c is SQL => c !== undefined);
}

type Found = Produced & { rank: string | null };

function sortKeys(sort: Sort, rank: SQL): SortKey<Found>[] {
  const key = (
    column: SortKey<Found>['column'],
    direction: 'asc' | 'desc',
    value: SortKey<Found>['value'],
  ) => ({ column, direction, value });
  const id = (direction: 'asc' | 'desc') => key(products.id, direction, (r) => r.id);
  switch (sort) {
    case 'newest':
      // Everything on sale has been published, so the key is never null here.
      return [key(products.publishedAt, 'desc', (r) => r.publishedAt as Date), id('desc')];
    case 'price_asc':
      return [key(products.priceAmount, 'asc', (r) => r.priceAmount), id('asc')];
    case 'price_desc':
      return [key(products.priceAmount, 'desc', (r) => r.priceAmount), id('desc')];
    case 'rating':
      return [
        key(products.averageRating, 'desc', (r) => r.averageRating),
        key(products.ratingCount, 'desc', (r) => r.ratingCount),
        id('desc'),
      ];
    case 'best_selling':
      return [key(products.soldCount, 'desc', (r) => r.soldCount), id('desc')];
    case 'relevance':
      return [key(rank, 'desc', (r) => r.rank ?? '0'), id('desc')];
  }
}

/** A page of product cards: `list` names the route, so its cursors work nowhere else. */
export async function findProducts(
  ctx: Ctx,
  list: string,
  search: ProductSearch,
): Promise<Page<ProductSummaryView>> {
  const scope = await queryScope(`${list}:${search.sort}`, search);
  const page = await withTransaction(ctx, async (tx) => {
    const where = await filterConditions(tx.db, search);
    const text = search.q ? await textMatch(tx.db, productText, search.q, where) : undefined;
    if (text) where.push(text.match);
    const rank = text?.rank ?? sql`null::numeric`;
    return keysetPage<Found>(ctx, {
      scope,
      keys: sortKeys(search.sort, rank),
      page: search,
      fetch: ({ where: after, orderBy, limit }) =>
        tx.db
          .select({ ...productColumns, rank: sql<string | null>`${rank}` })
          .from(products)
          .where(and(...where, after))
          .orderBy(...orderBy)
          .limit(limit),
    });
  });
  return { ...page, items: await productSummaries(ctx.db, ctx.storage, page.items) };
}

/** An active shop's products; a shop not selling is 404, as on its page. */
export async function shopProducts(
  ctx: Ctx,
  shopId: string,
  search: Omit<ProductSearch, 'shop'>,
): Promise<Page<ProductSummaryView>> {
  const [shop] = await ctx.db
    .select({ id: shops.id })
    .from(shops)
    .where(and(eq(shops.id, shopId), eq(shops.status, 'active')));
  if (!shop) throw new NotFound('shop');
  return findProducts(ctx, 'shop-products', { ...search, shop: shopId });
}

/**
 * The product and its shop, when the caller may see it: anyone while it is on sale, its shop's
 * owner and reviewers whatever its state. Others get 404, so a draft does not leak.
 */
async function visibleProduct(ctx: Ctx, id: string): Promise<{ row: Produced; shop: ShopRow }> {
  const [found] = await ctx.db
    .select({ row: productColumns, shop: shops })
    .from(products)
    .innerJoin(shops, eq(shops.id, products.shopId))
    .where(eq(products.id, id));
  if (!found) throw new NotFound('product');
  const { row, shop } = found;
  const mayReview = ctx.actor?.userId === shop.ownerId || can(ctx, 'shops.review');
  if (!row.visible && !mayReview) throw new NotFound('product');
  return { row, shop };
}

export type ProductPageView = z.infer<typeof ProductPage>;

export async function productPage(ctx: Ctx, id: string): Promise<ProductPageView> {
  const { row, shop } = await visibleProduct(ctx, id);
  const [view, summary, breadcrumbs] = await Promise.all([
    productView(ctx.db, ctx.storage, row),
    shopSummary(ctx.storage, shop),
    breadcrumbsOf(ctx.db, row.categoryId),
  ]);
  return {
    ...view,
    shop: summary,
    rating: { average: row.averageRating, count: row.ratingCount },
    breadcrumbs,
  };
}

export async function listVariants(ctx: Ctx, id: string): Promise<VariantView[]> {
  const { row } = await visibleProduct(ctx, id);
  return (await variantsOf(ctx.db, row.id)).map((v) => variantView(v, row.currency));
}

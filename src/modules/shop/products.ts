import { and, eq, inArray, sql } from 'drizzle-orm';
import type { PgUpdateSetSource } from 'drizzle-orm/pg-core';
import type { Ctx } from '../../platform/core/context.ts';
import { type FieldError, NotFound } from '../../platform/core/errors.ts';
import { keysetPage, type Page, type PageInput } from '../../platform/core/paging.ts';
import { withTransaction } from '../../platform/db/transaction.ts';
import { categoryNamesFor, inSubtree } from './categories.ts';
import type { ProductChanges, ProductInput } from './product-input.ts';
import { sellerShop } from './shops.ts';
import { categories, products, productVariants, type ShopRow, shops } from './tables.ts';
import {
  assertSkusFree,
  invalid,
  matchErrors,
  optionErrors,
  orSkuTaken,
  variantColumns,
  variantsErrors,
} from './variant-rules.ts';
import {
  type Produced,
  type ProductSummaryView,
  type ProductView,
  productColumns,
  productSummaries,
  productView,
  variantsOf,
} from './views.ts';
import type { ProductStatus } from './vocabulary.ts';

/**
 * A seller's products, in the seller's own shop whatever its status: a pending or suspended
 * shop's products are kept ready, just not on sale. Another shop's product is not found. A
 * product is created with its variants; they change one by one in variants.ts.
 */
const noCategory = { path: 'categoryId', message: 'no such category' };

/** Publishing stamps the first time only: "newest" must not reward toggling a product. */
const publishedAtFor = (status: ProductStatus, current: Date | null, now: Date) =>
  status === 'active' && current === null ? now : current;

export async function createProduct(ctx: Ctx, input: ProductInput): Promise<ProductView> {
  const { id: shopId } = await sellerShop(ctx);
  const row = await orSkuTaken('variants', () =>
    withTransaction(ctx, async (tx) => {
      // Shared, so an admin's approval or suspension waits and then copies its status here too.
      const [shop] = await tx.db.select().from(shops).where(eq(shops.id, shopId)).for('share');
      if (!shop) throw new NotFound('shop', 'no-shop');
      const names = await categoryNamesFor(tx.db, input.categoryId);
      const broken = optionErrors(input.options, 'options');
      const errors = [
        ...(names === undefined ? [noCategory] : []),
        ...broken,
        ...variantsErrors(
          input.variants,
          broken.length === 0 ? input.options : null,
          shop.currency,
        ),
      ];
      if (errors.length > 0) throw invalid(errors);
      await assertSkusFree(
        tx.db,
        shop.id,
        input.variants.map((v, i) => ({ sku: v.sku, path: `variants.${i}.sku` })),
      );
      const now = new Date();
      const [product] = await tx.db
        .insert(products)
        .values({
          shopId: shop.id,
          categoryId: input.categoryId,
          title: input.title,
          description: input.description,
          status: input.status,
          options: input.options,
          currency: shop.currency,
          priceAmount: Math.min(...input.variants.map((v) => v.price.amount)),
          publishedAt: publishedAtFor(input.status, null, now),
          shopActive: shop.status === 'active',
          shopName: shop.name,
          categoryNames: names ?? '',
          createdAt: now,
          updatedAt: now,
        })
        .returning(productColumns);
      if (!product) throw new Error('the product insert returned nothing');
      await tx.db
        .insert(productVariants)
        .values(
          input.variants.map((variant, position) =>
            variantColumns(variant, { productId: product.id, shopId: shop.id, position }),
          ),
        );
      return product;
    }),
  );
  return productView(ctx.db, ctx.storage, row);
}

/** One of the caller's products, or 404 (also for another shop's). */
async function ownProduct(ctx: Ctx, shop: ShopRow, productId: string, lock: boolean) {
  const query = ctx.db
    .select(productColumns)
    .from(products)
    .where(and(eq(products.id, productId), eq(products.shopId, shop.id)));
  const [row] = await (lock ? query.for('no key update') : query);
  if (!row) throw new NotFound('product');
  return row;
}

/**
 * The caller's product, locked for the rest of the transaction: its variants change under it.
 * The lock leaves the key alone (`for no key update`), so a checkout holding a variant's lock
 * can still insert order lines referring to the product instead of deadlocking with it.
 */
export async function productToChange(
  ctx: Ctx,
  productId: string,
): Promise<{ shop: ShopRow; product: Produced }> {
  const shop = await sellerShop(ctx);
  return { shop, product: await ownProduct(ctx, shop, productId, true) };
}

export async function sellerProduct(ctx: Ctx, productId: string): Promise<ProductView> {
  const row = await ownProduct(ctx, await sellerShop(ctx), productId, false);
  return productView(ctx.db, ctx.storage, row);
}

export interface SellerProductFilter {
  status?: ProductStatus | undefined;
  /** The category or any under it. */
  categoryId?: string | undefined;
  /** Contained in the title, ignoring case. */
  q?: string | undefined;
}

/** The caller's products in every status, newest created first. */
export async function sellerProducts(
  ctx: Ctx,
  filter: SellerProductFilter,
  page: PageInput,
): Promise<Page<ProductSummaryView>> {
  const shop = await sellerShop(ctx);
  const where = and(
    eq(products.shopId, shop.id),
    filter.status ? eq(products.status, filter.status) : undefined,
    filter.categoryId
      ? inArray(
          products.categoryId,
          ctx.db.select({ id: categories.id }).from(categories).where(inSubtree(filter.categoryId)),
        )
      : undefined,
    // strpos, not LIKE: nothing the seller types is a pattern.
    filter.q ? sql`strpos(lower(${products.title}), lower(${filter.q})) > 0` : undefined,
  );
  const result = await keysetPage<Produced>(ctx, {
    scope: 'shop:seller-products',
    keys: [
      { column: products.createdAt, direction: 'desc', value: (r) => r.createdAt },
      { column: products.id, direction: 'desc', value: (r) => r.id },
    ],
    page,
    fetch: ({ where: after, orderBy, limit }) =>
      ctx.db
        .select(productColumns)
        .from(products)
        .where(and(where, after))
        .orderBy(...orderBy)
        .limit(limit),
  });
  return { ...result, items: await productSummaries(ctx.db, ctx.storage, result.items) };
}

/** Marks the product changed, returning it as it now is. */
export async function touchProduct(
  ctx: Ctx,
  productId: string,
  set: PgUpdateSetSource<typeof products> = {},
): Promise<Produced> {
  const [row] = await ctx.db
    .update(products)
    .set({ ...set, updatedAt: new Date() })
    .where(eq(products.id, productId))
    .returning(productColumns);
  if (!row) throw new NotFound('product');
  return row;
}

export async function updateProduct(
  ctx: Ctx,
  productId: string,
  changes: ProductChanges,
): Promise<ProductView> {
  const row = await withTransaction(ctx, async (tx) => {
    const { product } = await productToChange(tx, productId);
    const { categoryId, title, description, status, options } = changes;
    const set: Partial<typeof products.$inferInsert> = { title, description };
    const errors: FieldError[] = [];
    if (categoryId !== undefined && categoryId !== product.categoryId) {
      const names = await categoryNamesFor(tx.db, categoryId);
      if (names === undefined) errors.push(noCategory);
      else Object.assign(set, { categoryId, categoryNames: names });
    }
    if (options !== undefined) {
      const own = optionErrors(options, 'options');
      errors.push(...own);
      if (own.length === 0) {
        for (const variant of await variantsOf(tx.db, productId)) {
          const broken = matchErrors(variant.options, options, 'options');
          if (broken.length > 0) {
            const why = broken.map((e) => `${e.path} ${e.message}`).join('; ');
            errors.push({
              path: 'options',
              message: `variant ${variant.sku} would not match: ${why}`,
            });
          }
        }
      }
      set.options = options;
    }
    if (errors.length > 0) throw invalid(errors);
    if (status !== undefined) {
      set.status = status;
      set.publishedAt = publishedAtFor(status, product.publishedAt, new Date());
    }
    return touchProduct(tx, productId, set);
  });
  return productView(ctx.db, ctx.storage, row);
}

/** Takes it off the shop for good, as far as buyers see; its orders keep referring to it. */
export async function archiveProduct(ctx: Ctx, productId: string): Promise<void> {
  await withTransaction(ctx, async (tx) => {
    await productToChange(tx, productId);
    await touchProduct(tx, productId, { status: 'archived' });
  });
}

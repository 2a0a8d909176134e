import { and, eq, inArray, ne, sql } from 'drizzle-orm';
import type { PgUpdateSetSource } from 'drizzle-orm/pg-core';
import { type Executor, isUniqueViolation } from '../../platform/db/client.ts';
import { closeGap } from '../../platform/db/positions.ts';
import { withTransaction } from '../../platform/db/transaction.ts';
import type { Ctx } from '../../platform/http/context.ts';
import { Conflict, type FieldError, Invalid, NotFound } from '../../platform/http/errors.ts';
import { keysetPage, type Page, type PageInput } from '../../platform/http/pagination.ts';
import { categoryNamesFor, inSubtree } from './categories.ts';
import type {
  ProductChanges,
  ProductInput,
  VariantChanges,
  VariantInput,
} from './product-input.ts';
import { sellerShop } from './shops.ts';
import {
  categories,
  type ProductOption,
  products,
  productVariants,
  type ShopRow,
  shops,
  type VariantRow,
} from './tables.ts';
import {
  type Produced,
  type ProductSummaryView,
  type ProductView,
  productColumns,
  productSummaries,
  productView,
  variantsOf,
} from './views.ts';
import { MAX_VARIANTS, type ProductStatus } from './vocabulary.ts';

/**
 * A seller's products and their variants, in the seller's own shop whatever its status: a
 * pending or suspended shop's products are kept ready, just not on sale. Another shop's
 * product is not found. `priceAmount` stays the lowest variant price, in the transaction
 * that changes a variant, under the product's row lock.
 */

function invalid(errors: FieldError[]): Invalid {
  const [first] = errors;
  return new Invalid(
    'invalid-product',
    errors.length === 1 && first
      ? `${first.path}: ${first.message}`
      : `${errors.length} fields break the product's rules.`,
    { errors },
  );
}

function skuTaken(errors: FieldError[]): Conflict {
  return new Conflict(
    'sku-taken',
    'Another product of your shop uses this SKU (SKUs are compared ignoring case).',
    { errors },
  );
}

/** Runs `fn`, answering the loser of a race for a SKU with the 409 a check would have given. */
async function orSkuTaken<T>(path: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw skuTaken([{ path, message: 'taken by another variant of your shop' }]);
    }
    throw error;
  }
}

function optionErrors(options: readonly ProductOption[], path: string): FieldError[] {
  const errors: FieldError[] = [];
  const names = new Set<string>();
  for (const [i, { name, values }] of options.entries()) {
    if (names.has(name)) errors.push({ path: `${path}.${i}.name`, message: 'a repeated name' });
    names.add(name);
    const seen = new Set<string>();
    for (const [j, value] of values.entries()) {
      if (seen.has(value)) {
        errors.push({ path: `${path}.${i}.values.${j}`, message: 'a repeated value' });
      }
      seen.add(value);
    }
  }
  return errors;
}

/** Whether a variant's `options` give a declared value of each of the product's option names. */
function matchErrors(
  given: Record<string, string>,
  options: readonly ProductOption[],
  path: string,
): FieldError[] {
  const errors: FieldError[] = [];
  for (const { name, values } of options) {
    const value = given[name];
    if (value === undefined) {
      errors.push({ path: `${path}.${name}`, message: 'required: the product has this option' });
    } else if (!values.includes(value)) {
      errors.push({ path: `${path}.${name}`, message: `expected one of: ${values.join(', ')}` });
    }
  }
  for (const key of Object.keys(given)) {
    if (!options.some((option) => option.name === key)) {
      errors.push({ path: `${path}.${key}`, message: 'not an option of the product' });
    }
  }
  return errors;
}

/** What tells two variants apart: their values, in the order of the product's options. */
const combination = (options: readonly ProductOption[], given: Record<string, string>) =>
  JSON.stringify(options.map((option) => given[option.name] ?? null));

type Priced = Pick<VariantInput, 'price' | 'compareAtPrice' | 'options'>;

/**
 * A variant's own rules: prices in the shop's currency, the "was" price above the price, the
 * product's options (unless they are broken themselves: null).
 */
function variantErrors(
  variant: Priced,
  options: readonly ProductOption[] | null,
  currency: string,
  path: string,
): FieldError[] {
  const errors: FieldError[] = [];
  const { price, compareAtPrice } = variant;
  for (const [field, money] of [
    ['price', price],
    ['compareAtPrice', compareAtPrice],
  ] as const) {
    if (money && money.currency !== currency) {
      errors.push({
        path: `${path}.${field}.currency`,
        message: `expected ${currency}, the shop's`,
      });
    }
  }
  if (compareAtPrice && compareAtPrice.amount <= price.amount) {
    errors.push({ path: `${path}.compareAtPrice.amount`, message: 'expected more than the price' });
  }
  return options
    ? [...errors, ...matchErrors(variant.options, options, `${path}.options`)]
    : errors;
}

/** The variants of a new product: each valid, no SKU or combination twice. */
function variantsErrors(
  variants: readonly VariantInput[],
  options: readonly ProductOption[] | null,
  currency: string,
): FieldError[] {
  const errors: FieldError[] = [];
  const skus = new Set<string>();
  const combinations = new Set<string>();
  for (const [i, variant] of variants.entries()) {
    const path = `body.variants.${i}`;
    const own = variantErrors(variant, options, currency, path);
    errors.push(...own);
    const sku = variant.sku.toLowerCase();
    if (skus.has(sku)) {
      errors.push({ path: `${path}.sku`, message: 'repeats an earlier variant’s SKU' });
    }
    skus.add(sku);
    const key = combination(options ?? [], variant.options);
    if (options && own.length === 0 && combinations.has(key)) {
      errors.push({ path: `${path}.options`, message: 'repeats an earlier variant’s values' });
    }
    combinations.add(key);
  }
  return errors;
}

/** 409 naming each SKU another variant of the shop already has, whatever its case. */
async function assertSkusFree(
  db: Executor,
  shopId: string,
  wanted: readonly { sku: string; path: string }[],
  exceptVariantId?: string,
): Promise<void> {
  const lowered = sql`lower(${productVariants.sku})`;
  const taken = await db
    .select({ sku: sql<string>`${lowered}` })
    .from(productVariants)
    .where(
      and(
        eq(productVariants.shopId, shopId),
        inArray(
          lowered,
          wanted.map((w) => w.sku.toLowerCase()),
        ),
        exceptVariantId ? ne(productVariants.id, exceptVariantId) : undefined,
      ),
    );
  const used = new Set(taken.map((row) => row.sku));
  const errors = wanted
    .filter((w) => used.has(w.sku.toLowerCase()))
    .map((w) => ({ path: w.path, message: 'taken by another variant of your shop' }));
  if (errors.length > 0) throw skuTaken(errors);
}

const variantColumns = (
  variant: VariantInput,
  at: { productId: string; shopId: string; position: number },
) => ({
  ...at,
  sku: variant.sku,
  priceAmount: variant.price.amount,
  compareAtAmount: variant.compareAtPrice?.amount ?? null,
  stock: variant.stock,
  options: variant.options,
  weightG: variant.weightG ?? null,
});

const noCategory = { path: 'body.categoryId', message: 'no such category' };

/** Publishing stamps the first time only: "newest" must not reward toggling a product. */
const publishedAtFor = (status: ProductStatus, current: Date | null, now: Date) =>
  status === 'active' && current === null ? now : current;

export async function createProduct(ctx: Ctx, input: ProductInput): Promise<ProductView> {
  const { id: shopId } = await sellerShop(ctx);
  const row = await orSkuTaken('body.variants', () =>
    withTransaction(ctx, async (tx) => {
      // Shared, so an admin's approval or suspension waits and then copies its status here too.
      const [shop] = await tx.db.select().from(shops).where(eq(shops.id, shopId)).for('share');
      if (!shop) throw new NotFound('shop', 'no-shop');
      const names = await categoryNamesFor(tx.db, input.categoryId);
      const broken = optionErrors(input.options, 'body.options');
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
        input.variants.map((v, i) => ({ sku: v.sku, path: `body.variants.${i}.sku` })),
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
  const [row] = await (lock ? query.for('update') : query);
  if (!row) throw new NotFound('product');
  return row;
}

/** The caller's product, locked for the rest of the transaction: its variants change under it. */
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
  const result = await keysetPage<Produced>({
    scope: 'shop:seller-products',
    keys: [
      { column: products.createdAt, direction: 'desc', value: (r) => r.createdAt },
      { column: products.id, direction: 'desc', value: (r) => r.id },
    ],
    page,
    secret: ctx.config.jwtSecret,
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
      const own = optionErrors(options, 'body.options');
      errors.push(...own);
      if (own.length === 0) {
        for (const variant of await variantsOf(tx.db, productId)) {
          const broken = matchErrors(variant.options, options, 'options');
          if (broken.length > 0) {
            const why = broken.map((e) => `${e.path} ${e.message}`).join('; ');
            errors.push({
              path: 'body.options',
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

/** Keeps the card's price the lowest of the variants', in the transaction that changed them. */
function syncPrice(ctx: Ctx, productId: string): Promise<Produced> {
  return touchProduct(ctx, productId, {
    priceAmount: sql`(select min(${productVariants.priceAmount}) from ${productVariants} where ${productVariants.productId} = ${productId})`,
  });
}

function combinationTaken(
  others: readonly VariantRow[],
  options: readonly ProductOption[],
  given: Record<string, string>,
): boolean {
  const key = combination(options, given);
  return others.some((other) => combination(options, other.options) === key);
}

const combinationError = {
  path: 'body.options',
  message: 'another variant of the product has these values',
};

export async function addVariant(
  ctx: Ctx,
  productId: string,
  input: VariantInput,
): Promise<ProductView> {
  const row = await orSkuTaken('body.sku', () =>
    withTransaction(ctx, async (tx) => {
      const { shop, product } = await productToChange(tx, productId);
      const existing = await variantsOf(tx.db, productId);
      if (existing.length >= MAX_VARIANTS) {
        throw new Invalid('too-many-variants', `A product has at most ${MAX_VARIANTS} variants.`);
      }
      const errors = variantErrors(input, product.options, product.currency, 'body');
      if (errors.length === 0 && combinationTaken(existing, product.options, input.options)) {
        errors.push(combinationError);
      }
      if (errors.length > 0) throw invalid(errors);
      await assertSkusFree(tx.db, shop.id, [{ sku: input.sku, path: 'body.sku' }]);
      const position = Math.max(-1, ...existing.map((v) => v.position)) + 1;
      await tx.db
        .insert(productVariants)
        .values(variantColumns(input, { productId, shopId: shop.id, position }));
      return syncPrice(tx, productId);
    }),
  );
  return productView(ctx.db, ctx.storage, row);
}

async function variantOf(ctx: Ctx, productId: string, variantId: string): Promise<VariantRow[]> {
  const variants = await variantsOf(ctx.db, productId);
  if (!variants.some((v) => v.id === variantId)) throw new NotFound('variant');
  return variants;
}

export async function updateVariant(
  ctx: Ctx,
  productId: string,
  variantId: string,
  changes: VariantChanges,
): Promise<ProductView> {
  const row = await orSkuTaken('body.sku', () =>
    withTransaction(ctx, async (tx) => {
      const { shop, product } = await productToChange(tx, productId);
      const variants = await variantOf(tx, productId, variantId);
      const current = variants.find((v) => v.id === variantId) as VariantRow;
      const currency = product.currency;
      const merged = {
        price: changes.price ?? { amount: current.priceAmount, currency },
        compareAtPrice:
          changes.compareAtPrice === undefined
            ? current.compareAtAmount === null
              ? null
              : { amount: current.compareAtAmount, currency }
            : changes.compareAtPrice,
        options: changes.options ?? current.options,
      };
      // A "was" price that a new price overtook is the price's fault when only it was sent.
      const blame = (e: FieldError) =>
        e.path === 'body.compareAtPrice.amount' && changes.compareAtPrice === undefined
          ? { path: 'body.price.amount', message: 'expected less than the "was" price' }
          : e;
      const errors = variantErrors(merged, product.options, currency, 'body').map(blame);
      const others = variants.filter((v) => v.id !== variantId);
      if (
        changes.options &&
        errors.length === 0 &&
        combinationTaken(others, product.options, changes.options)
      ) {
        errors.push(combinationError);
      }
      if (errors.length > 0) throw invalid(errors);
      if (changes.sku !== undefined) {
        await assertSkusFree(tx.db, shop.id, [{ sku: changes.sku, path: 'body.sku' }], variantId);
      }
      await tx.db
        .update(productVariants)
        .set({
          sku: changes.sku,
          priceAmount: merged.price.amount,
          compareAtAmount: merged.compareAtPrice?.amount ?? null,
          stock: changes.stock,
          options: changes.options,
          weightG: changes.weightG,
          updatedAt: new Date(),
        })
        .where(eq(productVariants.id, variantId));
      return syncPrice(tx, productId);
    }),
  );
  return productView(ctx.db, ctx.storage, row);
}

/** A product keeps at least one variant: what a buyer picks. Archive the product instead. */
export async function deleteVariant(ctx: Ctx, productId: string, variantId: string): Promise<void> {
  await withTransaction(ctx, async (tx) => {
    await productToChange(tx, productId);
    const variants = await variantOf(tx, productId, variantId);
    if (variants.length === 1) {
      throw new Conflict(
        'last-variant',
        'A product keeps at least one variant: archive the product instead.',
      );
    }
    const [gone] = await tx.db
      .delete(productVariants)
      .where(eq(productVariants.id, variantId))
      .returning({ position: productVariants.position });
    if (gone) {
      await closeGap(
        tx.db,
        {
          table: productVariants,
          position: productVariants.position,
          scope: eq(productVariants.productId, productId),
        },
        gone.position,
      );
    }
    await syncPrice(tx, productId);
  });
}

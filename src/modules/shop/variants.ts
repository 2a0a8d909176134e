import { and, eq, type SQL, sql } from 'drizzle-orm';
import type { Ctx } from '../../platform/core/context.ts';
import {
  Conflict,
  type DomainError,
  type FieldError,
  Invalid,
  NotFound,
} from '../../platform/core/errors.ts';
import type { Executor } from '../../platform/db/client.ts';
import { closeGap } from '../../platform/db/positions.ts';
import { withTransaction } from '../../platform/db/transaction.ts';
import type { VariantChanges, VariantInput } from './product-input.ts';
import { productToChange, touchProduct } from './products.ts';
import { type ProductOption, productVariants, type VariantRow } from './tables.ts';
import {
  assertSkusFree,
  combination,
  invalid,
  orSkuTaken,
  variantColumns,
  variantErrors,
} from './variant-rules.ts';
import { type Produced, type ProductView, productView, variantsOf } from './views.ts';
import { MAX_STOCK, MAX_VARIANTS } from './vocabulary.ts';

/**
 * A product's variants, changed one by one: the product's `priceAmount` stays its lowest
 * variant's price, kept under the product's lock, and a product keeps at least one variant.
 * Stock is changed in the update's own SQL, never from a value read earlier, so checkouts
 * taking stock meanwhile are not written over (unless the seller sends a bare `stock`).
 */

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
  path: 'options',
  message: 'another variant of the product has these values',
};

export async function addVariant(
  ctx: Ctx,
  productId: string,
  input: VariantInput,
): Promise<ProductView> {
  const row = await orSkuTaken('sku', () =>
    withTransaction(ctx, async (tx) => {
      const { shop, product } = await productToChange(tx, productId);
      const existing = await variantsOf(tx.db, productId);
      if (existing.length >= MAX_VARIANTS) {
        throw new Invalid('too-many-variants', `A product has at most ${MAX_VARIANTS} variants.`);
      }
      const errors = variantErrors(input, product.options, product.currency, '');
      if (errors.length === 0 && combinationTaken(existing, product.options, input.options)) {
        errors.push(combinationError);
      }
      if (errors.length > 0) throw invalid(errors);
      await assertSkusFree(tx.db, shop.id, [{ sku: input.sku, path: 'sku' }]);
      const position = Math.max(-1, ...existing.map((v) => v.position)) + 1;
      await tx.db
        .insert(productVariants)
        .values(variantColumns(input, { productId, shopId: shop.id, position }));
      return syncPrice(tx, productId);
    }),
  );
  return productView(ctx.db, ctx.storage, row);
}

/**
 * The stock an update sets, and what the row must hold for it to apply: an adjustment of the
 * stock as it is then, kept between 0 and MAX_STOCK; or a count, over the one the seller read
 * when given (a bare count is the last write and wins).
 */
function stockChange(changes: VariantChanges): { value?: number | SQL; guard?: SQL } {
  const { stock } = productVariants;
  if (changes.stockDelta !== undefined) {
    const after = sql`${stock} + ${changes.stockDelta}`;
    return { value: after, guard: sql`${after} between 0 and ${MAX_STOCK}` };
  }
  if (changes.stock === undefined) return {};
  if (changes.expectedStock === undefined) return { value: changes.stock };
  return { value: changes.stock, guard: eq(stock, changes.expectedStock) };
}

/** Why the update's stock guard matched no row, with the stock as it is now. */
async function stockRefusal(
  db: Executor,
  variantId: string,
  changes: VariantChanges,
): Promise<DomainError> {
  const [row] = await db
    .select({ stock: productVariants.stock })
    .from(productVariants)
    .where(eq(productVariants.id, variantId));
  if (!row) return new NotFound('variant');
  const current = row.stock;
  const details = { currentStock: current };
  if (changes.stockDelta === undefined) {
    return new Conflict(
      'stock-changed',
      `The stock is ${current}, not ${changes.expectedStock}: it changed since it was read. Nothing was changed.`,
      { fields: [{ path: 'expectedStock', message: `the stock is now ${current}` }], details },
    );
  }
  const below = current + changes.stockDelta < 0;
  return new Conflict(
    'stock-out-of-range',
    `The stock is ${current}: adding ${changes.stockDelta} would take it ${below ? 'below 0' : `above ${MAX_STOCK}`}. Nothing was changed.`,
    {
      fields: [
        {
          path: 'stockDelta',
          message: below
            ? `at least ${-current}, the stock being ${current}`
            : `at most ${MAX_STOCK - current}, the stock being ${current}`,
        },
      ],
      details,
    },
  );
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
  const row = await orSkuTaken('sku', () =>
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
        e.path === 'compareAtPrice.amount' && changes.compareAtPrice === undefined
          ? { path: 'price.amount', message: 'expected less than the "was" price' }
          : e;
      const errors = variantErrors(merged, product.options, currency, '').map(blame);
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
        await assertSkusFree(tx.db, shop.id, [{ sku: changes.sku, path: 'sku' }], variantId);
      }
      const stock = stockChange(changes);
      const [updated] = await tx.db
        .update(productVariants)
        .set({
          sku: changes.sku,
          priceAmount: merged.price.amount,
          compareAtAmount: merged.compareAtPrice?.amount ?? null,
          stock: stock.value,
          options: changes.options,
          weightG: changes.weightG,
          updatedAt: new Date(),
        })
        .where(and(eq(productVariants.id, variantId), stock.guard))
        .returning({ id: productVariants.id });
      if (!updated) throw await stockRefusal(tx.db, variantId, changes);
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

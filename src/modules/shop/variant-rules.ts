import { and, eq, inArray, ne, sql } from 'drizzle-orm';
import { Conflict, type FieldError, Invalid } from '../../platform/core/errors.ts';
import { type Executor, isUniqueViolation } from '../../platform/db/client.ts';
import type { VariantInput } from './product-input.ts';
import { type ProductOption, productVariants } from './tables.ts';

/**
 * The rules a product's options and variants keep, named on the input's fields: prices in the
 * shop's currency, the "was" price above the price, each variant giving a declared value of
 * each option, no SKU twice in a shop (whatever its case) and no combination twice.
 */

export function invalid(errors: FieldError[]): Invalid {
  const [first] = errors;
  return new Invalid(
    'invalid-product',
    errors.length === 1 && first
      ? `${first.path}: ${first.message}`
      : `${errors.length} fields break the product's rules.`,
    { fields: errors },
  );
}

export function skuTaken(errors: FieldError[]): Conflict {
  return new Conflict(
    'sku-taken',
    'Another product of your shop uses this SKU (SKUs are compared ignoring case).',
    { fields: errors },
  );
}

/** Runs `fn`, answering the loser of a race for a SKU with the 409 a check would have given. */
export async function orSkuTaken<T>(path: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw skuTaken([{ path, message: 'taken by another variant of your shop' }]);
    }
    throw error;
  }
}

export function optionErrors(options: readonly ProductOption[], path: string): FieldError[] {
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
export function matchErrors(
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
export const combination = (options: readonly ProductOption[], given: Record<string, string>) =>
  JSON.stringify(options.map((option) => given[option.name] ?? null));

type Priced = Pick<VariantInput, 'price' | 'compareAtPrice' | 'options'>;

/**
 * A variant's own rules: prices in the shop's currency, the "was" price above the price, the
 * product's options (unless they are broken themselves: null). `path` is where the variant is
 * in the input (`variants.2`), or '' when the input is the variant itself.
 */
export function variantErrors(
  variant: Priced,
  options: readonly ProductOption[] | null,
  currency: string,
  path: string,
): FieldError[] {
  const errors: FieldError[] = [];
  const at = (field: string) => (path ? `${path}.${field}` : field);
  const { price, compareAtPrice } = variant;
  for (const [field, money] of [
    ['price', price],
    ['compareAtPrice', compareAtPrice],
  ] as const) {
    if (money && money.currency !== currency) {
      errors.push({
        path: at(`${field}.currency`),
        message: `expected ${currency}, the shop's`,
      });
    }
  }
  if (compareAtPrice && compareAtPrice.amount <= price.amount) {
    errors.push({ path: at('compareAtPrice.amount'), message: 'expected more than the price' });
  }
  return options ? [...errors, ...matchErrors(variant.options, options, at('options'))] : errors;
}

/** The variants of a new product: each valid, no SKU or combination twice. */
export function variantsErrors(
  variants: readonly VariantInput[],
  options: readonly ProductOption[] | null,
  currency: string,
): FieldError[] {
  const errors: FieldError[] = [];
  const skus = new Set<string>();
  const combinations = new Set<string>();
  for (const [i, variant] of variants.entries()) {
    const path = `variants.${i}`;
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
export async function assertSkusFree(
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

export const variantColumns = (
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

import { z } from '@hono/zod-openapi';
import { Money, text } from '../../platform/core/fields.ts';
import {
  MAX_OPTION_VALUES,
  MAX_OPTIONS,
  MAX_STOCK,
  MAX_VARIANTS,
  PRODUCT_STATUSES,
} from './vocabulary.ts';

/**
 * Request bodies of a seller's product routes. Shapes are checked here (400); the rules that
 * need the shop or the product's other variants (currencies, option values, unique SKUs and
 * combinations) are the service's (422, 409), and name the same fields.
 */

const OptionInput = z
  .strictObject({
    name: text(50).openapi({ example: 'size' }),
    values: z
      .array(text(50))
      .min(1)
      .max(MAX_OPTION_VALUES)
      .openapi({ example: ['S', 'M', 'L'] }),
  })
  .openapi('ProductOptionInput');

const Options = z
  .array(OptionInput)
  .max(MAX_OPTIONS)
  .openapi({
    description:
      `At most ${MAX_OPTIONS} option names, each with 1 to ${MAX_OPTION_VALUES} values; names ` +
      'and the values of each are unique.',
  });

const Sku = text(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._\-/]*$/, {
    message: 'expected letters, digits, dots, dashes, underscores or slashes',
  })
  .openapi({ description: 'Unique within the shop, whatever its case.', example: 'TEE-M-RED' });

const variantFields = {
  sku: Sku,
  price: Money,
  compareAtPrice: Money.nullable()
    .optional()
    .openapi({ description: 'The "was" price, above `price`; null clears it.' }),
  stock: z.number().int().min(0).max(MAX_STOCK),
  options: z.record(text(50), text(50)).openapi({
    description: 'A declared value for each of the product’s option names, e.g. `{"size": "M"}`.',
  }),
  weightG: z.number().int().min(0).max(1_000_000_000).nullable().optional(),
};

export const VariantCreate = z
  .strictObject({ ...variantFields, options: variantFields.options.default({}) })
  .openapi('ProductVariantCreate');
export type VariantInput = z.infer<typeof VariantCreate>;

export const VariantUpdate = z
  .strictObject({
    sku: Sku.optional(),
    price: Money.optional(),
    compareAtPrice: variantFields.compareAtPrice,
    stock: variantFields.stock.optional().openapi({
      description:
        'The count to set. Alone, the last write wins: orders placed since the count was read ' +
        'are overwritten. Send `expectedStock` with it, or use `stockDelta`.',
    }),
    expectedStock: variantFields.stock.optional().openapi({
      description:
        'With `stock`: the count it replaces, as last read. 409 `stock-changed` (with ' +
        '`currentStock`) when the stock has moved since, changing nothing.',
    }),
    stockDelta: z
      .number()
      .int()
      .min(-MAX_STOCK)
      .max(MAX_STOCK)
      .optional()
      .openapi({
        description:
          'Instead of `stock`: added to the stock as it is when the change is made (negative ' +
          'takes away), so orders placed meanwhile still count. 409 `stock-out-of-range` (with ' +
          `\`currentStock\`) when the result would be below 0 or above ${MAX_STOCK}.`,
        example: 12,
      }),
    options: variantFields.options.optional(),
    weightG: variantFields.weightG,
  })
  .refine((value) => Object.values(value).some((v) => v !== undefined), {
    message: 'give at least one field to change',
  })
  .superRefine((value, ctx) => {
    if (value.stock !== undefined && value.stockDelta !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['stockDelta'], message: 'give stock or stockDelta' });
    }
    if (value.expectedStock !== undefined && value.stock === undefined) {
      ctx.addIssue({ code: 'custom', path: ['expectedStock'], message: 'only with stock' });
    }
  })
  .openapi('ProductVariantUpdate');
export type VariantChanges = z.infer<typeof VariantUpdate>;

const productFields = {
  categoryId: z.uuid(),
  title: text(200),
  description: text(10_000),
};

export const ProductCreate = z
  .strictObject({
    ...productFields,
    status: z
      .enum(['draft', 'active'])
      .default('draft')
      .openapi({ description: 'Active puts it on sale once its shop is active.' }),
    options: Options.default([]),
    variants: z.array(VariantCreate).min(1).max(MAX_VARIANTS),
  })
  .openapi('ProductCreate');
export type ProductInput = z.infer<typeof ProductCreate>;

export const ProductUpdate = z
  .strictObject({
    categoryId: productFields.categoryId.optional(),
    title: productFields.title.optional(),
    description: productFields.description.optional(),
    status: z.enum(PRODUCT_STATUSES).optional(),
    options: Options.optional().openapi({
      description:
        'Replaces the option names and values; every variant must still match. As each ' +
        'variant has a value of every name, names stay; values may be added, reordered, and ' +
        'removed or renamed where no variant uses them.',
    }),
  })
  .refine((value) => Object.values(value).some((v) => v !== undefined), {
    message: 'give at least one field to change',
  })
  .openapi('ProductUpdate');
export type ProductChanges = z.infer<typeof ProductUpdate>;

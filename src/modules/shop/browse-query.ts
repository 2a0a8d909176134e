import { z } from '@hono/zod-openapi';
import { Currency, checkRange, text } from '../../platform/core/fields.ts';
import { PageQuery } from '../../platform/core/paging.ts';
import { MAX_OPTIONS } from './vocabulary.ts';

/** The queries of GET /products, /products/search and /shops/{id}/products, each bad field named. */

export const BROWSE_SORTS = [
  'newest',
  'price_asc',
  'price_desc',
  'rating',
  'best_selling',
] as const;
export const SEARCH_SORTS = ['relevance', ...BROWSE_SORTS] as const;
export type Sort = (typeof SEARCH_SORTS)[number];

/**
 * `option=color:red&option=size:M`: the option values one variant must have, all of them. The
 * parameter repeats rather than taking commas, since a value may hold a comma.
 */
const Options = z
  .preprocess(
    (raw) => (typeof raw === 'string' ? [raw] : raw),
    z.array(z.string().max(200)).max(MAX_OPTIONS),
  )
  .transform((pairs, ctx) => {
    // A Map: option names are the seller's words, `constructor` and `__proto__` included.
    const wanted = new Map<string, string>();
    for (const pair of pairs) {
      const colon = pair.indexOf(':');
      const name = pair.slice(0, colon).trim();
      const value = pair.slice(colon + 1).trim();
      if (colon < 0 || !name || !value) {
        ctx.addIssue({
          code: 'custom',
          message: `expected name:value, got ${JSON.stringify(pair)}`,
        });
        return z.NEVER;
      }
      if (wanted.has(name)) {
        ctx.addIssue({ code: 'custom', message: `${name} given twice: a variant has one value` });
        return z.NEVER;
      }
      wanted.set(name, value);
    }
    return Object.fromEntries(wanted);
  })
  .openapi({
    type: 'array',
    items: { type: 'string' },
    example: ['color:red', 'size:M'],
    description:
      `name:value, repeated (up to ${MAX_OPTIONS}): products with a variant that has every one ` +
      'of these option values. Names and values match exactly.',
  });

const amount = z.coerce
  .number()
  .int()
  .min(0)
  .max(Number.MAX_SAFE_INTEGER)
  .optional()
  .openapi({ description: 'Minor units, on the lowest variant price.' });

const filters = {
  category: text(100).optional().openapi({
    description: 'A category id or slug: products in it or in any category under it.',
    example: 'phones',
  }),
  currency: Currency.optional().openapi({
    description: 'Products priced in it; needed with priceMin and priceMax.',
  }),
  priceMin: amount,
  priceMax: amount,
  ratingMin: z.coerce.number().min(0).max(5).optional().openapi({ example: 4 }),
  inStock: z
    .literal('true')
    .transform(() => true)
    .optional()
    .openapi({ description: 'Only `true`: products with a variant in stock.' }),
  option: Options.optional(),
};

const shop = z.uuid().optional().openapi({ description: 'A shop id: its products only.' });

const sortDescription =
  'newest (by first publication), price_asc and price_desc (by the lowest variant price), ' +
  'rating (average, then number of ratings), best_selling (units sold). Ties go by id.';

const browseSort = z
  .enum(BROWSE_SORTS)
  .default('newest')
  .openapi({ description: `${sortDescription} newest when absent.` });

type Checked = { currency?: string; priceMin?: number; priceMax?: number };

function checkFilters(query: Checked, ctx: z.RefinementCtx): void {
  if ((query.priceMin !== undefined || query.priceMax !== undefined) && !query.currency) {
    ctx.addIssue({
      code: 'custom',
      path: ['currency'],
      message: 'give the currency that prices compare in',
    });
  }
  checkRange(ctx, query, 'priceMin', 'priceMax');
}

export const BrowseQuery = PageQuery.extend({
  ...filters,
  shop,
  sort: browseSort,
})
  .strict()
  .superRefine(checkFilters);

/** One shop's products: the shop is in the path. */
export const ShopProductsQuery = PageQuery.extend({
  ...filters,
  sort: browseSort,
})
  .strict()
  .superRefine(checkFilters);

export const ProductSearchQuery = PageQuery.extend({
  ...filters,
  shop,
  q: text(200).openapi({
    description:
      'Words to find in titles, category and shop names, and descriptions, in that weight: ' +
      'every word as a prefix, tolerant of a typo when nothing matches exactly.',
    example: 'wireless headphones',
  }),
  sort: z
    .enum(SEARCH_SORTS)
    .default('relevance')
    .openapi({ description: `relevance (the default), or ${sortDescription}` }),
})
  .strict()
  .superRefine(checkFilters);

/** What the service takes from any of the three: `q` only when searching. */
export type ProductSearch = Omit<z.infer<typeof ProductSearchQuery>, 'q'> & { q?: string };

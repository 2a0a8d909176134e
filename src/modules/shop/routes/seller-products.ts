import { createRoute, z } from '@hono/zod-openapi';
import { PageQuery, pageOf } from '../../../platform/core/paging.ts';
import { requirePermission } from '../../../platform/http/auth.ts';
import { AUTHENTICATED, jsonBody, problems } from '../../../platform/http/openapi.ts';
import { ProblemSchema } from '../../../platform/http/problem.ts';
import { createRouter } from '../../../platform/http/router.ts';
import { ProductCreate, ProductUpdate, VariantCreate, VariantUpdate } from '../product-input.ts';
import {
  archiveProduct,
  createProduct,
  sellerProduct,
  sellerProducts,
  updateProduct,
} from '../products.ts';
import { Product, ProductSummary } from '../schemas.ts';
import { addVariant, deleteVariant, updateVariant } from '../variants.ts';
import { MAX_VARIANTS, PRODUCT_STATUSES } from '../vocabulary.ts';

/**
 * A seller's products and variants, in their own shop whatever its status; another shop's
 * product is 404.
 */
export const sellerProductRoutes = createRouter();

const tags = ['Seller: products'];

export const seller = {
  security: AUTHENTICATED,
  middleware: requirePermission('shop.sell'),
} as const;

export const ProductParams = z.object({
  id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }),
});

const VariantParams = ProductParams.extend({
  variantId: z.uuid().openapi({ param: { name: 'variantId', in: 'path' } }),
});

export const productResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: Product } },
});

const RULES =
  '422 `invalid-product` names each field breaking a rule: a category that does not exist, a ' +
  'price not in the shop’s currency, a "was" price not above the price, variant options that ' +
  'are not exactly the product’s option names with declared values, a repeated SKU or ' +
  'combination. 409 `sku-taken` for a SKU another variant of the shop has (ignoring case).';

sellerProductRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/seller/products',
    tags,
    summary: 'Create a product with its variants',
    description:
      `A draft unless \`status\` is \`active\`; 1 to ${MAX_VARIANTS} variants. Its price is ` +
      `the lowest variant price. A product of a pending or suspended shop is not on sale. ${RULES}`,
    ...seller,
    request: { body: jsonBody(ProductCreate) },
    responses: { 201: productResponse('The product'), ...problems(404, 409, 422) },
  }),
  async (c) => c.json(await createProduct(c.get('ctx'), c.req.valid('json')), 201),
);

const SellerProductsQuery = PageQuery.extend({
  status: z.enum(PRODUCT_STATUSES).optional(),
  categoryId: z.uuid().optional().openapi({ description: 'The category or any under it.' }),
  q: z
    .string()
    .trim()
    .min(1)
    .max(200)
    .optional()
    .openapi({ description: 'Contained in the title, ignoring case.' }),
});

sellerProductRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/seller/products',
    tags,
    summary: 'The caller’s products in every status, newest created first',
    ...seller,
    request: { query: SellerProductsQuery },
    responses: {
      200: {
        description: 'A page of product cards',
        content: {
          'application/json': { schema: pageOf(ProductSummary, 'SellerProductPage') },
        },
      },
      ...problems(404),
    },
  }),
  async (c) => {
    const { limit, cursor, ...filter } = c.req.valid('query');
    return c.json(await sellerProducts(c.get('ctx'), filter, { limit, cursor }), 200);
  },
);

sellerProductRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/seller/products/{id}',
    tags,
    summary: 'One of the caller’s products, with its variants and images',
    ...seller,
    request: { params: ProductParams },
    responses: { 200: productResponse('The product'), ...problems(404) },
  }),
  async (c) => c.json(await sellerProduct(c.get('ctx'), c.req.valid('param').id), 200),
);

sellerProductRoutes.openapi(
  createRoute({
    method: 'patch',
    path: '/seller/products/{id}',
    tags,
    summary: 'Change a product: its text, category, status or options',
    description:
      '`publishedAt` is set the first time it becomes active. Options may change only while ' +
      `every variant still matches them. ${RULES}`,
    ...seller,
    request: { params: ProductParams, body: jsonBody(ProductUpdate) },
    responses: { 200: productResponse('The product'), ...problems(404, 422) },
  }),
  async (c) =>
    c.json(await updateProduct(c.get('ctx'), c.req.valid('param').id, c.req.valid('json')), 200),
);

sellerProductRoutes.openapi(
  createRoute({
    method: 'delete',
    path: '/seller/products/{id}',
    tags,
    summary: 'Archive a product',
    description:
      'Its status becomes `archived`: off sale, kept for the orders that refer to it. A PATCH ' +
      'of its status brings it back.',
    ...seller,
    request: { params: ProductParams },
    responses: { 204: { description: 'Archived' }, ...problems(404) },
  }),
  async (c) => {
    await archiveProduct(c.get('ctx'), c.req.valid('param').id);
    return c.body(null, 204);
  },
);

sellerProductRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/seller/products/{id}/variants',
    tags,
    summary: 'Add a variant',
    description: `At most ${MAX_VARIANTS} per product. ${RULES} 422 \`too-many-variants\`.`,
    ...seller,
    request: { params: ProductParams, body: jsonBody(VariantCreate) },
    responses: { 201: productResponse('The product'), ...problems(404, 409, 422) },
  }),
  async (c) =>
    c.json(await addVariant(c.get('ctx'), c.req.valid('param').id, c.req.valid('json')), 201),
);

const StockConflict = ProblemSchema.extend({
  currentStock: z.number().int().optional().openapi({
    description: 'With `stock-changed` and `stock-out-of-range`: the variant’s stock now.',
  }),
}).openapi('StockConflict');

const STOCK_RULES =
  'Stock: `stockDelta` adjusts the stock as it is when applied, so orders placed meanwhile ' +
  'still count (409 `stock-out-of-range` below 0 or above the maximum); `stock` with ' +
  '`expectedStock` sets it only if it still is what was read (409 `stock-changed`); both 409s ' +
  'give `currentStock` and change nothing. A bare `stock` is the last write and wins: orders ' +
  'placed since the count was read are overwritten.';

sellerProductRoutes.openapi(
  createRoute({
    method: 'patch',
    path: '/seller/products/{id}/variants/{variantId}',
    tags,
    summary: 'Change a variant: SKU, prices, stock, options, weight',
    description: `${STOCK_RULES} ${RULES}`,
    ...seller,
    request: { params: VariantParams, body: jsonBody(VariantUpdate) },
    responses: {
      200: productResponse('The product'),
      ...problems(404, 422),
      409: {
        description: 'A SKU taken, or the stock moved or out of range; nothing was changed.',
        content: { 'application/problem+json': { schema: StockConflict } },
      },
    },
  }),
  async (c) => {
    const { id, variantId } = c.req.valid('param');
    return c.json(await updateVariant(c.get('ctx'), id, variantId, c.req.valid('json')), 200);
  },
);

sellerProductRoutes.openapi(
  createRoute({
    method: 'delete',
    path: '/seller/products/{id}/variants/{variantId}',
    tags,
    summary: 'Delete a variant',
    description: '409 `last-variant`: a product keeps one; archive the product instead.',
    ...seller,
    request: { params: VariantParams },
    responses: { 204: { description: 'Deleted' }, ...problems(404, 409) },
  }),
  async (c) => {
    const { id, variantId } = c.req.valid('param');
    await deleteVariant(c.get('ctx'), id, variantId);
    return c.body(null, 204);
  },
);

import { createRoute, z } from '@hono/zod-openapi';
import { QueryFlag } from '../../../platform/core/fields.ts';
import { PageQuery } from '../../../platform/core/paging.ts';
import { requirePermission } from '../../../platform/http/auth.ts';
import { AUTHENTICATED, jsonBody, problems } from '../../../platform/http/openapi.ts';
import { createRouter } from '../../../platform/http/router.ts';
import { adminProducts, disableProduct, enableProduct } from '../product-moderation.ts';
import { Product, ProductSummary } from '../schemas.ts';
import { PRODUCT_STATUSES } from '../vocabulary.ts';

/** Moderators and admins see every product and take one off sale, or put it back. */
export const adminProductRoutes = createRouter();

const tags = ['Admin: products'];

const AdminProduct = ProductSummary.extend({
  disabled: z
    .object({ at: z.iso.datetime(), reason: z.string().nullable() })
    .nullable()
    .openapi({ description: 'Set while an admin keeps it off sale.' }),
  createdAt: z.iso.datetime(),
}).openapi('AdminProduct');

const AdminProductPage = z
  .object({
    items: z.array(AdminProduct),
    nextCursor: z
      .string()
      .nullable()
      .openapi({ description: 'Pass as `cursor` for the next page; null on the last page.' }),
    total: z.number().int().openapi({ description: 'How many products match the filters.' }),
  })
  .openapi('AdminProductPage');

const AdminProductQuery = PageQuery.extend({
  status: z.enum(PRODUCT_STATUSES).optional(),
  shopId: z.uuid().optional(),
  disabled: QueryFlag.optional().openapi({
    description: 'Only the disabled products, or only the others.',
  }),
});

const ProductParams = z.object({
  id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }),
});

const Decision = z
  .strictObject({
    reason: z
      .string()
      .trim()
      .min(3)
      .max(500)
      .openapi({ example: 'The listing sells a counterfeit brand.' }),
  })
  .openapi('ProductModerationDecision');

const productResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: Product } },
});

adminProductRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/admin/products',
    tags,
    summary: 'Every product, newest created first, with the number matching the filters',
    description: 'For moderators and admins: drafts, archived and disabled products included.',
    security: AUTHENTICATED,
    middleware: requirePermission('shops.review'),
    request: { query: AdminProductQuery },
    responses: {
      200: {
        description: 'A page of products',
        content: { 'application/json': { schema: AdminProductPage } },
      },
    },
  }),
  async (c) => {
    const { limit, cursor, ...filters } = c.req.valid('query');
    return c.json(await adminProducts(c.get('ctx'), filters, { limit, cursor }), 200);
  },
);

adminProductRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/admin/products/{id}/disable',
    tags,
    summary: 'Take a product off sale',
    description:
      'Whatever its status; the seller is told the reason. 409 `already-disabled`. Audited as ' +
      '`product.disabled`.',
    security: AUTHENTICATED,
    middleware: requirePermission('shops.review'),
    request: { params: ProductParams, body: jsonBody(Decision) },
    responses: { 200: productResponse('The product, disabled'), ...problems(404, 409) },
  }),
  async (c) => {
    const { id } = c.req.valid('param');
    return c.json(await disableProduct(c.get('ctx'), id, c.req.valid('json').reason), 200);
  },
);

adminProductRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/admin/products/{id}/enable',
    tags,
    summary: 'Lift a disabling',
    description:
      'The product is on sale again when it is active and its shop is. 409 `not-disabled`. ' +
      'Audited as `product.enabled`.',
    security: AUTHENTICATED,
    middleware: requirePermission('shops.review'),
    request: { params: ProductParams, body: jsonBody(Decision) },
    responses: { 200: productResponse('The product, enabled'), ...problems(404, 409) },
  }),
  async (c) => {
    const { id } = c.req.valid('param');
    return c.json(await enableProduct(c.get('ctx'), id, c.req.valid('json').reason), 200);
  },
);

import { createRoute, z } from '@hono/zod-openapi';
import { QueryFlag, text } from '../../../platform/core/fields.ts';
import { PageQuery, pageOf } from '../../../platform/core/paging.ts';
import { requirePermission } from '../../../platform/http/auth.ts';
import { AUTHENTICATED, jsonBody, problems } from '../../../platform/http/openapi.ts';
import { createRouter } from '../../../platform/http/router.ts';
import { decideRename } from '../renames.ts';
import { Shop } from '../schemas.ts';
import { decideShop, listShops } from '../shop-admin.ts';
import { SHOP_STATUSES } from '../vocabulary.ts';

/** Reviewers approve, suspend and reinstate shops, and decide on approved shops' renames. */
export const adminShopRoutes = createRouter();

const tags = ['Admin: shops'];
const reviewer = {
  security: AUTHENTICATED,
  middleware: requirePermission('shops.review'),
} as const;

const shopResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: Shop } },
});

const ShopListQuery = PageQuery.extend({
  status: z
    .enum(SHOP_STATUSES)
    .optional()
    .openapi({ description: 'Only shops in this status; every shop when absent.' }),
  renamePending: QueryFlag.optional().openapi({
    description: '`true`: only shops whose new name or address waits for review.',
  }),
});

const ShopListPage = pageOf(Shop, 'AdminShopPage').extend({
  total: z.number().int().openapi({ description: 'Shops matching the filter.' }),
});

adminShopRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/admin/shops',
    tags,
    summary: 'Shops, by status',
    description:
      'Pending shops, or with `renamePending=true` the renames waiting, oldest first: queues ' +
      'worked from their head. Any other list (a status, or every shop) newest first.',
    ...reviewer,
    request: { query: ShopListQuery },
    responses: {
      200: {
        description: 'A page of shops, with how many match',
        content: { 'application/json': { schema: ShopListPage } },
      },
    },
  }),
  async (c) => {
    const { status, renamePending, ...page } = c.req.valid('query');
    return c.json(await listShops(c.get('ctx'), { status, renamePending }, page), 200);
  },
);

const ShopParams = z.object({
  id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }),
});

const Reason = z
  .strictObject({
    reason: text(1000).openapi({ description: 'Shown to the seller and kept in the audit log.' }),
  })
  .openapi('ShopDecisionReason');

adminShopRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/admin/shops/{id}/approve',
    tags,
    summary: 'Approve a pending shop',
    description:
      'The shop sells from now on: its active products appear in browse. 409 ' +
      '`invalid-transition` unless it is pending.',
    ...reviewer,
    request: { params: ShopParams },
    responses: { 200: shopResponse('The shop, active'), ...problems(404, 409) },
  }),
  async (c) =>
    c.json(await decideShop(c.get('ctx'), c.req.valid('param').id, { kind: 'approve' }), 200),
);

const REASONED = [
  {
    kind: 'suspend',
    summary: 'Suspend a pending or active shop',
    description:
      'Its products leave browse and cannot be bought from this moment; the seller sees the ' +
      'reason. 409 `invalid-transition` when it is suspended already.',
    result: 'The shop, suspended',
  },
  {
    kind: 'reinstate',
    summary: 'Reinstate a suspended shop',
    description:
      'It sells again, its active products back in browse. 409 `invalid-transition` unless it ' +
      'is suspended.',
    result: 'The shop, active',
  },
] as const;

for (const { kind, summary, description, result } of REASONED) {
  adminShopRoutes.openapi(
    createRoute({
      method: 'post',
      path: `/admin/shops/{id}/${kind}`,
      tags,
      summary,
      description,
      ...reviewer,
      request: { params: ShopParams, body: jsonBody(Reason) },
      responses: { 200: shopResponse(result), ...problems(404, 409) },
    }),
    async (c) => {
      const { reason } = c.req.valid('json');
      const id = c.req.valid('param').id;
      return c.json(await decideShop(c.get('ctx'), id, { kind, reason }), 200);
    },
  );
}

adminShopRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/admin/shops/{id}/rename/approve',
    tags,
    summary: 'Approve the new name and address an approved shop asked for',
    description:
      'They replace the shop’s own, its products’ copies too. 409 `no-rename` when none ' +
      'waits, `slug-taken` when another shop has the address by now. Audited.',
    ...reviewer,
    request: { params: ShopParams },
    responses: { 200: shopResponse('The shop, renamed'), ...problems(404, 409) },
  }),
  async (c) =>
    c.json(await decideRename(c.get('ctx'), c.req.valid('param').id, { approve: true }), 200),
);

adminShopRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/admin/shops/{id}/rename/reject',
    tags,
    summary: 'Reject the new name and address a shop asked for',
    description: 'The shop keeps its approved ones. 409 `no-rename` when none waits. Audited.',
    ...reviewer,
    request: { params: ShopParams, body: jsonBody(Reason) },
    responses: { 200: shopResponse('The shop, unchanged'), ...problems(404, 409) },
  }),
  async (c) => {
    const { reason } = c.req.valid('json');
    const decision = { approve: false as const, reason };
    return c.json(await decideRename(c.get('ctx'), c.req.valid('param').id, decision), 200);
  },
);

import { createRoute, z } from '@hono/zod-openapi';
import { PageQuery, pageOf } from '../../../platform/core/paging.ts';
import { requirePermission } from '../../../platform/http/auth.ts';
import { AUTHENTICATED, problems, signedIn } from '../../../platform/http/openapi.ts';
import { createRouter } from '../../../platform/http/router.ts';
import { allOrders, buyerOrder, buyerOrders, shopOrder, shopOrders } from '../order-lists.ts';
import { Order, OrderParams, orderResponse } from '../schemas.ts';
import { ORDER_STATUSES } from '../vocabulary.ts';

/** Orders of buyers, sellers and admins, to read. Moving them along is a workflow's. */
export const orderRoutes = createRouter();

const seller = { security: AUTHENTICATED, middleware: requirePermission('shop.sell') } as const;
const admin = { security: AUTHENTICATED, middleware: requirePermission('orders.manage') } as const;

const Dates = {
  from: z.iso
    .datetime({ offset: true })
    .optional()
    .openapi({ description: 'Orders placed at or after this time.' }),
  to: z.iso
    .datetime({ offset: true })
    .optional()
    .openapi({ description: 'Orders placed at or before this time.' }),
};

const Status = z
  .enum(ORDER_STATUSES)
  .optional()
  .openapi({ description: 'Only orders in this status.' });

function checkDates(
  query: { from?: string | undefined; to?: string | undefined },
  ctx: z.RefinementCtx,
) {
  if (query.from && query.to && Date.parse(query.from) > Date.parse(query.to)) {
    ctx.addIssue({ code: 'custom', path: ['to'], message: 'must not be before `from`' });
  }
}

const OrderQuery = PageQuery.extend({ status: Status, ...Dates }).superRefine(checkDates);

const AdminOrderQuery = PageQuery.extend({
  status: Status,
  shopId: z.uuid().optional(),
  buyerId: z.uuid().optional(),
  ...Dates,
}).superRefine(checkDates);

/** ISO strings of the query as dates, for the services. */
const dated = <Q extends { from?: string | undefined; to?: string | undefined }>(query: Q) => ({
  ...query,
  from: query.from ? new Date(query.from) : undefined,
  to: query.to ? new Date(query.to) : undefined,
});

const OrderPage = pageOf(Order, 'OrderPage');

orderRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/orders',
    tags: ['Orders'],
    summary: 'My orders, newest first',
    ...signedIn,
    request: { query: OrderQuery },
    responses: {
      200: {
        description: 'A page of orders',
        content: { 'application/json': { schema: OrderPage } },
      },
    },
  }),
  async (c) => c.json(await buyerOrders(c.get('ctx'), dated(c.req.valid('query'))), 200),
);

orderRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/orders/{id}',
    tags: ['Orders'],
    summary: 'One of my orders, with its history',
    ...signedIn,
    request: { params: OrderParams },
    responses: { 200: orderResponse('The order'), ...problems(404) },
  }),
  async (c) => c.json(await buyerOrder(c.get('ctx'), c.req.valid('param').id), 200),
);

orderRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/seller/orders',
    tags: ['Seller: orders'],
    summary: 'My shop’s orders, newest first',
    ...seller,
    request: { query: OrderQuery },
    responses: {
      200: {
        description: 'A page of orders',
        content: { 'application/json': { schema: OrderPage } },
      },
      ...problems(404),
    },
  }),
  async (c) => c.json(await shopOrders(c.get('ctx'), dated(c.req.valid('query'))), 200),
);

orderRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/seller/orders/{id}',
    tags: ['Seller: orders'],
    summary: 'One order of my shop, with its history',
    ...seller,
    request: { params: OrderParams },
    responses: { 200: orderResponse('The order'), ...problems(404) },
  }),
  async (c) => c.json(await shopOrder(c.get('ctx'), c.req.valid('param').id), 200),
);

const AdminOrderPage = pageOf(Order, 'AdminOrderPage').extend({
  total: z.number().int().openapi({ description: 'Orders matching the filter.' }),
});

orderRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/admin/orders',
    tags: ['Admin: orders'],
    summary: 'Every order, newest first, by status, shop, buyer and date',
    ...admin,
    request: { query: AdminOrderQuery },
    responses: {
      200: {
        description: 'A page of orders, with how many match',
        content: { 'application/json': { schema: AdminOrderPage } },
      },
    },
  }),
  async (c) => c.json(await allOrders(c.get('ctx'), dated(c.req.valid('query'))), 200),
);

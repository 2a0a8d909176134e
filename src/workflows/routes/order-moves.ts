import { createRoute, z } from '@hono/zod-openapi';
import { ORDER_STATUSES, OrderParams, orderResponse } from '../../modules/orders/index.ts';
import { text } from '../../platform/core/fields.ts';
import { requirePermission } from '../../platform/http/auth.ts';
import { AUTHENTICATED, jsonBody, problems, signedIn } from '../../platform/http/openapi.ts';
import { createRouter } from '../../platform/http/router.ts';
import { cancelAsBuyer, moveAsAdmin, moveAsSeller } from '../order-moves.ts';

/** Moving orders along: the buyer's cancel, the seller's and the admin's moves. */
export const orderMoveRoutes = createRouter();

const seller = { security: AUTHENTICATED, middleware: requirePermission('shop.sell') } as const;
const admin = { security: AUTHENTICATED, middleware: requirePermission('orders.manage') } as const;

const Note = text(1000).optional().openapi({ description: 'Kept in the order’s history.' });
const Carrier = text(100).optional().openapi({ description: 'Required to ship.' });
const TrackingNumber = text(100).optional().openapi({ description: 'Required to ship.' });

/** Shipping details belong to shipping, a reason to cancelling: elsewhere they are a mistake. */
function onlyWith(
  move: {
    status: string;
    carrier?: string | undefined;
    trackingNumber?: string | undefined;
    reason?: string | undefined;
  },
  ctx: z.RefinementCtx,
) {
  for (const field of ['carrier', 'trackingNumber'] as const) {
    if (move[field] !== undefined && move.status !== 'shipped') {
      ctx.addIssue({ code: 'custom', path: [field], message: 'only with status shipped' });
    }
  }
  if (move.reason !== undefined && move.status !== 'cancelled') {
    ctx.addIssue({ code: 'custom', path: ['reason'], message: 'only with status cancelled' });
  }
}

const CancelBody = z
  .strictObject({
    reason: text(1000).openapi({ description: 'Why; the shop sees it.' }),
  })
  .openapi('OrderCancel');

const SellerMove = z
  .strictObject({
    status: z.enum(['confirmed', 'shipped', 'delivered', 'cancelled']),
    note: Note,
    carrier: Carrier,
    trackingNumber: TrackingNumber,
    reason: text(1000)
      .optional()
      .openapi({ description: 'Required to cancel; the buyer sees it.' }),
  })
  .superRefine(onlyWith)
  .openapi('SellerOrderMove');

const AdminMove = z
  .strictObject({
    status: z.enum(ORDER_STATUSES),
    note: Note.openapi({ description: 'Kept in the history; the cancel reason when cancelling.' }),
    carrier: Carrier,
    trackingNumber: TrackingNumber,
  })
  .superRefine(onlyWith)
  .openapi('AdminOrderMove');

const MOVE_RULES =
  '409 `invalid-transition` when the move is not allowed from the current status: the ' +
  'problem names it and the allowed next statuses (`errors[0]` on `body.status`). 422 ' +
  '`missing-details` when shipping lacks a carrier or tracking number.';

orderMoveRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/orders/{id}/cancel',
    tags: ['Orders'],
    summary: 'Cancel my order before the shop confirms it',
    description:
      'Possible while it is `pending_payment` or `placed`; its stock and voucher use go back. ' +
      '409 `invalid-transition` once the shop confirmed it.',
    ...signedIn,
    request: { params: OrderParams, body: jsonBody(CancelBody) },
    responses: { 200: orderResponse('The order, cancelled'), ...problems(404, 409) },
  }),
  async (c) => {
    const { reason } = c.req.valid('json');
    return c.json(await cancelAsBuyer(c.get('ctx'), c.req.valid('param').id, reason), 200);
  },
);

orderMoveRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/seller/orders/{id}/status',
    tags: ['Seller: orders'],
    summary: 'Confirm, ship, deliver or cancel an order of my shop',
    description:
      `placed → confirmed → shipped (with carrier and tracking number) → delivered; cancelled ` +
      `(with a reason) while placed or confirmed, giving stock and voucher use back. ${MOVE_RULES}`,
    ...seller,
    request: { params: OrderParams, body: jsonBody(SellerMove) },
    responses: { 200: orderResponse('The order, moved'), ...problems(404, 409, 422) },
  }),
  async (c) => {
    const { status, ...details } = c.req.valid('json');
    const id = c.req.valid('param').id;
    return c.json(await moveAsSeller(c.get('ctx'), id, { to: status, ...details }), 200);
  },
);

orderMoveRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/admin/orders/{id}/status',
    tags: ['Admin: orders'],
    summary: 'Move any order along any legal edge (audited)',
    description: `Admins alone complete a delivered order (its products' sold counts grow). ${MOVE_RULES}`,
    ...admin,
    request: { params: OrderParams, body: jsonBody(AdminMove) },
    responses: { 200: orderResponse('The order, moved'), ...problems(404, 409, 422) },
  }),
  async (c) => {
    const { status, ...details } = c.req.valid('json');
    const id = c.req.valid('param').id;
    return c.json(await moveAsAdmin(c.get('ctx'), id, { to: status, ...details }), 200);
  },
);

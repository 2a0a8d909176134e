import { createRoute, z } from '@hono/zod-openapi';
import { PageQuery, pageOf } from '../core/paging.ts';
import { requirePermission } from '../http/auth.ts';
import { AUTHENTICATED, problems } from '../http/openapi.ts';
import { createRouter } from '../http/router.ts';
import { listDeadDeliveries, retryDeadDelivery } from './dead-deliveries.ts';

/** Admins see the event deliveries that kept failing and put them back in line. */
export const eventAdminRoutes = createRouter();

const DeadDelivery = z
  .object({
    id: z.uuid(),
    eventId: z.uuid(),
    eventName: z.string().openapi({ example: 'order.placed' }),
    handler: z.string().openapi({ example: 'notifications.order-confirmation' }),
    aggregateId: z.string(),
    attempts: z.number().int(),
    lastError: z.string().nullable(),
    occurredAt: z.iso.datetime(),
    payload: z.unknown(),
  })
  .openapi('DeadEventDelivery');

const guarded = {
  tags: ['Admin: events'],
  security: AUTHENTICATED,
  middleware: requirePermission('events.manage'),
};

eventAdminRoutes.openapi(
  createRoute({
    ...guarded,
    method: 'get',
    path: '/admin/events/dead',
    summary: 'Event deliveries parked after failing every attempt, oldest first',
    request: { query: PageQuery },
    responses: {
      200: {
        description: 'A page of dead deliveries',
        content: { 'application/json': { schema: pageOf(DeadDelivery, 'DeadEventDeliveryPage') } },
      },
    },
  }),
  async (c) => {
    const page = await listDeadDeliveries(c.get('ctx'), c.req.valid('query'));
    return c.json(
      {
        items: page.items.map((d) => ({ ...d, occurredAt: d.occurredAt.toISOString() })),
        nextCursor: page.nextCursor,
      },
      200,
    );
  },
);

eventAdminRoutes.openapi(
  createRoute({
    ...guarded,
    method: 'post',
    path: '/admin/events/dead/{id}/retry',
    summary: 'Put a dead delivery back in line with fresh attempts',
    request: { params: z.object({ id: z.uuid() }) },
    responses: { 204: { description: 'Queued for delivery again' }, ...problems(404) },
  }),
  async (c) => {
    await retryDeadDelivery(c.get('ctx'), c.req.valid('param').id);
    return c.body(null, 204);
  },
);

import { createRoute } from '@hono/zod-openapi';
import { createRouter } from '../http/router.ts';
import { DevOutboxPage, DevOutboxQuery, listDevOutbox, toDevOutboxMessage } from './outbox.ts';

/**
 * Development only (never mounted in production): the mail and SMS that had no provider, so a
 * person running the API locally can finish a sign-up or a magic-link flow.
 */
export const devOutboxRoutes = createRouter();

devOutboxRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/dev/outbox',
    tags: ['Development'],
    summary: 'Mail and SMS held by the development outbox, newest first',
    request: { query: DevOutboxQuery },
    responses: {
      200: {
        description: 'A page of messages',
        content: { 'application/json': { schema: DevOutboxPage } },
      },
    },
  }),
  async (c) => {
    const { recipient, ...page } = c.req.valid('query');
    const result = await listDevOutbox(c.get('ctx'), { recipient, page });
    return c.json(
      { items: result.items.map(toDevOutboxMessage), nextCursor: result.nextCursor },
      200,
    );
  },
);

import { createRoute, z } from '@hono/zod-openapi';
import { PageQuery, pageOf } from '../core/paging.ts';
import { requirePermission } from '../http/auth.ts';
import { AUTHENTICATED } from '../http/openapi.ts';
import { createRouter } from '../http/router.ts';
import { listAuditLog } from './list.ts';

/** Admins read who did what; reading it is not itself audited. */
export const auditRoutes = createRouter();

const AuditEntry = z
  .object({
    id: z.uuid(),
    occurredAt: z.iso.datetime(),
    actorId: z.uuid().nullable().openapi({ description: 'Null for a guest or the system.' }),
    action: z.string().openapi({ example: 'user.suspended' }),
    resourceType: z.string().openapi({ example: 'user' }),
    resourceId: z.string().nullable(),
    ip: z.string().nullable(),
    userAgent: z.string().nullable(),
    requestId: z.string().nullable(),
    before: z.unknown().openapi({ description: 'The state before the change, when recorded.' }),
    after: z.unknown().openapi({ description: 'The state after the change, when recorded.' }),
    metadata: z.unknown(),
  })
  .openapi('AuditEntry');

const AuditQuery = PageQuery.extend({
  actorId: z.uuid().optional(),
  action: z.string().min(1).max(100).optional().openapi({ example: 'user.suspended' }),
  resourceType: z.string().min(1).max(100).optional().openapi({ example: 'user' }),
  resourceId: z.string().min(1).max(200).optional(),
  from: z.iso
    .datetime({ offset: true })
    .optional()
    .openapi({ description: 'Entries at or after this time.' }),
  to: z.iso
    .datetime({ offset: true })
    .optional()
    .openapi({ description: 'Entries at or before this time.' }),
}).superRefine((query, ctx) => {
  if (query.from && query.to && Date.parse(query.from) > Date.parse(query.to)) {
    ctx.addIssue({ code: 'custom', path: ['to'], message: 'must not be before `from`' });
  }
});

auditRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/admin/audit-log',
    tags: ['Admin: audit'],
    summary: 'The audit log, newest first, by actor, action, resource and time',
    security: AUTHENTICATED,
    middleware: requirePermission('audit.read'),
    request: { query: AuditQuery },
    responses: {
      200: {
        description: 'A page of audit entries',
        content: { 'application/json': { schema: pageOf(AuditEntry, 'AuditEntryPage') } },
      },
    },
  }),
  async (c) => {
    const { limit, cursor, from, to, ...filter } = c.req.valid('query');
    const page = await listAuditLog(
      c.get('ctx'),
      {
        ...filter,
        from: from === undefined ? undefined : new Date(from),
        to: to === undefined ? undefined : new Date(to),
      },
      { limit, cursor },
    );
    return c.json(
      {
        items: page.items.map((e) => ({ ...e, occurredAt: e.occurredAt.toISOString() })),
        nextCursor: page.nextCursor,
      },
      200,
    );
  },
);

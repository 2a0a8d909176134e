import { createRoute, z } from '@hono/zod-openapi';
import { PageQuery, pageOf } from '../../../platform/core/paging.ts';
import { ROLES } from '../../../platform/core/permissions.ts';
import { requirePermission } from '../../../platform/http/auth.ts';
import { AUTHENTICATED, jsonBody, problems } from '../../../platform/http/openapi.ts';
import { createRouter } from '../../../platform/http/router.ts';
import { getAdminUser, listUsers, setUserRoles, suspendUser, unsuspendUser } from '../admin.ts';
import { RoleName, User } from '../schemas.ts';
import { USER_STATUSES } from '../tables.ts';

/** Moderators and admins find users and suspend them; admins change their roles. */
export const adminRoutes = createRouter();

const tags = ['Admin: users'];
const AdminUser = User.extend({
  pendingRoles: z
    .array(RoleName)
    .openapi({ description: 'Roles waiting for verification or a KYC check; they grant nothing.' }),
  failedLogins: z.number().int().openapi({
    description:
      'Wrong passwords tried for its email and phone, from every address, in the last day.',
  }),
  suspendedReason: z.string().nullable(),
  lastSignInAt: z.iso.datetime().nullable(),
  updatedAt: z.iso.datetime(),
}).openapi('AdminUser');

const AdminUserDetail = AdminUser.extend({
  sessions: z.number().int().openapi({ description: 'Sessions signed in now.' }),
  externalIdentities: z.array(
    z.object({
      provider: z.string().openapi({ example: 'google' }),
      email: z.string().nullable(),
      createdAt: z.iso.datetime(),
    }),
  ),
}).openapi('AdminUserDetail');

const adminUserResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: AdminUser } },
});

const UserParams = z.object({ id: z.uuid() });

const UserQuery = PageQuery.extend({
  role: RoleName.optional().openapi({ description: 'Users granted this role.' }),
  status: z.enum(USER_STATUSES).optional(),
  q: z.string().trim().min(1).max(100).optional().openapi({
    description: 'Part of the email, phone or full name, in any case.',
    example: 'abebe',
  }),
});

adminRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/admin/users',
    tags,
    summary: 'Users, newest first, by role, status or a search of email, phone and name',
    security: AUTHENTICATED,
    middleware: requirePermission('users.read'),
    request: { query: UserQuery },
    responses: {
      200: {
        description: 'A page of users',
        content: { 'application/json': { schema: pageOf(AdminUser, 'AdminUserPage') } },
      },
    },
  }),
  async (c) => {
    const { limit, cursor, ...filter } = c.req.valid('query');
    return c.json(await listUsers(c.get('ctx'), filter, { limit, cursor }), 200);
  },
);

adminRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/admin/users/{id}',
    tags,
    summary: 'One user, with their live sessions and linked external accounts',
    security: AUTHENTICATED,
    middleware: requirePermission('users.read'),
    request: { params: UserParams },
    responses: {
      200: {
        description: 'The user',
        content: { 'application/json': { schema: AdminUserDetail } },
      },
      ...problems(404),
    },
  }),
  async (c) => c.json(await getAdminUser(c.get('ctx'), c.req.valid('param').id), 200),
);

const ReasonBody = z
  .object({
    reason: z.string().trim().min(3).max(500).openapi({ example: 'Repeated fraudulent listings' }),
  })
  .openapi('ModerationReason');

adminRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/admin/users/{id}/suspend',
    tags,
    summary: 'Suspend a user: every session ends and their tokens stop working at once',
    description:
      'Only an admin may suspend an admin (403 `admin-only`); nobody may suspend themselves ' +
      '(422 `cannot-suspend-self`). Audited as `user.suspended`.',
    security: AUTHENTICATED,
    middleware: requirePermission('users.suspend'),
    request: { params: UserParams, body: jsonBody(ReasonBody) },
    responses: { 200: adminUserResponse('Suspended'), ...problems(404, 409, 422) },
  }),
  async (c) => {
    const ctx = c.get('ctx');
    return c.json(await suspendUser(ctx, c.req.valid('param').id, c.req.valid('json').reason), 200);
  },
);

adminRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/admin/users/{id}/unsuspend',
    tags,
    summary: 'Lift a suspension; the user signs in again',
    description: 'Only an admin may unsuspend an admin. Audited as `user.unsuspended`.',
    security: AUTHENTICATED,
    middleware: requirePermission('users.suspend'),
    request: { params: UserParams, body: jsonBody(ReasonBody) },
    responses: { 200: adminUserResponse('No longer suspended'), ...problems(404, 409) },
  }),
  async (c) => {
    const ctx = c.get('ctx');
    return c.json(
      await unsuspendUser(ctx, c.req.valid('param').id, c.req.valid('json').reason),
      200,
    );
  },
);

const RolesBody = z
  .object({
    roles: z
      .array(RoleName)
      .max(ROLES.length)
      .refine((roles) => new Set(roles).size === roles.length, { message: 'roles repeat' })
      .openapi({
        description: 'The granted roles the user is to have; `buyer` is always kept.',
        example: ['buyer', 'seller'],
      }),
  })
  .openapi('UserRolesRequest');

adminRoutes.openapi(
  createRoute({
    method: 'put',
    path: '/admin/users/{id}/roles',
    tags,
    summary: 'Replace the roles granted to a user',
    description:
      'Counts from the user’s next request. An admin cannot remove their own admin role ' +
      '(422 `cannot-demote-self`). Audited as `user.roles_changed`.',
    security: AUTHENTICATED,
    middleware: requirePermission('users.roles'),
    request: { params: UserParams, body: jsonBody(RolesBody) },
    responses: { 200: adminUserResponse('The user with their new roles'), ...problems(404, 422) },
  }),
  async (c) => {
    const ctx = c.get('ctx');
    return c.json(await setUserRoles(ctx, c.req.valid('param').id, c.req.valid('json').roles), 200);
  },
);

import type { MiddlewareHandler } from 'hono';
import type { Authenticator } from '../core/context.ts';
import { Unauthenticated } from '../core/errors.ts';
import {
  type Permission,
  requirePermission as permitted,
  requireActor,
} from '../core/permissions.ts';
import type { AppEnv } from './context.ts';

/**
 * Reads `Authorization: Bearer <token>` into `ctx.actor` (null without one). A bad token is a
 * 401 even on public routes: a client that sends one expects it to count.
 */
export function authenticate(authenticator: Authenticator): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const header = c.req.header('authorization');
    if (header) {
      const [scheme, token, extra] = header.split(' ');
      if (scheme?.toLowerCase() !== 'bearer' || !token || extra !== undefined) {
        throw new Unauthenticated('Use "Authorization: Bearer <access token>".', 'invalid-token');
      }
      const ctx = c.get('ctx');
      c.set('ctx', { ...ctx, actor: await authenticator.authenticate(ctx, token) });
    }
    await next();
  };
}

/** 401 for a guest; a route for any signed-in user. */
export function requireUser(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    requireActor(c.get('ctx'));
    await next();
  };
}

/** 401 for a guest, 403 for a signed-in user whose roles do not grant `permission`. */
export function requirePermission(permission: Permission): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    permitted(c.get('ctx'), permission);
    await next();
  };
}

import type { MiddlewareHandler } from 'hono';
import type { Actor, AppEnv, Ctx } from './context.ts';
import { Forbidden, Unauthorized } from './errors.ts';

/**
 * Who may do what. The identity module issues and checks tokens (an Authenticator); routes
 * here only ask for permissions, which roles grant in PERMISSIONS, the one table of them.
 */

export const ROLES = [
  'buyer',
  'seller',
  'agent',
  'broker',
  'owner',
  'organizer',
  'moderator',
  'admin',
] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: unknown): value is Role {
  return (ROLES as readonly unknown[]).includes(value);
}

/** What a route may ask for. */
export type Permission =
  | 'events.manage'
  | 'users.read'
  | 'users.suspend'
  | 'users.roles'
  | 'audit.read'
  /** List properties or vehicles (a KYC-pending agent or broker may too, into review). */
  | 'listings.create'
  /** See listings in any status, drafts and those in review included. */
  | 'listings.review'
  /** Change or archive anyone's listing. */
  | 'listings.manage'
  /** Review agents' and brokers' KYC checks, their documents included, and decide them. */
  | 'professionals.verify'
  /** Run one's own shop: its products, variants, images and stock. */
  | 'shop.sell'
  /** Approve, suspend and reinstate shops; disable and enable products. */
  | 'shops.review'
  /** Change the category tree. */
  | 'categories.manage'
  /** See every order and move any of them (audited). */
  | 'orders.manage'
  /** Create and change platform vouchers, which apply to any shop's orders. */
  | 'vouchers.manage'
  /** Hide and restore reviews; work the reported ones. */
  | 'reviews.moderate';

export const PERMISSIONS: Record<Role, readonly Permission[]> = {
  buyer: [],
  seller: ['shop.sell'],
  agent: ['listings.create'],
  broker: ['listings.create'],
  owner: ['listings.create'],
  organizer: [],
  moderator: [
    'users.read',
    'users.suspend',
    'listings.review',
    'professionals.verify',
    'shops.review',
    'reviews.moderate',
  ],
  admin: [
    'events.manage',
    'users.read',
    'users.suspend',
    'users.roles',
    'audit.read',
    'listings.review',
    'listings.manage',
    'professionals.verify',
    'shops.review',
    'categories.manage',
    'orders.manage',
    'vouchers.manage',
    'reviews.moderate',
  ],
};

/** Turns a bearer token into the actor it names, or throws Unauthorized. */
export interface Authenticator {
  authenticate(ctx: Ctx, token: string): Promise<Actor>;
}

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
        throw new Unauthorized('Use "Authorization: Bearer <access token>".', 'invalid-token');
      }
      const ctx = c.get('ctx');
      c.set('ctx', { ...ctx, actor: await authenticator.authenticate(ctx, token) });
    }
    await next();
  };
}

export function can(actor: Actor | null, permission: Permission): boolean {
  return (
    actor?.roles.some((role) => isRole(role) && PERMISSIONS[role].includes(permission)) ?? false
  );
}

/** The signed-in actor, or Unauthorized: for services that need someone to act for. */
export function requireActor(ctx: Ctx): Actor {
  if (!ctx.actor) throw new Unauthorized();
  return ctx.actor;
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
    const actor = requireActor(c.get('ctx'));
    if (!can(actor, permission)) throw new Forbidden();
    await next();
  };
}

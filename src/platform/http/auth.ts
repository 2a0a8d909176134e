import type { MiddlewareHandler } from 'hono';
import { errors, jwtVerify, SignJWT } from 'jose';
import type { Actor, AppEnv } from './context.ts';
import { Forbidden, Unauthorized } from './errors.ts';

/**
 * Access tokens: short-lived HS256 JWTs signed with JWT_SECRET, naming the user (`sub`) and
 * their roles. The identity module issues them; every route reads them the same way here.
 */

const ISSUER = 'mercato';
const AUDIENCE = 'mercato-api';

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

/** What a route may ask for. Roles grant permissions in PERMISSIONS, the one table of them. */
export type Permission = 'events.manage';

export const PERMISSIONS: Record<Role, readonly Permission[]> = {
  buyer: [],
  seller: [],
  agent: [],
  broker: [],
  owner: [],
  organizer: [],
  moderator: [],
  admin: ['events.manage'],
};

const encoder = new TextEncoder();

export async function signAccessToken(
  secret: string,
  actor: Actor,
  ttlSeconds: number,
): Promise<string> {
  return new SignJWT({ roles: [...actor.roles] })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(actor.userId)
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(`${ttlSeconds}s`)
    .sign(encoder.encode(secret));
}

/** The actor a token names; Unauthorized for a token that is expired, forged or malformed. */
export async function verifyAccessToken(secret: string, token: string): Promise<Actor> {
  try {
    const { payload } = await jwtVerify(token, encoder.encode(secret), {
      issuer: ISSUER,
      audience: AUDIENCE,
      algorithms: ['HS256'],
    });
    const roles = Array.isArray(payload.roles)
      ? payload.roles.filter((r): r is Role => (ROLES as readonly unknown[]).includes(r))
      : [];
    if (!payload.sub) throw new Unauthorized('The access token names no user.', 'invalid-token');
    return { userId: payload.sub, roles };
  } catch (error) {
    if (error instanceof Unauthorized) throw error;
    if (error instanceof errors.JWTExpired) {
      throw new Unauthorized('The access token has expired; refresh it.', 'token-expired');
    }
    throw new Unauthorized('The access token is not valid.', 'invalid-token');
  }
}

/**
 * Reads `Authorization: Bearer <token>` into `ctx.actor` (null without one). A bad token is a
 * 401 even on public routes: a client that sends one expects it to count.
 */
export function authenticate(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const header = c.req.header('authorization');
    if (header) {
      const [scheme, token] = header.split(' ');
      if (scheme?.toLowerCase() !== 'bearer' || !token) {
        throw new Unauthorized('Use "Authorization: Bearer <access token>".', 'invalid-token');
      }
      const actor = await verifyAccessToken(c.get('ctx').config.jwtSecret, token);
      c.set('ctx', { ...c.get('ctx'), actor });
    }
    await next();
  };
}

export function can(actor: Actor | null, permission: Permission): boolean {
  return actor?.roles.some((role) => PERMISSIONS[role as Role]?.includes(permission)) ?? false;
}

/** 401 for a guest, 403 for a signed-in user whose roles do not grant `permission`. */
export function requirePermission(permission: Permission): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const { actor } = c.get('ctx');
    if (!actor) throw new Unauthorized();
    if (!can(actor, permission)) throw new Forbidden();
    await next();
  };
}

import { Forbidden, Unauthenticated } from './errors.ts';

/**
 * Who may do what. Roles are the platform's (DESIGN.md lists them); permissions belong to the
 * modules: each declares its own with the roles that hold them (`Module.permissions`), and
 * adds their names to `Permissions` so a misspelt one fails to compile. Admins hold every
 * permission. Routes and services ask for permissions, never for roles.
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

/**
 * Every permission's name. Empty here: a module declares its permissions with
 * `definePermissions` and merges their names in:
 *
 *   declare module '../../platform/core/permissions.ts' {
 *     interface Permissions extends Declared<typeof listingPermissions> {}
 *   }
 */
// biome-ignore lint/suspicious/noEmptyInterface: modules merge their permissions into it
export interface Permissions {}
export type Permission = keyof Permissions & string;

/** A module's permissions: each with the roles, besides admin, that hold it. */
export type PermissionSet = Readonly<Record<string, readonly Exclude<Role, 'admin'>[]>>;

export const definePermissions = <const P extends PermissionSet>(permissions: P): P => permissions;

/** The names of a permission set, to merge into `Permissions`. */
export type Declared<P extends PermissionSet> = { readonly [K in keyof P]: true };

/** Which permissions each role holds: built once per process from the mounted modules' sets. */
export interface Grants {
  readonly byRole: ReadonlyMap<Role, ReadonlySet<string>>;
  /** Every declared permission: an admin's. */
  readonly all: ReadonlySet<string>;
}

export function buildGrants(sets: readonly PermissionSet[]): Grants {
  const byRole = new Map<Role, Set<string>>(ROLES.map((role) => [role, new Set()]));
  const all = new Set<string>();
  for (const set of sets) {
    for (const [permission, roles] of Object.entries(set)) {
      if (all.has(permission)) throw new Error(`the permission ${permission} is declared twice`);
      all.add(permission);
      for (const role of roles) byRole.get(role)?.add(permission);
    }
  }
  byRole.set('admin', all);
  return { byRole, all };
}

/** Who is asking, as a `Ctx` tells it: their actor, and the grants of the mounted modules. */
interface Caller<A> {
  readonly actor: A | null;
  readonly grants: Grants;
}

/** Whether the caller's roles grant `permission`. */
export function can(
  ctx: Caller<{ readonly roles: readonly string[] }>,
  permission: Permission,
): boolean {
  return (
    ctx.actor?.roles.some((role) => isRole(role) && ctx.grants.byRole.get(role)?.has(permission)) ??
    false
  );
}

/** The signed-in actor, or `unauthenticated`: for services that need someone to act for. */
export function requireActor<A>(ctx: { readonly actor: A | null }): A {
  if (!ctx.actor) throw new Unauthenticated();
  return ctx.actor;
}

/** The signed-in actor holding `permission`: `unauthenticated` for a guest, else `forbidden`. */
export function requirePermission<A extends { readonly roles: readonly string[] }>(
  ctx: Caller<A>,
  permission: Permission,
): A {
  const actor = requireActor(ctx);
  if (!can(ctx, permission)) throw new Forbidden();
  return actor;
}

/** Whether the actor acts as an admin: what an admin decides, only an admin undoes. */
export function actsAsAdmin(ctx: { readonly actor: { readonly roles: readonly string[] } | null }) {
  return ctx.actor?.roles.includes('admin') ?? false;
}

/**
 * Refuses (403 `admin-decision`) to undo an admin's decision, such as a suspension, to an
 * actor who is not one: a moderator cannot overrule the admins above them.
 */
export function assertMayUndo(
  ctx: { readonly actor: { readonly roles: readonly string[] } | null },
  byAdmin: boolean,
  what: string,
): void {
  if (byAdmin && !actsAsAdmin(ctx)) {
    throw new Forbidden(`An admin made this ${what}; only an admin may undo it.`, 'admin-decision');
  }
}

import { type Declared, definePermissions } from '../../platform/core/permissions.ts';

/** What the identity module lets roles do (admins may do all of it). */
export const identityPermissions = definePermissions({
  /** See accounts and their activity. */
  'users.read': ['moderator'],
  /** Suspend and reinstate accounts. */
  'users.suspend': ['moderator'],
  /** Grant and revoke roles. */
  'users.roles': [],
});

declare module '../../platform/core/permissions.ts' {
  interface Permissions extends Declared<typeof identityPermissions> {}
}

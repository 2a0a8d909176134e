import { type Declared, definePermissions } from '../../platform/core/permissions.ts';

/** What the reviews module lets roles do (admins may do all of it). */
export const reviewPermissions = definePermissions({
  /** Hide and restore reviews; work the reported ones. */
  'reviews.moderate': ['moderator'],
});

declare module '../../platform/core/permissions.ts' {
  interface Permissions extends Declared<typeof reviewPermissions> {}
}

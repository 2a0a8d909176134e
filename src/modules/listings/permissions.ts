import { type Declared, definePermissions } from '../../platform/core/permissions.ts';

/** What the listings module lets roles do (admins may do all of it). */
export const listingPermissions = definePermissions({
  /** List properties or vehicles (a KYC-pending agent or broker may too, into review). */
  'listings.create': ['owner', 'agent', 'broker'],
  /** See listings in any status, drafts and those in review included. */
  'listings.review': ['moderator'],
  /** Change or archive anyone's listing. */
  'listings.manage': [],
});

declare module '../../platform/core/permissions.ts' {
  interface Permissions extends Declared<typeof listingPermissions> {}
}

import { type Declared, definePermissions } from '../../platform/core/permissions.ts';

/** What the shop module lets roles do (admins may do all of it). */
export const shopPermissions = definePermissions({
  /** Run one's own shop: its products, variants, images and stock. */
  'shop.sell': ['seller'],
  /** Approve, suspend and reinstate shops; disable and enable products. */
  'shops.review': ['moderator'],
  /** Change the category tree. */
  'categories.manage': [],
});

declare module '../../platform/core/permissions.ts' {
  interface Permissions extends Declared<typeof shopPermissions> {}
}

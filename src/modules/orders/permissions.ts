import { type Declared, definePermissions } from '../../platform/core/permissions.ts';

/** What the orders module lets roles do (admins may do all of it). */
export const orderPermissions = definePermissions({
  /** See every order and move any of them (audited). */
  'orders.manage': [],
});

declare module '../../platform/core/permissions.ts' {
  interface Permissions extends Declared<typeof orderPermissions> {}
}

import { type Declared, definePermissions } from '../../platform/core/permissions.ts';

/** What the vouchers module lets roles do (admins may do all of it). */
export const voucherPermissions = definePermissions({
  /** Create and change platform vouchers, which apply to any shop's orders. */
  'vouchers.manage': [],
});

declare module '../../platform/core/permissions.ts' {
  interface Permissions extends Declared<typeof voucherPermissions> {}
}

import { type Declared, definePermissions } from '../core/permissions.ts';

/** The event relay's admin surface (admins only). */
export const eventPermissions = definePermissions({
  /** See dead event deliveries and put them back in line. */
  'events.manage': [],
});

declare module '../core/permissions.ts' {
  interface Permissions extends Declared<typeof eventPermissions> {}
}

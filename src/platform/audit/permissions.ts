import { type Declared, definePermissions } from '../core/permissions.ts';

/** The audit log's readers (admins only). */
export const auditPermissions = definePermissions({
  /** Read the audit log. */
  'audit.read': [],
});

declare module '../core/permissions.ts' {
  interface Permissions extends Declared<typeof auditPermissions> {}
}

import { type Declared, definePermissions } from '../../platform/core/permissions.ts';

/** What the professionals module lets roles do (admins may do all of it). */
export const professionalPermissions = definePermissions({
  /** Review agents' and brokers' KYC checks, their documents included, and decide them. */
  'professionals.verify': ['moderator'],
});

declare module '../../platform/core/permissions.ts' {
  interface Permissions extends Declared<typeof professionalPermissions> {}
}

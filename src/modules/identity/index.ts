import type { Module } from '../../platform/module.ts';
import { ensureBootstrapAdmin } from './bootstrap-admin.ts';
import { identityPermissions } from './permissions.ts';
import { routes } from './routes/index.ts';
import { forgetIdleFailures } from './throttle.ts';

export { type AddressView, addressOf } from './addresses.ts';
export { contactsOf, grantRole } from './admin.ts';
export { authenticatorFor } from './authenticator.ts';
export { Phone } from './schemas.ts';
export { ensureSeedAccounts, type SeedAccount } from './seed.ts';
export { forgetSessions } from './sessions.ts';
export type { UserRow, UserView } from './users.ts';
export {
  accountStanding,
  accountStandings,
  findUser,
  grantedRoles,
  hasVerifiedPhone,
  pendingRoles,
} from './users.ts';

/** Accounts, sign-in, sessions, roles, profiles and addresses: one identity for every vertical. */
export const identityModule: Module = {
  name: 'identity',
  routes,
  permissions: identityPermissions,
  onStart: ensureBootstrapAdmin,
  schedules: [forgetIdleFailures],
};

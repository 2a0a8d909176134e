import { Forbidden } from '../../platform/http/errors.ts';
import { createRouter } from '../../platform/http/router.ts';
import type { Module } from '../../platform/module.ts';
import { ensureBootstrapAdmin } from './bootstrap-admin.ts';
import { addressRoutes } from './routes/addresses.ts';
import { adminRoutes } from './routes/admin.ts';
import { authRoutes } from './routes/auth.ts';
import { oauthRoutes } from './routes/oauth.ts';
import { passwordlessRoutes } from './routes/passwordless.ts';
import { profileRoutes } from './routes/profile.ts';

export { type AddressView, addressOf } from './addresses.ts';
export { contactsOf, grantRole } from './admin.ts';
export { authenticatorFor } from './authenticator.ts';
export { Phone } from './schemas.ts';
export { ensureSeedAccounts, type SeedAccount } from './seed.ts';
export { forgetSessions } from './sessions.ts';
export type { UserRow, UserView } from './users.ts';
export { accountStanding, findUser, grantedRoles, pendingRoles } from './users.ts';

const routes = createRouter();
/** What an external identity provider's users may still call under /auth. */
const EXTERNAL_AUTH_ROUTES = ['/auth/me', '/auth/logout', '/auth/logout-all'];

// With an external identity provider, that provider signs people up and in; local credentials
// would be a second, unmanaged way in. Logout stays: it ends the session here.
routes.use('/auth/*', async (c, next) => {
  const external = c.get('ctx').config.authProvider.kind !== 'local';
  if (external && !EXTERNAL_AUTH_ROUTES.some((route) => c.req.path.endsWith(route))) {
    throw new Forbidden(
      'This deployment signs users in through its external identity provider.',
      'local-auth-disabled',
    );
  }
  await next();
});
for (const part of [
  authRoutes,
  passwordlessRoutes,
  oauthRoutes,
  profileRoutes,
  addressRoutes,
  adminRoutes,
]) {
  routes.route('/', part);
}

/** Accounts, sign-in, sessions, roles, profiles and addresses: one identity for every vertical. */
export const identityModule: Module = {
  name: 'identity',
  routes,
  onStart: ensureBootstrapAdmin,
};

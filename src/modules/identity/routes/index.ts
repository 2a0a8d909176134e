import { Forbidden } from '../../../platform/core/errors.ts';
import { createRouter, joinRoutes } from '../../../platform/http/router.ts';
import { addressRoutes } from './addresses.ts';
import { adminRoutes } from './admin.ts';
import { authRoutes } from './auth.ts';
import { linkRoutes } from './links.ts';
import { oauthRoutes } from './oauth.ts';
import { passwordlessRoutes } from './passwordless.ts';
import { profileRoutes } from './profile.ts';

/** What an external identity provider's users may still call under /auth. */
const EXTERNAL_AUTH_ROUTES = [
  '/auth/me',
  '/auth/logout',
  '/auth/logout-all',
  '/auth/contact/revert',
];

// With an external identity provider, that provider signs people up and in; local credentials
// would be a second, unmanaged way in. Logout stays: it ends the session here.
const localAuthOnly = createRouter();
localAuthOnly.use('/auth/*', async (c, next) => {
  const external = c.get('ctx').config.authProvider.kind !== 'local';
  if (external && !EXTERNAL_AUTH_ROUTES.some((route) => c.req.path.endsWith(route))) {
    throw new Forbidden(
      'This deployment signs users in through its external identity provider.',
      'local-auth-disabled',
    );
  }
  await next();
});

export const routes = joinRoutes(
  localAuthOnly,
  authRoutes,
  passwordlessRoutes,
  linkRoutes,
  oauthRoutes,
  profileRoutes,
  addressRoutes,
  adminRoutes,
);

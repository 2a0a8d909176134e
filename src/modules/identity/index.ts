import type { Config } from '../../config.ts';
import type { Authenticator } from '../../platform/http/auth.ts';
import { createRouter } from '../../platform/http/router.ts';
import type { Module } from '../../platform/module.ts';
import { localAuthenticator } from './authenticator.ts';
import { authRoutes } from './routes/auth.ts';

export { ACCESS_TOKEN_TTL_SECONDS, signAccessToken } from './tokens.ts';
export type { UserView } from './users.ts';

/** The authenticator AUTH_PROVIDER selects. */
export function authenticatorFor(_config: Config): Authenticator {
  return localAuthenticator;
}

const routes = createRouter();
routes.route('/', authRoutes);

/** Accounts, sign-in, sessions, roles, profiles and addresses: one identity for every vertical. */
export const identityModule: Module = {
  name: 'identity',
  routes,
};

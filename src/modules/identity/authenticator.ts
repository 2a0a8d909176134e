import type { Config } from '../../config.ts';
import type { Authenticator } from '../../platform/http/auth.ts';
import { Unauthorized } from '../../platform/http/errors.ts';
import { sessionState } from './sessions.ts';
import { verifyAccessToken } from './tokens.ts';

/**
 * Bearer tokens this API signed. The signature proves who and which session; the session
 * check (cached) makes a logout, a revoked family or a suspension count at once, and gives
 * the roles granted now rather than those the token was signed with.
 */
export const localAuthenticator: Authenticator = {
  async authenticate(ctx, token) {
    const claims = await verifyAccessToken(ctx.config, token);
    const state = await sessionState(ctx, claims.sessionId);
    if (state.status === 'suspended' && state.userId === claims.userId) {
      throw new Unauthorized('This account is suspended.', 'account-suspended');
    }
    if (state.status !== 'active' || state.userId !== claims.userId) {
      throw new Unauthorized('The session has ended; sign in again.', 'session-revoked');
    }
    return { userId: claims.userId, roles: state.roles, sessionId: claims.sessionId };
  },
};

/** The authenticator AUTH_PROVIDER selects. */
export function authenticatorFor(_config: Config): Authenticator {
  return localAuthenticator;
}

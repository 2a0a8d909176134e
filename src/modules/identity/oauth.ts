import {
  ArcticFetchError,
  CodeChallengeMethod,
  generateCodeVerifier,
  generateState,
  OAuth2Client,
  UnexpectedResponseError,
} from 'arctic';
import { eq, lt, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Config } from '../../config.ts';
import { audit } from '../../platform/audit/audit.ts';
import type { Ctx } from '../../platform/core/context.ts';
import { NotFound, Unauthenticated, Unavailable } from '../../platform/core/errors.ts';
import type { Tx } from '../../platform/db/client.ts';
import { withTransaction } from '../../platform/db/transaction.ts';
import { assertCanSignIn, markVerified } from './account.ts';
import {
  createExternalUser,
  type ExternalAccount,
  findLinkedUser,
  linkIdentity,
  lockExternalIdentity,
} from './external-identities.ts';
import { signIn, type Tokens } from './sessions.ts';
import { oauthStates, users } from './tables.ts';
import { randomToken, sameHash, tokenHash } from './tokens.ts';
import { findUserByIdentifier, type UserRow } from './users.ts';

/**
 * Sign-in with Google or GitHub: the authorization-code flow with PKCE (S256) and a single-use
 * state, through arctic's generic OAuth2 client and our own endpoint table, so that
 * OAUTH_PROVIDER_URL can point every endpoint at a staging provider or a test double.
 */

export const OAUTH_PROVIDERS = ['google', 'github'] as const;
export type OAuthProvider = (typeof OAUTH_PROVIDERS)[number];

/** How long a user may take at the provider's consent screen. */
const STATE_TTL_MS = 10 * 60_000;
const PROFILE_TIMEOUT_MS = 10_000;

/** What we keep of a provider's account. */
interface Profile {
  subject: string;
  /** Lower-cased. */
  email: string | null;
  /** The provider vouches that the account's owner controls `email`. */
  emailVerified: boolean;
  name: string | null;
  /** GitHub's handle: a name to fall back on. */
  login: string | null;
}

type FetchProfileJson = <S extends z.ZodType>(url: string, schema: S) => Promise<z.output<S>>;

interface ProviderSpec {
  authorize: string;
  token: string;
  scopes: string[];
  profile(get: FetchProfileJson): Promise<Profile>;
}

const GoogleUserInfo = z.object({
  sub: z.string().min(1),
  email: z.email().optional(),
  // OpenID Connect says boolean; some Google endpoints have answered the string.
  email_verified: z.union([z.boolean(), z.enum(['true', 'false'])]).optional(),
  name: z.string().optional(),
});

const GitHubUser = z.object({
  id: z.number().int(),
  login: z.string().min(1),
  name: z.string().nullish(),
  email: z.email().nullish(),
});

const GitHubEmails = z.array(
  z.object({ email: z.email(), primary: z.boolean(), verified: z.boolean() }),
);

const PROVIDERS: Record<OAuthProvider, ProviderSpec> = {
  google: {
    authorize: 'https://accounts.google.com/o/oauth2/v2/auth',
    token: 'https://oauth2.googleapis.com/token',
    scopes: ['openid', 'email', 'profile'],
    async profile(get) {
      const info = await get('https://openidconnect.googleapis.com/v1/userinfo', GoogleUserInfo);
      return {
        subject: info.sub,
        email: info.email?.toLowerCase() ?? null,
        emailVerified: info.email_verified === true || info.email_verified === 'true',
        name: info.name ?? null,
        login: null,
      };
    },
  },
  github: {
    authorize: 'https://github.com/login/oauth/authorize',
    token: 'https://github.com/login/oauth/access_token',
    scopes: ['read:user', 'user:email'],
    async profile(get) {
      const user = await get('https://api.github.com/user', GitHubUser);
      // The public profile's email may be absent or unverified; the list says which are proven.
      const emails = await get('https://api.github.com/user/emails', GitHubEmails);
      const verified =
        emails.find((e) => e.primary && e.verified) ?? emails.find((e) => e.verified);
      const email = verified?.email ?? emails.find((e) => e.primary)?.email ?? user.email ?? null;
      return {
        subject: String(user.id),
        email: email?.toLowerCase() ?? null,
        emailVerified: verified !== undefined,
        name: user.name ?? null,
        login: user.login,
      };
    },
  },
};

/** `url` with its origin replaced by OAUTH_PROVIDER_URL, when set. */
function endpoint(config: Config, url: string): string {
  const { providerUrl } = config.oauth;
  if (!providerUrl) return url;
  const { pathname, search } = new URL(url);
  return `${providerUrl}${pathname}${search}`;
}

export function oauthRedirectUri(config: Config, provider: OAuthProvider): string {
  return `${config.publicUrl}/api/v1/auth/oauth/${provider}/callback`;
}

function clientFor(config: Config, provider: OAuthProvider) {
  const app = config.oauth[provider];
  if (!app) {
    throw new NotFound(`${provider} sign-in`, 'provider-not-configured');
  }
  return {
    client: new OAuth2Client(app.clientId, app.clientSecret, oauthRedirectUri(config, provider)),
    spec: PROVIDERS[provider],
  };
}

/** A browser binding is 32 random bytes, base64url: anything else is not one of ours. */
const BINDING = /^[\w-]{43}$/;

/**
 * Where to send the user to sign in at `provider`; the state is remembered for the callback,
 * bound to a secret only the starting browser (or app) holds: a callback link planted in
 * another browser (login CSRF) finds no binding there. One binding serves every attempt a
 * browser starts, so two tabs do not undo each other.
 */
export async function startOAuth(
  ctx: Ctx,
  provider: OAuthProvider,
  held?: string,
): Promise<{ authorizationUrl: string; binding: string }> {
  const { client, spec } = clientFor(ctx.config, provider);
  const state = generateState();
  const codeVerifier = generateCodeVerifier();
  const binding = held && BINDING.test(held) ? held : randomToken();
  // Abandoned attempts are cleared here rather than by a job: the table stays as small as
  // the sign-ins of the last ten minutes.
  await ctx.db.delete(oauthStates).where(lt(oauthStates.expiresAt, sql`now()`));
  await ctx.db.insert(oauthStates).values({
    stateHash: await tokenHash(state),
    provider,
    codeVerifier,
    bindingHash: await tokenHash(binding),
    expiresAt: new Date(Date.now() + STATE_TTL_MS),
  });
  const url = client.createAuthorizationURLWithPKCE(
    endpoint(ctx.config, spec.authorize),
    state,
    CodeChallengeMethod.S256,
    codeVerifier,
    spec.scopes,
  );
  return { authorizationUrl: url.toString(), binding };
}

export interface OAuthCallback {
  code?: string | undefined;
  state?: string | undefined;
  /** The secret startOAuth bound the state to, as the browser or app presents it. */
  binding?: string | undefined;
  /** The provider's refusal (`access_denied` when the user cancelled). */
  error?: string | undefined;
}

const failed = () =>
  new Unauthenticated(
    'The sign-in with the provider did not succeed; start again.',
    'oauth-failed',
  );
const unavailable = () =>
  new Unavailable(
    'oauth-provider-unavailable',
    'The sign-in provider could not be reached; try again shortly.',
  );

/**
 * Completes a sign-in the provider sent back: spends the state (once, whatever follows),
 * trades the code for a token with the state's PKCE verifier, reads the profile, and signs in
 * the user it belongs to, linking or creating one.
 */
export async function finishOAuth(
  ctx: Ctx,
  provider: OAuthProvider,
  callback: OAuthCallback,
): Promise<Tokens> {
  const { client, spec } = clientFor(ctx.config, provider);
  const [flow] = callback.state
    ? await ctx.db
        .delete(oauthStates)
        .where(eq(oauthStates.stateHash, await tokenHash(callback.state)))
        .returning()
    : [];
  if (callback.error) {
    throw callback.error === 'access_denied'
      ? new Unauthenticated('The sign-in was cancelled at the provider.', 'oauth-denied')
      : failed();
  }
  if (
    !flow ||
    !callback.code ||
    !callback.binding ||
    !sameHash(flow.bindingHash, await tokenHash(callback.binding)) ||
    flow.provider !== provider ||
    flow.expiresAt.getTime() <= Date.now()
  ) {
    throw new Unauthenticated(
      'The sign-in attempt is unknown, expired or already used; start again.',
      'invalid-oauth-state',
    );
  }
  const accessToken = await exchangeCode(ctx, client, endpoint(ctx.config, spec.token), {
    code: callback.code,
    codeVerifier: flow.codeVerifier,
  });
  const profile = await spec.profile((url, schema) =>
    fetchProfileJson(endpoint(ctx.config, url), accessToken, schema),
  );
  return signInWithProfile(ctx, provider, profile);
}

async function exchangeCode(
  ctx: Ctx,
  client: OAuth2Client,
  tokenUrl: string,
  grant: { code: string; codeVerifier: string },
): Promise<string> {
  try {
    const tokens = await client.validateAuthorizationCode(tokenUrl, grant.code, grant.codeVerifier);
    // GitHub answers some errors with 200 and an `error` field: this throws for those too.
    return tokens.accessToken();
  } catch (error) {
    ctx.log.warn({ err: error, tokenUrl }, 'oauth code exchange failed');
    if (
      error instanceof ArcticFetchError ||
      (error instanceof UnexpectedResponseError && error.status >= 500)
    ) {
      throw unavailable();
    }
    throw failed();
  }
}

async function fetchProfileJson<S extends z.ZodType>(
  url: string,
  accessToken: string,
  schema: S,
): Promise<z.output<S>> {
  let res: Response;
  try {
    res = await fetch(url, {
      headers: {
        Authorization: `Bearer ${accessToken}`,
        Accept: 'application/json',
        // GitHub refuses requests without one.
        'User-Agent': 'mercato',
      },
      signal: AbortSignal.timeout(PROFILE_TIMEOUT_MS),
    });
  } catch {
    throw unavailable();
  }
  if (!res.ok) {
    await res.body?.cancel();
    throw res.status >= 500 ? unavailable() : failed();
  }
  const parsed = schema.safeParse(await res.json().catch(() => undefined));
  if (!parsed.success) throw failed();
  return parsed.data;
}

/**
 * The user a provider's profile signs in: the one linked to it; else the one with the email
 * the provider vouches for (linked now); else a new one.
 */
async function signInWithProfile(
  ctx: Ctx,
  provider: OAuthProvider,
  profile: Profile,
): Promise<Tokens> {
  const method = `oauth:${provider}`;
  const account = { provider, subject: profile.subject, email: profile.email };
  const provenEmail = profile.emailVerified ? profile.email : null;
  return withTransaction(ctx, async (tx) => {
    await lockExternalIdentity(tx, provider, profile.subject);
    let user = await findLinkedUser(tx, provider, profile.subject);
    if (!user) {
      const owner = provenEmail
        ? await findUserByIdentifier(tx.db, { email: provenEmail })
        : undefined;
      if (provenEmail && owner) {
        user = await linkToOwner(tx, { ...account, email: provenEmail }, owner);
      } else {
        user = await createExternalUser(tx, {
          account,
          email: provenEmail,
          verified: true,
          fullName: profile.name || profile.login || profile.email?.split('@')[0] || '',
          channel: 'oauth',
        });
        await audit(tx, {
          action: 'auth.registered',
          actorId: user.id,
          resource: { type: 'user', id: user.id },
          metadata: { method },
        });
      }
    }
    assertCanSignIn(user);
    return signIn(tx, user, method);
  });
}

/**
 * Links an external account to the local one with the address the provider proved. An
 * unverified local account was registered by someone who never proved the address: the
 * provider's user is its owner, so it is verified and its password, set by that someone,
 * cleared.
 */
async function linkToOwner(
  tx: Ctx & { db: Tx },
  account: ExternalAccount & { email: string },
  owner: UserRow,
): Promise<UserRow> {
  let user = owner;
  const takeover = owner.status === 'unverified';
  if (takeover) {
    await markVerified(tx, owner, { email: account.email });
    const [cleared] = await tx.db
      .update(users)
      .set({ passwordHash: null })
      .where(eq(users.id, owner.id))
      .returning();
    if (!cleared) throw new Error('linked user vanished');
    user = cleared;
  }
  await linkIdentity(tx, account, user.id);
  await audit(tx, {
    action: 'auth.oauth_linked',
    actorId: user.id,
    resource: { type: 'user', id: user.id },
    metadata: { provider: account.provider, ...(takeover ? { passwordCleared: true } : {}) },
  });
  return user;
}

import { createRemoteJWKSet, errors, type JWTPayload, type JWTVerifyGetKey, jwtVerify } from 'jose';
import { v5 as uuidv5 } from 'uuid';
import type { Config } from '../../config.ts';
import { audit } from '../../platform/audit/audit.ts';
import type { Authenticator, Ctx } from '../../platform/core/context.ts';
import { DomainError, Unauthenticated, Unavailable } from '../../platform/core/errors.ts';
import type { Tx } from '../../platform/db/client.ts';
import { withTransaction } from '../../platform/db/transaction.ts';
import {
  createExternalUser,
  findLinkedUser,
  linkIdentity,
  lockExternalIdentity,
} from './external-identities.ts';
import { forgetSessions, type SessionState, sessionState } from './sessions.ts';
import { sessions } from './tables.ts';
import { verifyAccessToken } from './tokens.ts';
import { findUserByIdentifier, grantedRoles, type UserRow } from './users.ts';

/** Accounts an external identity is never linked to by email alone. */
const STAFF_ROLES: readonly string[] = ['moderator', 'admin'];

/**
 * The actor a live session gives, or why there is none. `expectedUserId`: the user the token
 * names, when the session id alone does not bind it.
 */
function actorOf(state: SessionState, expectedUserId: string | null, sessionId: string) {
  const theirs = expectedUserId === null || state.userId === expectedUserId;
  if (state.status === 'suspended' && theirs) {
    throw new Unauthenticated('This account is suspended.', 'account-suspended');
  }
  if (state.status !== 'active' || !theirs) {
    throw new Unauthenticated('The session has ended; sign in again.', 'session-revoked');
  }
  return { userId: state.userId, roles: state.roles, sessionId };
}

/**
 * Bearer tokens this API signed. The signature proves who and which session; the session
 * check (cached) makes a logout, a revoked family or a suspension count at once, and gives
 * the roles granted now rather than those the token was signed with.
 */
const localAuthenticator: Authenticator = {
  async authenticate(ctx, token) {
    const claims = await verifyAccessToken(ctx.config, token);
    return actorOf(await sessionState(ctx, claims.sessionId), claims.userId, claims.sessionId);
  },
};

/** The authenticator AUTH_PROVIDER selects. */
export function authenticatorFor(config: Config): Authenticator {
  const provider = config.authProvider;
  return provider.kind === 'supabase' ? supabaseAuthenticator(provider) : localAuthenticator;
}

type SupabaseProvider = { url: string; jwtSecret: string | undefined };

const SUPABASE = 'supabase';
/** Names the local sessions made for Supabase sessions, apart from every other UUID. */
const SESSION_NAMESPACE = '5c6f1d1e-8a53-4c1b-9a7e-3f0f4c2b6d10';
const encoder = new TextEncoder();

/** One key set per project URL and process: jose caches the keys and refetches on a new kid. */
const keySets = new Map<string, JWTVerifyGetKey>();

function keySetFor(url: string): JWTVerifyGetKey {
  let keySet = keySets.get(url);
  if (!keySet) {
    const remote = createRemoteJWKSet(new URL(`${url}/auth/v1/.well-known/jwks.json`));
    // Failing to fetch the keys says nothing about the token: that is our outage, not a 401.
    keySet = async (header, token) => {
      try {
        return await remote(header, token);
      } catch (error) {
        if (error instanceof errors.JWKSNoMatchingKey) throw error;
        throw new Unavailable(
          'auth-provider-unavailable',
          'The sign-in service’s keys could not be fetched; try again shortly.',
        );
      }
    };
    keySets.set(url, keySet);
  }
  return keySet;
}

interface SupabaseClaims {
  sub: string;
  sessionId: string;
  email: string | null;
  /** Supabase says its owner proved the email (not an anonymous user's, nor an unconfirmed one). */
  emailProven: boolean;
  fullName: string | null;
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : null;
}

async function verifySupabaseToken(
  provider: SupabaseProvider,
  token: string,
): Promise<SupabaseClaims> {
  let payload: JWTPayload;
  try {
    const options = {
      issuer: `${provider.url}/auth/v1`,
      audience: 'authenticated',
      requiredClaims: ['sub', 'exp', 'session_id'],
    };
    ({ payload } = provider.jwtSecret
      ? await jwtVerify(token, encoder.encode(provider.jwtSecret), {
          ...options,
          algorithms: ['HS256'],
        })
      : await jwtVerify(token, keySetFor(provider.url), {
          ...options,
          algorithms: ['ES256', 'RS256', 'EdDSA'],
        }));
  } catch (error) {
    if (error instanceof DomainError) throw error;
    if (error instanceof errors.JWTExpired) {
      throw new Unauthenticated('The access token has expired; refresh it.', 'token-expired');
    }
    throw new Unauthenticated('The access token is not valid.', 'invalid-token');
  }
  const sub = text(payload.sub);
  const sessionId = text(payload.session_id);
  if (!sub || !sessionId)
    throw new Unauthenticated('The access token is not valid.', 'invalid-token');
  const metadata = (payload.user_metadata ?? {}) as Record<string, unknown>;
  const email = text(payload.email)?.toLowerCase() ?? null;
  return {
    sub,
    // A local session per Supabase session, bound to its user: a session id presented with
    // another user's subject names a different (unknown) session.
    sessionId: uuidv5(`${sub}\u0000${sessionId}`, SESSION_NAMESPACE),
    email,
    emailProven:
      email !== null && payload.is_anonymous !== true && metadata.email_verified === true,
    fullName: text(metadata.full_name) ?? text(metadata.name) ?? email?.split('@')[0] ?? null,
  };
}

/**
 * Bearer tokens Supabase Auth issued. Each Supabase user maps to a local user through
 * external_identities (created on first sight), and each Supabase session to a local session
 * row, so roles granted here, suspensions (at once), the device list and signing a device out
 * work as they do for local sign-ins. Signing in and out is otherwise Supabase's business.
 */
function supabaseAuthenticator(provider: SupabaseProvider): Authenticator {
  return {
    async authenticate(ctx, token) {
      const claims = await verifySupabaseToken(provider, token);
      let state = await sessionState(ctx, claims.sessionId);
      if (state.status === 'unknown') {
        await openSupabaseSession(ctx, claims);
        // The check above cached "unknown"; drop it now that the session exists.
        await forgetSessions(ctx, { sessionId: claims.sessionId });
        state = await sessionState(ctx, claims.sessionId);
      }
      return actorOf(state, null, claims.sessionId);
    },
  };
}

/** The local user and session for a Supabase session seen for the first time. */
async function openSupabaseSession(ctx: Ctx, claims: SupabaseClaims): Promise<void> {
  await withTransaction(ctx, async (tx) => {
    await lockExternalIdentity(tx, SUPABASE, claims.sub);
    const user =
      (await findLinkedUser(tx, SUPABASE, claims.sub)) ?? (await adoptSupabaseUser(tx, claims));
    await tx.db
      .insert(sessions)
      .values({
        id: claims.sessionId,
        userId: user.id,
        method: SUPABASE,
        ip: ctx.client?.ip ?? null,
        userAgent: ctx.client?.userAgent?.slice(0, 512) ?? null,
      })
      .onConflictDoNothing();
  });
}

/**
 * Links a Supabase user seen for the first time: to the verified local account with their
 * email (an account from before the switch to Supabase) when Supabase says the email is
 * proven and the account is not staff's, or to a new one. A new account gets the email only
 * when it is proven and nobody else's; unproven, it starts unverified. An unverified local
 * account keeps the address: its registrant never proved it, so neither side gets it.
 */
async function adoptSupabaseUser(tx: Ctx & { db: Tx }, claims: SupabaseClaims): Promise<UserRow> {
  const account = { provider: SUPABASE, subject: claims.sub, email: claims.email };
  const owner = claims.email
    ? await findUserByIdentifier(tx.db, { email: claims.email })
    : undefined;
  const staff = owner
    ? (await grantedRoles(tx.db, owner.id)).some((role) => STAFF_ROLES.includes(role))
    : false;
  if (owner?.verifiedAt && claims.emailProven && !staff) {
    await linkIdentity(tx, account, owner.id);
    await audit(tx, {
      action: 'auth.external_linked',
      actorId: owner.id,
      resource: { type: 'user', id: owner.id },
      metadata: { provider: SUPABASE },
    });
    return owner;
  }
  const user = await createExternalUser(tx, {
    account,
    email: owner || !claims.emailProven ? null : claims.email,
    verified: claims.emailProven,
    fullName: claims.fullName ?? '',
    channel: 'external',
  });
  await audit(tx, {
    action: 'auth.external_user_created',
    actorId: user.id,
    resource: { type: 'user', id: user.id },
    metadata: {
      provider: SUPABASE,
      verified: claims.emailProven,
      ...(staff ? { staffEmail: true } : {}),
    },
  });
  return user;
}

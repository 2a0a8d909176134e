import { and, desc, eq, isNull, ne, sql } from 'drizzle-orm';
import { audit } from '../../platform/audit/audit.ts';
import type { Ctx } from '../../platform/core/context.ts';
import { NotFound, Unauthenticated } from '../../platform/core/errors.ts';
import { requireActor } from '../../platform/core/permissions.ts';
import { withTransaction } from '../../platform/db/transaction.ts';
import { refreshTokens, sessions, users } from './tables.ts';
import { ACCESS_TOKEN_TTL_SECONDS, randomToken, signAccessToken, tokenHash } from './tokens.ts';
import { findUser, grantedRoles, toUserView, type UserRow, type UserView } from './users.ts';

/** A refresh token lives 30 days; each use replaces it, so an active device stays signed in. */
export const REFRESH_TOKEN_TTL_DAYS = 30;

/**
 * How long the check behind every authenticated request may be cached. Revoking a session or
 * suspending a user drops the entry at once; the TTL only bounds a missed invalidation.
 */
const SESSION_STATE_TTL_SECONDS = 30;

export interface Tokens {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  tokenType: 'Bearer';
  user: UserView;
}

/** When a session begun at `startedAt` ends, refreshed or not: SESSION_MAX_DAYS after. */
const sessionEnd = (ctx: Ctx, startedAt: Date) =>
  startedAt.getTime() + ctx.config.sessionMaxDays * 86_400_000;

/** A refresh token of the session, good for REFRESH_TOKEN_TTL_DAYS but never past its end. */
async function issueRefreshToken(ctx: Ctx, sessionId: string, startedAt: Date): Promise<string> {
  const token = randomToken();
  const expires = Math.min(
    Date.now() + REFRESH_TOKEN_TTL_DAYS * 86_400_000,
    sessionEnd(ctx, startedAt),
  );
  await ctx.db.insert(refreshTokens).values({
    sessionId,
    tokenHash: await tokenHash(token),
    expiresAt: new Date(expires),
  });
  return token;
}

async function tokensFor(ctx: Ctx, user: UserRow, sessionId: string, refreshToken: string) {
  const roles = await grantedRoles(ctx.db, user.id);
  const accessToken = await signAccessToken(ctx.config, { userId: user.id, roles, sessionId });
  return {
    accessToken,
    refreshToken,
    expiresIn: ACCESS_TOKEN_TTL_SECONDS,
    tokenType: 'Bearer' as const,
    user: toUserView(user, roles),
  };
}

/** Signs `user` in on a new session (a device); `method` says how: password, otp, oauth:github. */
export async function startSession(ctx: Ctx, user: UserRow, method: string): Promise<Tokens> {
  return withTransaction(ctx, async (tx) => {
    const [session] = await tx.db
      .insert(sessions)
      .values({
        userId: user.id,
        method,
        ip: ctx.client?.ip ?? null,
        userAgent: ctx.client?.userAgent?.slice(0, 512) ?? null,
      })
      .returning({ id: sessions.id, createdAt: sessions.createdAt });
    if (!session) throw new Error('session insert returned nothing');
    const refresh = await issueRefreshToken(tx, session.id, session.createdAt);
    return tokensFor(tx, user, session.id, refresh);
  });
}

/** Audits a sign-in and starts its session, together. */
export function signIn(ctx: Ctx, user: UserRow, method: string): Promise<Tokens> {
  return withTransaction(ctx, async (tx) => {
    await audit(tx, {
      action: 'auth.login',
      actorId: user.id,
      resource: { type: 'user', id: user.id },
      metadata: { method },
    });
    return startSession(tx, user, method);
  });
}

const invalidRefresh = () =>
  new Unauthenticated('The refresh token is not valid; sign in again.', 'invalid-refresh-token');

/**
 * Spends `refreshToken` and returns a new pair on the same session. A token spent before is a
 * sign that it was stolen: the whole session (every token descended from the same sign-in) is
 * revoked, the event audited, and the caller refused.
 */
export async function refreshSession(ctx: Ctx, refreshToken: string): Promise<Tokens> {
  const hash = await tokenHash(refreshToken);
  const [found] = await ctx.db
    .select({
      id: refreshTokens.id,
      sessionId: refreshTokens.sessionId,
      expiresAt: refreshTokens.expiresAt,
      userId: sessions.userId,
      revokedAt: sessions.revokedAt,
      startedAt: sessions.createdAt,
    })
    .from(refreshTokens)
    .innerJoin(sessions, eq(sessions.id, refreshTokens.sessionId))
    .where(eq(refreshTokens.tokenHash, hash))
    .limit(1);
  if (!found || found.revokedAt || found.expiresAt.getTime() <= Date.now()) throw invalidRefresh();
  if (sessionEnd(ctx, found.startedAt) <= Date.now()) {
    throw new Unauthenticated(
      `Sessions last ${ctx.config.sessionMaxDays} days from their sign-in; sign in again.`,
      'session-expired',
    );
  }

  const outcome = await withTransaction(ctx, async (tx) => {
    // One statement decides, so of two refreshes racing with one token exactly one wins.
    const [spent] = await tx.db
      .update(refreshTokens)
      .set({ usedAt: sql`now()` })
      .where(and(eq(refreshTokens.id, found.id), isNull(refreshTokens.usedAt)))
      .returning({ id: refreshTokens.id });
    if (!spent) {
      await tx.db
        .update(sessions)
        .set({ revokedAt: sql`now()`, revokedReason: 'refresh-token-reuse' })
        .where(and(eq(sessions.id, found.sessionId), isNull(sessions.revokedAt)));
      await audit(tx, {
        action: 'auth.refresh_token_reused',
        actorId: found.userId,
        resource: { type: 'session', id: found.sessionId },
      });
      return 'reused' as const;
    }
    const user = await findUser(tx.db, found.userId);
    if (user?.status !== 'active') return 'refused' as const;
    await tx.db
      .update(sessions)
      .set({ lastUsedAt: sql`now()` })
      .where(eq(sessions.id, found.sessionId));
    const refresh = await issueRefreshToken(tx, found.sessionId, found.startedAt);
    return tokensFor(tx, user, found.sessionId, refresh);
  });
  if (outcome === 'reused') {
    await forgetSessions(ctx, { sessionId: found.sessionId });
    throw new Unauthenticated(
      'This refresh token was already used; the session is ended. Sign in again.',
      'refresh-token-reused',
    );
  }
  if (outcome === 'refused') throw invalidRefresh();
  return outcome;
}

/** Ends one session (logout). Its access tokens stop working at once. */
export async function revokeSession(ctx: Ctx, sessionId: string, reason: string): Promise<void> {
  await ctx.db
    .update(sessions)
    .set({ revokedAt: sql`now()`, revokedReason: reason })
    .where(and(eq(sessions.id, sessionId), isNull(sessions.revokedAt)));
}

/** Ends every session of `userId`, or every other one when `except` is given. */
export async function revokeUserSessions(
  ctx: Ctx,
  userId: string,
  reason: string,
  except?: string,
): Promise<number> {
  const revoked = await ctx.db
    .update(sessions)
    .set({ revokedAt: sql`now()`, revokedReason: reason })
    .where(
      and(
        eq(sessions.userId, userId),
        isNull(sessions.revokedAt),
        except ? ne(sessions.id, except) : undefined,
      ),
    )
    .returning({ id: sessions.id });
  return revoked.length;
}

/**
 * Drops cached session checks. Call after the transaction that changed them commits: dropping
 * earlier would let a request in between cache the old state again.
 */
export async function forgetSessions(
  ctx: Ctx,
  which: { sessionId: string } | { userId: string },
): Promise<void> {
  const ids =
    'sessionId' in which
      ? [which.sessionId]
      : (
          await ctx.db
            .select({ id: sessions.id })
            .from(sessions)
            .where(eq(sessions.userId, which.userId))
        ).map((s) => s.id);
  if (ids.length > 0) await ctx.cache.invalidateTags(...ids.map((id) => `session:${id}`));
}

export type SessionState =
  | { status: 'active'; userId: string; roles: string[] }
  | { status: 'revoked' | 'suspended' | 'unknown'; userId: string | null };

/** What every authenticated request checks: is the session live, the user allowed, in what roles. */
export function sessionState(ctx: Ctx, sessionId: string): Promise<SessionState> {
  return ctx.cache.wrap(
    `identity:session:${sessionId}`,
    { ttlSeconds: SESSION_STATE_TTL_SECONDS, tags: [`session:${sessionId}`] },
    async (): Promise<SessionState> => {
      const [row] = await ctx.db
        .select({ userId: sessions.userId, revokedAt: sessions.revokedAt, status: users.status })
        .from(sessions)
        .innerJoin(users, eq(users.id, sessions.userId))
        .where(eq(sessions.id, sessionId))
        .limit(1);
      if (!row) return { status: 'unknown', userId: null };
      // Suspension revokes the sessions too; saying why helps the client more.
      if (row.status === 'suspended') return { status: 'suspended', userId: row.userId };
      if (row.revokedAt) return { status: 'revoked', userId: row.userId };
      return {
        status: 'active',
        userId: row.userId,
        roles: await grantedRoles(ctx.db, row.userId),
      };
    },
  );
}

export interface SessionView {
  id: string;
  method: string;
  ip: string | null;
  userAgent: string | null;
  createdAt: string;
  lastUsedAt: string;
  /** The session of the token making this request. */
  current: boolean;
}

/** The devices signed in to the account now, most recently used first. */
export async function listSessions(ctx: Ctx): Promise<SessionView[]> {
  const actor = requireActor(ctx);
  const rows = await ctx.db
    .select()
    .from(sessions)
    .where(and(eq(sessions.userId, actor.userId), isNull(sessions.revokedAt)))
    .orderBy(desc(sessions.lastUsedAt), desc(sessions.id));
  return rows.map((s) => ({
    id: s.id,
    method: s.method,
    ip: s.ip,
    userAgent: s.userAgent,
    createdAt: s.createdAt.toISOString(),
    lastUsedAt: s.lastUsedAt.toISOString(),
    current: s.id === actor.sessionId,
  }));
}

/** Signs one of the account's devices out; its tokens stop working at once. */
export async function endSession(ctx: Ctx, sessionId: string): Promise<void> {
  const { userId } = requireActor(ctx);
  await withTransaction(ctx, async (tx) => {
    const [session] = await tx.db
      .select({ id: sessions.id })
      .from(sessions)
      .where(
        and(eq(sessions.id, sessionId), eq(sessions.userId, userId), isNull(sessions.revokedAt)),
      )
      .for('update');
    if (!session) throw new NotFound('session');
    await revokeSession(tx, sessionId, 'revoked-by-user');
    await audit(tx, {
      action: 'auth.session_revoked',
      resource: { type: 'session', id: sessionId },
    });
  });
  await forgetSessions(ctx, { sessionId });
}

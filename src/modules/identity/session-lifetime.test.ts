import { desc, eq } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { signedInUser } from '../../../test/factories.ts';
import { createTestApp, expectProblem } from '../../../test/harness.ts';
import { refreshTokens, sessions } from './tables.ts';

/**
 * Refreshing keeps a session going, but not for ever: SESSION_MAX_DAYS after its sign-in it
 * ends, so a refresh token stolen once is not a key for life.
 */
const MAX_DAYS = 10;
const t = await createTestApp({ env: { SESSION_MAX_DAYS: String(MAX_DAYS) } });
afterAll(() => t.close());

const DAY_MS = 86_400_000;
const refresh = (refreshToken: string) => t.json('POST', '/api/v1/auth/refresh', { refreshToken });

/** Moves the session's sign-in `days` into the past. */
async function signedInDaysAgo(sessionId: string, days: number) {
  await t.database.db
    .update(sessions)
    .set({ createdAt: new Date(Date.now() - days * DAY_MS) })
    .where(eq(sessions.id, sessionId));
}

async function sessionOf(refreshToken: string) {
  const res = await refresh(refreshToken);
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as { refreshToken: string; accessToken: string };
}

describe('a session', () => {
  it('refreshes until a minute before its last day ends', async () => {
    const who = await signedInUser(t);
    const [row] = await t.database.db
      .select()
      .from(sessions)
      .where(eq(sessions.userId, who.user.id));
    await signedInDaysAgo(row?.id as string, MAX_DAYS - 1 / (24 * 60));
    const next = await sessionOf(who.tokens.refreshToken);
    // The new token lasts no longer than the session.
    const [issued] = await t.database.db
      .select({ expiresAt: refreshTokens.expiresAt })
      .from(refreshTokens)
      .where(eq(refreshTokens.sessionId, row?.id as string))
      .orderBy(desc(refreshTokens.createdAt), desc(refreshTokens.id))
      .limit(1);
    const left = (issued?.expiresAt.getTime() ?? 0) - Date.now();
    expect(left).toBeGreaterThan(0);
    expect(left).toBeLessThanOrEqual(61_000);
    expect(next.refreshToken).toEqual(expect.any(String));
  });

  it(`ends ${MAX_DAYS} days after its sign-in, however often it was refreshed`, async () => {
    const who = await signedInUser(t);
    const [row] = await t.database.db
      .select()
      .from(sessions)
      .where(eq(sessions.userId, who.user.id));
    const fresh = await sessionOf(who.tokens.refreshToken);
    await signedInDaysAgo(row?.id as string, MAX_DAYS);
    await expectProblem(await refresh(fresh.refreshToken), 401, 'session-expired');
  });
});

import { and, eq, inArray, lt, sql } from 'drizzle-orm';
import type { Ctx } from '../../platform/core/context.ts';
import { RateLimited } from '../../platform/core/errors.ts';
import type { Executor } from '../../platform/db/client.ts';
import type { Schedule } from '../../platform/module.ts';
import { signInFailures } from './tables.ts';

/**
 * Password guessing slows down per account and client address instead of locking the account:
 * a lock is a weapon (anyone can lock anyone out), and its distinct answer tells which accounts
 * exist. The first FREE_FAILURES wrong passwords cost nothing; each one after doubles the wait
 * before the next try from that address, up to MAX_WAIT_SECONDS. Unknown accounts count alike,
 * so the answers never differ. A right password clears the count.
 */

export const FREE_FAILURES = 5;
export const MAX_WAIT_SECONDS = 15 * 60;
/** Counts idle this long are forgotten by the daily prune. */
const FORGET_AFTER_HOURS = 24;

export interface Attempt {
  /** The email or phone tried, as stored. */
  account: string;
  client: string;
}

export const attemptOf = (ctx: Ctx, account: string): Attempt => ({
  account,
  client: ctx.client?.ip ?? 'unknown',
});

/** The wait after `failures` wrong passwords, in seconds (0 while free). */
export function waitAfter(failures: number): number {
  if (failures < FREE_FAILURES) return 0;
  return Math.min(MAX_WAIT_SECONDS, 2 ** (failures - FREE_FAILURES));
}

const same = (attempt: Attempt) =>
  and(eq(signInFailures.account, attempt.account), eq(signInFailures.client, attempt.client));

/** Refuses a try that comes before its wait is over: 429 `too-many-attempts`, Retry-After. */
export async function assertMayTry(ctx: Ctx, attempt: Attempt, now = new Date()): Promise<void> {
  const [row] = await ctx.db
    .select({ retryAt: signInFailures.retryAt })
    .from(signInFailures)
    .where(same(attempt));
  const wait = (row ? row.retryAt.getTime() - now.getTime() : 0) / 1000;
  if (wait > 0) {
    throw new RateLimited(wait, 'Too many wrong passwords from here; wait before trying again.', {
      code: 'too-many-attempts',
    });
  }
}

/** Counts a wrong password; answers how many there are now. */
export async function recordFailure(ctx: Ctx, attempt: Attempt, now = new Date()): Promise<number> {
  const failures = sql`${signInFailures.failures} + 1`;
  const [row] = await ctx.db
    .insert(signInFailures)
    .values({ ...attempt, failures: 1, retryAt: now, updatedAt: now })
    .onConflictDoUpdate({
      target: [signInFailures.account, signInFailures.client],
      set: { failures, updatedAt: now },
    })
    .returning({ failures: signInFailures.failures });
  const count = row?.failures ?? 1;
  const wait = waitAfter(count);
  if (wait > 0) {
    await ctx.db
      .update(signInFailures)
      .set({ retryAt: new Date(now.getTime() + wait * 1000) })
      .where(same(attempt));
  }
  return count;
}

/** A right password: the count from this address starts again. */
export async function clearFailures(ctx: Ctx, attempt: Attempt): Promise<void> {
  await ctx.db.delete(signInFailures).where(same(attempt));
}

/** Failed passwords per identifier, over every address: for the admins' user views. */
export async function failuresByAccount(
  db: Executor,
  accounts: readonly string[],
): Promise<Map<string, number>> {
  if (accounts.length === 0) return new Map();
  const rows = await db
    .select({
      account: signInFailures.account,
      n: sql<number>`sum(${signInFailures.failures})::int`,
    })
    .from(signInFailures)
    .where(inArray(signInFailures.account, [...accounts]))
    .groupBy(signInFailures.account);
  return new Map(rows.map((row) => [row.account, row.n]));
}

/** Forgets counts nobody added to for a day. */
export const forgetIdleFailures: Schedule = {
  name: 'identity.forget-idle-sign-in-failures',
  cron: '0 41 3 * * *',
  run: async (ctx, now) => {
    await ctx.db
      .delete(signInFailures)
      .where(
        lt(signInFailures.updatedAt, new Date(now.getTime() - FORGET_AFTER_HOURS * 3_600_000)),
      );
  },
};

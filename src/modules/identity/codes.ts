import { and, desc, eq, gt, isNull, lt, sql } from 'drizzle-orm';
import type { Ctx } from '../../platform/core/context.ts';
import { Invalid, RateLimited } from '../../platform/core/errors.ts';
import { sendMail, sendSms } from '../../platform/messaging/jobs.ts';
import { verificationCodeEmail, verificationCodeSms } from '../../platform/messaging/templates.ts';
import { type Channel, type CodePurpose, oneTimeCodes } from './tables.ts';
import { codeHash, sameHash, sixDigitCode } from './tokens.ts';

/** One-time codes: six digits, stored keyed-hashed, 10 minutes, 5 tries, one a minute. */
export const CODE_TTL_MINUTES = 10;
export const CODE_MAX_ATTEMPTS = 5;
export const CODE_RESEND_SECONDS = 60;

export interface CodeTarget {
  purpose: CodePurpose;
  channel: Channel;
  destination: string;
  userId: string | null;
}

const hashFor = (ctx: Ctx, purpose: CodePurpose, destination: string, code: string) =>
  codeHash(ctx.config.jwtSecret, [purpose, destination], code);

/**
 * Refuses a new code or link for `purpose` and `destination` within the cool-down of the last
 * one, with 429 and the seconds left.
 */
export async function assertResendAllowed(
  ctx: Ctx,
  purpose: CodePurpose,
  destination: string,
): Promise<void> {
  const [latest] = await ctx.db
    .select({ createdAt: oneTimeCodes.createdAt })
    .from(oneTimeCodes)
    .where(and(eq(oneTimeCodes.purpose, purpose), eq(oneTimeCodes.destination, destination)))
    .orderBy(desc(oneTimeCodes.createdAt))
    .limit(1);
  const waited = latest ? (Date.now() - latest.createdAt.getTime()) / 1000 : Infinity;
  if (waited < CODE_RESEND_SECONDS) {
    throw new RateLimited(
      CODE_RESEND_SECONDS - waited,
      'One was sent less than a minute ago; wait before asking for another.',
      { code: 'code-cooldown' },
    );
  }
}

/**
 * Runs a send, taking its cool-down refusal as done: a request that says nothing about whether
 * an account exists must answer alike within the cool-down too (the code sent a moment ago
 * still works).
 */
export async function quietly(send: Promise<void>): Promise<void> {
  try {
    await send;
  } catch (error) {
    if (!(error instanceof RateLimited && error.code === 'code-cooldown')) throw error;
  }
}

/**
 * Makes a code for `target`, replacing any earlier one, and sends it by its channel. A second
 * request within the cool-down is refused with 429 and the seconds left.
 */
export async function sendCode(ctx: Ctx, target: CodeTarget): Promise<void> {
  const { purpose, channel, destination, userId } = target;
  await assertResendAllowed(ctx, purpose, destination);
  const code = sixDigitCode();
  await ctx.db
    .update(oneTimeCodes)
    .set({ consumedAt: sql`now()` })
    .where(
      and(
        eq(oneTimeCodes.purpose, purpose),
        eq(oneTimeCodes.destination, destination),
        isNull(oneTimeCodes.consumedAt),
      ),
    );
  await ctx.db.insert(oneTimeCodes).values({
    userId,
    purpose,
    channel,
    destination,
    codeHash: await hashFor(ctx, purpose, destination, code),
    expiresAt: new Date(Date.now() + CODE_TTL_MINUTES * 60_000),
  });
  const params = { code, expiresInMinutes: CODE_TTL_MINUTES };
  if (channel === 'email') {
    await sendMail(ctx, { to: destination, template: verificationCodeEmail, params });
  } else {
    await sendSms(ctx, { to: destination, template: verificationCodeSms, params });
  }
}

export const wrongCode = () =>
  new Invalid('invalid-code', 'The code is wrong, expired or already used.', {
    fields: [{ path: 'code', message: 'wrong, expired or already used' }],
  });

/**
 * Spends the live code for `purpose` and `destination` if `code` matches it, and answers the
 * user it was made for. Each try counts, in its own statement, so call it outside the
 * transaction of what the code unlocks: a failed try must stay counted when that rolls back.
 * After the last allowed try the code is dead even if right.
 */
export async function consumeCode(
  ctx: Ctx,
  target: { purpose: CodePurpose; destination: string; code: string },
): Promise<{ userId: string | null }> {
  const { purpose, destination, code } = target;
  const usable = and(
    isNull(oneTimeCodes.consumedAt),
    gt(oneTimeCodes.expiresAt, sql`now()`),
    lt(oneTimeCodes.attempts, CODE_MAX_ATTEMPTS),
  );
  // The conditions stand in the UPDATE itself, not only in the subquery that finds the code:
  // PostgreSQL re-checks the UPDATE's own conditions on the row it waited for, so tries racing
  // each other still stop at the limit.
  const [live] = await ctx.db
    .update(oneTimeCodes)
    .set({ attempts: sql`${oneTimeCodes.attempts} + 1` })
    .where(
      and(
        sql`${oneTimeCodes.id} = (
          select ${oneTimeCodes.id} from ${oneTimeCodes}
          where ${and(eq(oneTimeCodes.purpose, purpose), eq(oneTimeCodes.destination, destination), usable)}
          order by ${oneTimeCodes.createdAt} desc limit 1)`,
        usable,
      ),
    )
    .returning({
      id: oneTimeCodes.id,
      codeHash: oneTimeCodes.codeHash,
      userId: oneTimeCodes.userId,
    });
  if (!live || !sameHash(live.codeHash, await hashFor(ctx, purpose, destination, code))) {
    throw wrongCode();
  }
  const [spent] = await ctx.db
    .update(oneTimeCodes)
    .set({ consumedAt: sql`now()` })
    .where(and(eq(oneTimeCodes.id, live.id), isNull(oneTimeCodes.consumedAt)))
    .returning({ id: oneTimeCodes.id });
  if (!spent) throw wrongCode();
  return { userId: live.userId };
}

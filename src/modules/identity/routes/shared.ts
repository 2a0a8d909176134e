import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { AppEnv } from '../../../platform/http/context.ts';
import { clientIp, consumeLimit, policies } from '../../../platform/http/rate-limit.ts';
import { channelOf, type Identifier } from '../users.ts';

/**
 * Counts an attempt against the account it names. Sign-in attempts share one budget per
 * account whatever address they come from (guessing from many addresses stays bounded);
 * recovery, which only reaches the account's own address, has its own budget per account and
 * address, so nobody can spend the owner's.
 */
export async function limitAccount(
  c: Context<AppEnv>,
  identifier: Identifier,
  budget: 'sign-in' | 'recovery' = 'sign-in',
): Promise<void> {
  const { config } = c.get('ctx');
  const account = `account:${channelOf(identifier).destination}`;
  if (budget === 'sign-in') {
    await consumeLimit(c, policies.authAccount(config), account);
  } else {
    await consumeLimit(c, policies.authRecovery(config), `${account}:${clientIp(c, config)}`);
  }
}

export const IdParams = z.object({ id: z.uuid() });

/** Refines a PATCH body: at least one field must be given. */
export const atLeastOneField = (value: object) => Object.values(value).some((v) => v !== undefined);
export const nothingToChange = { message: 'give at least one field to change' };

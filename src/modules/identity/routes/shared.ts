import type { Context } from 'hono';
import type { AppEnv } from '../../../platform/http/context.ts';
import { consumeLimit, policies } from '../../../platform/http/rate-limit.ts';
import { channelOf, type Identifier } from '../users.ts';

/** Counts an attempt against the account it names, whatever address it comes from. */
export async function limitAccount(c: Context<AppEnv>, identifier: Identifier): Promise<void> {
  const policy = policies.authAccount(c.get('ctx').config);
  await consumeLimit(c, policy, `account:${channelOf(identifier).destination}`);
}

import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { AppEnv } from '../../../platform/http/context.ts';
import { consumeLimit, policies } from '../../../platform/http/rate-limit.ts';
import { channelOf, type Identifier } from '../users.ts';

/** Counts an attempt against the account it names, whatever address it comes from. */
export async function limitAccount(c: Context<AppEnv>, identifier: Identifier): Promise<void> {
  const policy = policies.authAccount(c.get('ctx').config);
  await consumeLimit(c, policy, `account:${channelOf(identifier).destination}`);
}

export const IdParams = z.object({ id: z.uuid() });

/** Refines a PATCH body: at least one field must be given. */
export const atLeastOneField = (value: object) => Object.values(value).some((v) => v !== undefined);
export const nothingToChange = { message: 'give at least one field to change' };

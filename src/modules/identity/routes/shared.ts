import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { requireUser } from '../../../platform/http/auth.ts';
import type { AppEnv } from '../../../platform/http/context.ts';
import { AUTHENTICATED } from '../../../platform/http/openapi.ts';
import { consumeLimit, policies } from '../../../platform/http/rate-limit.ts';
import { channelOf, type Identifier } from '../users.ts';

/** Counts an attempt against the account it names, whatever address it comes from. */
export async function limitAccount(c: Context<AppEnv>, identifier: Identifier): Promise<void> {
  const policy = policies.authAccount(c.get('ctx').config);
  await consumeLimit(c, policy, `account:${channelOf(identifier).destination}`);
}

/** For routes any signed-in user may call. */
export const signedIn = { security: AUTHENTICATED, middleware: requireUser() } as const;

export const IdParams = z.object({ id: z.uuid() });

/** Refines a PATCH body: at least one field must be given. */
export const atLeastOneField = (value: object) => Object.values(value).some((v) => v !== undefined);
export const nothingToChange = { message: 'give at least one field to change' };

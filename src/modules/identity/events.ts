import { z } from 'zod';
import { defineEvent } from '../../platform/events/events.ts';

export const userRegistered = defineEvent(
  'user.registered',
  z.object({ userId: z.uuid(), channel: z.enum(['email', 'sms', 'oauth', 'external']) }),
);

export const userVerified = defineEvent('user.verified', z.object({ userId: z.uuid() }));

export const userSuspended = defineEvent(
  'user.suspended',
  z.object({ userId: z.uuid(), reason: z.string(), by: z.uuid().nullable() }),
);

export const userRoleChanged = defineEvent(
  'user.role_changed',
  z.object({
    userId: z.uuid(),
    added: z.array(z.string()),
    removed: z.array(z.string()),
    by: z.uuid().nullable(),
  }),
);

import { z } from 'zod';
import { defineTemplate, html } from '../../platform/messaging/templates.ts';

const LockedParams = z.object({ minutes: z.number().int().positive() });

const lockedSentence = ({ minutes }: z.output<typeof LockedParams>) =>
  `Your Mercato account was locked for ${minutes} minutes after repeated failed sign-ins.`;

const ADVICE =
  'If this was not you, reset your password once the lock ends; if it was you, wait and try again.';

/** Tells the owner of an account that repeated failed logins locked it. */
export const accountLockedEmail = defineTemplate('account-locked.email', {
  params: LockedParams,
  subject: () => 'Your Mercato account was locked',
  text: (p) => `${lockedSentence(p)}\n\n${ADVICE}\n`,
  html: (p) => html`<p>${lockedSentence(p)}</p>
<p>${ADVICE}</p>`,
});

export const accountLockedSms = defineTemplate('account-locked.sms', {
  params: LockedParams,
  text: lockedSentence,
});

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

const ContactChangedParams = z.object({
  channel: z.enum(['email', 'phone']),
  current: z.string(),
  url: z.url(),
  days: z.number().int().positive(),
});

const changedSentence = ({ channel, current }: z.output<typeof ContactChangedParams>) =>
  `The ${channel} of your Mercato account was changed to ${current}, and its other devices were signed out.`;

const revertSentence = ({ url, days }: z.output<typeof ContactChangedParams>) =>
  `If this was not you, undo it within ${days} days: ${url}`;

/** Tells the address an account moved away from, with the link that moves it back. */
export const contactChangedEmail = defineTemplate('contact-changed.email', {
  params: ContactChangedParams,
  subject: (p) => `The ${p.channel} of your Mercato account was changed`,
  text: (p) => `${changedSentence(p)}\n\n${revertSentence(p)}\n`,
  html: (p) => html`<p>${changedSentence(p)}</p>
<p>If this was not you, <a href="${p.url}">undo it</a> within ${p.days} days.</p>`,
});

export const contactChangedSms = defineTemplate('contact-changed.sms', {
  params: ContactChangedParams,
  text: (p) => `${changedSentence(p)} ${revertSentence(p)}`,
});

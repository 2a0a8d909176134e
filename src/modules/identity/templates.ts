import { z } from 'zod';
import { defineTemplate, html } from '../../platform/messaging/templates.ts';

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

const SignUpTakenParams = z.object({ url: z.url() });

const takenSentence =
  'Someone tried to create a Mercato account with this address, which already has one.';
const takenAdvice = ({ url }: z.output<typeof SignUpTakenParams>) =>
  `If it was you, sign in, or reset your password (${url}). If not, you need do nothing.`;

/** Tells an address's owner that a sign-up with it was tried: the answer to it said nothing. */
export const signUpTakenEmail = defineTemplate('sign-up-taken.email', {
  params: SignUpTakenParams,
  subject: () => 'Someone tried to sign up with your address',
  text: (p) => `${takenSentence}\n\n${takenAdvice(p)}\n`,
  html: (p) => html`<p>${takenSentence}</p>
<p>${takenAdvice(p)}</p>`,
});

export const signUpTakenSms = defineTemplate('sign-up-taken.sms', {
  params: SignUpTakenParams,
  text: (p) => `${takenSentence} ${takenAdvice(p)}`,
});

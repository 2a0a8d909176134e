import type { z } from 'zod';
import type { Ctx } from '../core/context.ts';
import { type Jobs, requestJob } from '../jobs/index.ts';
import { assertEmail, type MailMessage, type MailSender } from './mail.ts';
import { assertE164, type SmsMessage, type SmsSender } from './sms.ts';
import { type MailTemplate, render, type Template } from './templates.ts';

export const MAIL_JOB = 'mail.send';
export const SMS_JOB = 'sms.send';
/** Tries in all: with the default backoff the last one comes about 15 s after the first. */
export const SEND_ATTEMPTS = 5;

/** Sends what `sendMail` and `sendSms` enqueue; call once in every process that runs jobs. */
export function registerMessagingJobs(
  jobs: Jobs,
  senders: { mail: MailSender; sms: SmsSender },
): void {
  jobs.register<MailMessage>(MAIL_JOB, async (message) => {
    await senders.mail.send(message);
  });
  jobs.register<SmsMessage>(SMS_JOB, async (message) => {
    await senders.sms.send(message);
  });
}

export interface TemplatedMail<S extends z.ZodType> {
  to: string;
  template: MailTemplate<S>;
  params: z.input<S>;
}

export interface TemplatedSms<S extends z.ZodType> {
  to: string;
  template: Template<S>;
  params: z.input<S>;
}

/**
 * Renders the mail now, so bad params or a bad address fail in the caller, and requests its
 * sending in the caller's transaction (requestJob): it goes if and only if the caller commits,
 * and a queue outage delays it without losing it. Resolves to the request's id.
 */
export async function sendMail<S extends z.ZodType>(
  ctx: Ctx,
  input: TemplatedMail<S> | MailMessage,
): Promise<string> {
  const message: MailMessage =
    'template' in input ? { to: input.to, ...render(input.template, input.params) } : input;
  assertEmail(message.to);
  return requestJob(ctx, MAIL_JOB, message, { attempts: SEND_ATTEMPTS });
}

/** Renders the SMS's text now and requests its sending, as sendMail does. */
export async function sendSms<S extends z.ZodType>(
  ctx: Ctx,
  input: TemplatedSms<S> | SmsMessage,
): Promise<string> {
  const message: SmsMessage =
    'template' in input
      ? { to: input.to, text: render(input.template, input.params).text }
      : { to: input.to, text: input.text };
  assertE164(message.to);
  return requestJob(ctx, SMS_JOB, message, { attempts: SEND_ATTEMPTS });
}

import type { Executor } from '../db/client.ts';
import { createDevOutboxMailer, createSmtpMailer, type MailSender } from './mail.ts';
import {
  AFRICASTALKING_LIVE_URL,
  AFRICASTALKING_SANDBOX_URL,
  createAfricasTalkingSms,
  createDevOutboxSms,
  type SmsSender,
} from './sms.ts';

export * from './jobs.ts';
export * from './mail.ts';
export * from './outbox.ts';
export * from './sms.ts';
export * from './tables.ts';
export * from './templates.ts';

export interface MessagingOptions {
  /** Where the dev outboxes write, when a channel has no provider configured. */
  db: Executor;
  smtpUrl?: string | undefined;
  /** The From of every mail: `Mercato <no-reply@example.com>`. */
  mailFrom: string;
  africasTalking?:
    | {
        username: string;
        apiKey: string;
        from?: string | undefined;
        /** By default the sandbox for the `sandbox` username, the live API otherwise. */
        baseUrl?: string | undefined;
      }
    | undefined;
}

export interface Messaging {
  readonly mail: MailSender;
  readonly sms: SmsSender;
}

/** SMTP and Africa's Talking when configured; each channel falls back to the dev outbox. */
export function createMessaging(options: MessagingOptions): Messaging {
  const { db, smtpUrl, mailFrom, africasTalking } = options;
  return {
    mail: smtpUrl ? createSmtpMailer({ url: smtpUrl, from: mailFrom }) : createDevOutboxMailer(db),
    sms: africasTalking
      ? createAfricasTalkingSms({
          ...africasTalking,
          baseUrl:
            africasTalking.baseUrl ??
            (africasTalking.username === 'sandbox'
              ? AFRICASTALKING_SANDBOX_URL
              : AFRICASTALKING_LIVE_URL),
        })
      : createDevOutboxSms(db),
  };
}

import { createTransport } from 'nodemailer';
import { z } from 'zod';
import { Invalid } from '../core/errors.ts';
import type { Executor } from '../db/client.ts';
import { storeInDevOutbox } from './outbox.ts';

export interface MailMessage {
  /** One bare address: `ada@example.com`. */
  to: string;
  subject: string;
  text: string;
  html?: string | undefined;
}

export interface MailSender {
  /** Resolves once the message is handed over; `id` is the transport's id for it. */
  send(message: MailMessage): Promise<{ id: string }>;
}

const Email = z.email();

export function assertEmail(to: string): void {
  if (!Email.safeParse(to).success) {
    throw new Invalid('invalid-email', 'The recipient is not an email address.');
  }
}

/**
 * nodemailer's defaults wait up to 2 minutes to connect and 10 minutes on a silent socket: a
 * stuck server would hold a job slot that long. The URL's own query parameters still win.
 */
const SMTP_TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 };

/** Sends through the SMTP server at `url`, e.g. `smtp://user:pass@host:587` or `smtps://…:465`. */
export function createSmtpMailer(options: { url: string; from: string }): MailSender {
  const transport = createTransport({ ...SMTP_TIMEOUTS, url: options.url }, { from: options.from });
  return {
    async send(message) {
      assertEmail(message.to);
      const info = await transport.sendMail({
        to: message.to,
        subject: message.subject,
        text: message.text,
        ...(message.html === undefined ? {} : { html: message.html }),
      });
      return { id: info.messageId };
    },
  };
}

/** Keeps the message in `dev_outbox` instead of sending it. */
export function createDevOutboxMailer(db: Executor): MailSender {
  return {
    async send(message) {
      assertEmail(message.to);
      return storeInDevOutbox(db, {
        channel: 'email',
        recipient: message.to,
        subject: message.subject,
        body: message.text,
        html: message.html ?? null,
      });
    },
  };
}

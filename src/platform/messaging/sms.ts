import { z } from 'zod';
import { Invalid } from '../core/errors.ts';
import type { Executor } from '../db/client.ts';
import { storeInDevOutbox } from './outbox.ts';

export interface SmsMessage {
  /** E.164: `+251911234567`. */
  to: string;
  text: string;
}

export interface SmsSender {
  /** Resolves once the provider has accepted the message; `id` is the provider's id for it. */
  send(message: SmsMessage): Promise<{ id: string }>;
}

const E164 = /^\+[1-9]\d{6,14}$/;

export function assertE164(to: string): void {
  if (!E164.test(to)) {
    throw new Invalid(
      'invalid-phone-number',
      'The phone number is not in E.164 form: + then the country code and number, e.g. +251911234567.',
    );
  }
}

export const AFRICASTALKING_LIVE_URL = 'https://api.africastalking.com';
export const AFRICASTALKING_SANDBOX_URL = 'https://api.sandbox.africastalking.com';

/** A hung provider must not hold a job slot; the job retries instead. */
const REQUEST_TIMEOUT_MS = 15_000;

const SendResponse = z.object({
  SMSMessageData: z.object({
    Message: z.string().optional(),
    Recipients: z.array(
      z.object({
        status: z.string(),
        statusCode: z.number().optional(),
        messageId: z.string(),
      }),
    ),
  }),
});

export interface AfricasTalkingOptions {
  username: string;
  apiKey: string;
  /** A registered sender id or short code; the account's default when absent. */
  from?: string | undefined;
  /** `AFRICASTALKING_LIVE_URL`, or `AFRICASTALKING_SANDBOX_URL` for the `sandbox` account. */
  baseUrl: string;
}

/** Sends through Africa's Talking's bulk SMS API, one recipient per request. */
export function createAfricasTalkingSms(options: AfricasTalkingOptions): SmsSender {
  const endpoint = `${options.baseUrl.replace(/\/+$/, '')}/version1/messaging`;
  return {
    async send({ to, text }) {
      assertE164(to);
      const form = new URLSearchParams({ username: options.username, to, message: text });
      if (options.from) form.set('from', options.from);
      const res = await fetch(endpoint, {
        method: 'POST',
        headers: {
          apiKey: options.apiKey,
          Accept: 'application/json',
          'Content-Type': 'application/x-www-form-urlencoded',
        },
        body: form,
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      const body = await res.text();
      if (!res.ok) {
        throw new Error(`Africa's Talking answered HTTP ${res.status}: ${body.slice(0, 200)}`);
      }
      // Errors end up in the logs, so they leave out phone numbers: the number sent to, and
      // this body, which lists the recipients.
      let data: z.infer<typeof SendResponse>;
      try {
        data = SendResponse.parse(JSON.parse(body));
      } catch (err) {
        throw new Error("Africa's Talking answered with a body not in its documented form", {
          cause: err,
        });
      }
      const { Message, Recipients } = data.SMSMessageData;
      const [recipient] = Recipients;
      if (!recipient) throw new Error(`Africa's Talking accepted no recipient: ${Message ?? ''}`);
      if (recipient.status !== 'Success') {
        throw new Error(
          `Africa's Talking refused the SMS: ${recipient.status} (status code ${recipient.statusCode ?? 'none'})`,
        );
      }
      return { id: recipient.messageId };
    },
  };
}

/** Keeps the message in `dev_outbox` instead of sending it. */
export function createDevOutboxSms(db: Executor): SmsSender {
  return {
    async send({ to, text }) {
      assertE164(to);
      return storeInDevOutbox(db, { channel: 'sms', recipient: to, body: text });
    },
  };
}

import { expect } from 'vitest';
import type { TestApp } from './harness.ts';

export interface OutboxMessage {
  channel: 'email' | 'sms';
  recipient: string;
  subject: string | null;
  text: string;
}

/** The messages sent to `recipient`, newest first, read through the dev outbox API. */
export async function outbox(t: TestApp, recipient: string): Promise<OutboxMessage[]> {
  const res = await t.request(`/api/v1/dev/outbox?recipient=${encodeURIComponent(recipient)}`);
  expect(res.status).toBe(200);
  return (await res.json()).items;
}

/**
 * The newest message to `recipient`, once it has received `count` (jobs send them in the
 * background; the worker must be started).
 */
export async function messageTo(t: TestApp, recipient: string, count = 1): Promise<OutboxMessage> {
  await expect
    .poll(async () => (await outbox(t, recipient)).length, { timeout: 10_000 })
    .toBe(count);
  const [newest] = await outbox(t, recipient);
  if (!newest) throw new Error(`no message to ${recipient}`);
  return newest;
}

/** The six-digit code in the newest of `count` messages to `recipient`. */
export async function codeSentTo(t: TestApp, recipient: string, count = 1): Promise<string> {
  const { text } = await messageTo(t, recipient, count);
  const code = text.match(/\b(\d{6})\b/)?.[1];
  if (!code) throw new Error(`no code in the message to ${recipient}: ${text}`);
  return code;
}

import { setTimeout as sleep } from 'node:timers/promises';
import { eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp } from '../../../test/harness.ts';
import type { Ctx } from '../core/context.ts';
import { withTransaction } from '../db/transaction.ts';
import { EventBus } from '../events/events.ts';
import { outboxEvents } from '../events/tables.ts';
import { createJobs, enqueueRequestedJobs, type Jobs } from '../jobs/index.ts';
import { createLogger } from '../logger.ts';
import {
  type FakeAfricasTalking,
  startFakeAfricasTalking,
  startSmtpServer,
  type TestSmtpServer,
} from './fakes.test-support.ts';
import {
  MAIL_JOB,
  registerMessagingJobs,
  SEND_ATTEMPTS,
  SMS_JOB,
  sendMail,
  sendSms,
  type TemplatedMail,
} from './jobs.ts';
import { createSmtpMailer, type MailSender } from './mail.ts';
import { createAfricasTalkingSms } from './sms.ts';
import { verificationCodeEmail, verificationCodeSms } from './templates.ts';

const log = createLogger({ level: 'silent', pretty: false });
const API_KEY = 'atsk_jobs';

/** The outbox that sendMail and sendSms write to, in a database of the test's own. */
const t = await createTestApp();
afterAll(() => t.close());

let jobs: Jobs;
let smtp: TestSmtpServer | undefined;
let at: FakeAfricasTalking;
beforeEach(async () => {
  jobs = createJobs({ prefix: 'test:', log, backoffBaseMs: 20 });
  at = await startFakeAfricasTalking({ apiKey: API_KEY });
  await t.database.db.delete(outboxEvents);
});

/**
 * Runs `send` with a context whose jobs are `queue`, then relays what it requested onto the
 * queue, as the relay would a moment later.
 */
async function sent(send: (ctx: Ctx) => Promise<unknown>, queue: Jobs = jobs): Promise<void> {
  const ctx = { ...t.ctx(), jobs: queue };
  await send(ctx);
  const bus = new EventBus();
  enqueueRequestedJobs(bus);
  await bus.relayOnce(ctx);
}

const requested = () =>
  t.database.db.select().from(outboxEvents).where(eq(outboxEvents.name, 'job.requested'));
afterEach(async () => {
  await jobs.close();
  await smtp?.close();
  smtp = undefined;
  await at.close();
});

/** For tests of the other channel: a mail reaching it is a failure. */
const noMail: MailSender = { send: () => Promise.reject(new Error('no mail expected')) };

const atSms = () =>
  createAfricasTalkingSms({ username: 'mercato', apiKey: API_KEY, baseUrl: at.baseUrl });

async function until(check: () => boolean, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await sleep(10);
  }
}

describe('messaging jobs', () => {
  it('delivers an enqueued templated mail over SMTP', async () => {
    smtp = await startSmtpServer();
    registerMessagingJobs(jobs, {
      mail: createSmtpMailer({ url: smtp.url, from: 'no-reply@mercato.test' }),
      sms: atSms(),
    });
    await jobs.start();
    await sent((ctx) =>
      sendMail(ctx, {
        to: 'ada@example.com',
        template: verificationCodeEmail,
        params: { code: '123456', expiresInMinutes: 10 },
      }),
    );
    const server = smtp;
    await until(() => server.received.length === 1);
    const [mail] = server.received;
    expect(mail?.rcptTo).toEqual(['ada@example.com']);
    expect(mail?.headers.get('subject')).toBe('Your Mercato code is 123456');
    expect(mail?.text).toContain('Your Mercato code is 123456. It expires in 10 minutes.');
    expect(mail?.html).toContain('<strong>123456</strong>');
  });

  it('retries a mail the server refused for the moment, and delivers it once', async () => {
    smtp = await startSmtpServer({ rejectWith: [451] });
    registerMessagingJobs(jobs, {
      mail: createSmtpMailer({ url: smtp.url, from: 'no-reply@mercato.test' }),
      sms: atSms(),
    });
    await jobs.start();
    await sent((ctx) =>
      sendMail(ctx, { to: 'ada@example.com', subject: 'Hello', text: 'Hi there' }),
    );
    const server = smtp;
    await until(() => server.received.length === 1);
    expect(server.offered).toBe(2);
    expect(server.received[0]?.text).toBe('Hi there');
    await sleep(100);
    expect(server.received).toHaveLength(1);
  });

  it(`tries ${SEND_ATTEMPTS} times in all, then gives up`, async () => {
    let calls = 0;
    const failing: MailSender = {
      async send() {
        calls++;
        throw new Error('SMTP down');
      },
    };
    registerMessagingJobs(jobs, { mail: failing, sms: atSms() });
    await jobs.start();
    await sent((ctx) => sendMail(ctx, { to: 'ada@example.com', subject: 'S', text: 'T' }));
    // Backoffs of 20, 40, 80 and 160 ms: all five tries are done well within a second.
    await until(() => calls === SEND_ATTEMPTS);
    await sleep(400);
    expect(calls).toBe(SEND_ATTEMPTS);
  });

  it('delivers an enqueued templated SMS through Africa’s Talking', async () => {
    registerMessagingJobs(jobs, { mail: noMail, sms: atSms() });
    await jobs.start();
    await sent((ctx) =>
      sendSms(ctx, {
        to: '+251911234567',
        template: verificationCodeSms,
        params: { code: '654321', expiresInMinutes: 5 },
      }),
    );
    await until(() => at.requests.length === 1);
    expect(Object.fromEntries(at.requests[0]?.form ?? [])).toMatchObject({
      to: '+251911234567',
      message: 'Your Mercato code is 654321. It expires in 5 minutes.',
    });
  });

  it('refuses bad input in the caller, requesting nothing', async () => {
    const ctx = { ...t.ctx(), jobs };
    await expect(sendSms(ctx, { to: '0911234567', text: 'Hi' })).rejects.toMatchObject({
      code: 'invalid-phone-number',
    });
    await expect(
      sendSms(ctx, {
        to: '+251911234567',
        template: verificationCodeSms,
        params: { code: 'abc', expiresInMinutes: 5 },
      }),
    ).rejects.toThrow(/verification-code\.sms/);
    await expect(
      sendMail(ctx, { to: 'not-an-address', subject: 'S', text: 'T' }),
    ).rejects.toMatchObject({ code: 'invalid-email' });
    expect(await requested()).toEqual([]);
  });

  it('requests nothing when the caller’s transaction rolls back', async () => {
    await expect(
      withTransaction({ ...t.ctx(), jobs }, async (tx) => {
        await sendMail(tx, { to: 'ada@example.com', subject: 'S', text: 'T' });
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    expect(await requested()).toEqual([]);
  });

  it('enqueues the rendered message once relayed, with retries, once per request', async () => {
    const calls: [string, unknown, unknown][] = [];
    const spy: Jobs = {
      ...jobs,
      enqueue: async (name, data, options) => String(calls.push([name, data, options])),
    };
    await sent(async (ctx) => {
      await sendMail(ctx, {
        to: 'ada@example.com',
        template: verificationCodeEmail,
        params: { code: '123456', expiresInMinutes: 10 },
      });
      await sendSms(ctx, { to: '+251911234567', text: 'Hi' });
    }, spy);
    const once = { attempts: SEND_ATTEMPTS, jobId: expect.stringMatching(/^requested-/) };
    // Separate requests, each its own aggregate: relayed in no particular order.
    expect(calls).toHaveLength(2);
    expect(calls).toContainEqual([
      MAIL_JOB,
      expect.objectContaining({ to: 'ada@example.com', subject: 'Your Mercato code is 123456' }),
      once,
    ]);
    expect(calls).toContainEqual([SMS_JOB, { to: '+251911234567', text: 'Hi' }, once]);
  });

  it('accepts for mail only templates that have a subject', () => {
    const input: TemplatedMail<typeof verificationCodeSms.params> = {
      to: 'ada@example.com',
      // @ts-expect-error: an SMS template has no subject, so it cannot be mailed
      template: verificationCodeSms,
      params: { code: '123456', expiresInMinutes: 10 },
    };
    expect(input.template).not.toHaveProperty('subject');
  });
});

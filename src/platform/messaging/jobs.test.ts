import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createJobs, type Jobs } from '../jobs/index.ts';
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

let jobs: Jobs;
let smtp: TestSmtpServer | undefined;
let at: FakeAfricasTalking;
beforeEach(async () => {
  jobs = createJobs({ prefix: 'test:', log, backoffBaseMs: 20 });
  at = await startFakeAfricasTalking({ apiKey: API_KEY });
});
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
    await sendMail(
      { jobs },
      {
        to: 'ada@example.com',
        template: verificationCodeEmail,
        params: { code: '123456', expiresInMinutes: 10 },
      },
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
    await sendMail({ jobs }, { to: 'ada@example.com', subject: 'Hello', text: 'Hi there' });
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
    await sendMail({ jobs }, { to: 'ada@example.com', subject: 'S', text: 'T' });
    // Backoffs of 20, 40, 80 and 160 ms: all five tries are done well within a second.
    await until(() => calls === SEND_ATTEMPTS);
    await sleep(400);
    expect(calls).toBe(SEND_ATTEMPTS);
  });

  it('delivers an enqueued templated SMS through Africa’s Talking', async () => {
    registerMessagingJobs(jobs, { mail: noMail, sms: atSms() });
    await jobs.start();
    await sendSms(
      { jobs },
      {
        to: '+251911234567',
        template: verificationCodeSms,
        params: { code: '654321', expiresInMinutes: 5 },
      },
    );
    await until(() => at.requests.length === 1);
    expect(Object.fromEntries(at.requests[0]?.form ?? [])).toMatchObject({
      to: '+251911234567',
      message: 'Your Mercato code is 654321. It expires in 5 minutes.',
    });
  });

  it('refuses bad input in the caller, enqueueing nothing', async () => {
    const enqueued: string[] = [];
    const spy: Jobs = { ...jobs, enqueue: async (name) => String(enqueued.push(name)) };
    await expect(sendSms({ jobs: spy }, { to: '0911234567', text: 'Hi' })).rejects.toMatchObject({
      code: 'invalid-phone-number',
    });
    await expect(
      sendSms(
        { jobs: spy },
        {
          to: '+251911234567',
          template: verificationCodeSms,
          params: { code: 'abc', expiresInMinutes: 5 },
        },
      ),
    ).rejects.toThrow(/verification-code\.sms/);
    await expect(
      sendMail({ jobs: spy }, { to: 'not-an-address', subject: 'S', text: 'T' }),
    ).rejects.toMatchObject({ code: 'invalid-email' });
    expect(enqueued).toEqual([]);
  });

  it('enqueues the rendered message, with retries', async () => {
    const calls: [string, unknown, unknown][] = [];
    const spy: Jobs = {
      ...jobs,
      enqueue: async (name, data, options) => String(calls.push([name, data, options])),
    };
    await sendMail(
      { jobs: spy },
      {
        to: 'ada@example.com',
        template: verificationCodeEmail,
        params: { code: '123456', expiresInMinutes: 10 },
      },
    );
    await sendSms({ jobs: spy }, { to: '+251911234567', text: 'Hi' });
    expect(calls).toEqual([
      [
        MAIL_JOB,
        expect.objectContaining({ to: 'ada@example.com', subject: 'Your Mercato code is 123456' }),
        { attempts: SEND_ATTEMPTS },
      ],
      [SMS_JOB, { to: '+251911234567', text: 'Hi' }, { attempts: SEND_ATTEMPTS }],
    ]);
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

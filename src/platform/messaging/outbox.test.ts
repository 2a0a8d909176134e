import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp } from '../../../test/harness.ts';
import type { Ctx } from '../core/context.ts';
import {
  type FakeAfricasTalking,
  startFakeAfricasTalking,
  startSmtpServer,
  type TestSmtpServer,
} from './fakes.test-support.ts';
import { createMessaging } from './index.ts';
import { createDevOutboxMailer } from './mail.ts';
import { DevOutboxPage, listDevOutbox, toDevOutboxMessage } from './outbox.ts';
import { createDevOutboxSms } from './sms.ts';
import { devOutbox } from './tables.ts';

const t = await createTestApp();
let ctx: Ctx;

afterAll(() => t.close());
beforeEach(async () => {
  ctx = t.ctx();
  await ctx.db.delete(devOutbox);
});

describe('dev outbox senders', () => {
  it('stores a mail instead of sending it', async () => {
    const { id } = await createDevOutboxMailer(ctx.db).send({
      to: 'ada@example.com',
      subject: 'Your Mercato code is 123456',
      text: 'Your Mercato code is 123456. It expires in 10 minutes.',
      html: '<p>123456</p>',
    });
    expect(await ctx.db.select().from(devOutbox)).toEqual([
      {
        id,
        channel: 'email',
        recipient: 'ada@example.com',
        subject: 'Your Mercato code is 123456',
        body: 'Your Mercato code is 123456. It expires in 10 minutes.',
        html: '<p>123456</p>',
        createdAt: expect.any(Date),
      },
    ]);
  });

  it('stores an SMS instead of sending it', async () => {
    const { id } = await createDevOutboxSms(ctx.db).send({ to: '+251911234567', text: 'Hi' });
    expect(await ctx.db.select().from(devOutbox)).toEqual([
      {
        id,
        channel: 'sms',
        recipient: '+251911234567',
        subject: null,
        body: 'Hi',
        html: null,
        createdAt: expect.any(Date),
      },
    ]);
  });

  it('refuses a bad recipient and stores nothing', async () => {
    await expect(createDevOutboxSms(ctx.db).send({ to: '0911234567', text: 'Hi' })).rejects.toThrow(
      /E\.164/,
    );
    await expect(
      createDevOutboxMailer(ctx.db).send({ to: 'ada', subject: 'Hi', text: 'Hi' }),
    ).rejects.toMatchObject({ code: 'invalid-email' });
    expect(await ctx.db.select().from(devOutbox)).toEqual([]);
  });
});

describe('listDevOutbox', () => {
  it('pages newest first, optionally for one recipient', async () => {
    const mailer = createDevOutboxMailer(ctx.db);
    const sms = createDevOutboxSms(ctx.db);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push((await mailer.send({ to: 'ada@example.com', subject: `#${i}`, text: `${i}` })).id);
      await sms.send({ to: '+251911234567', text: `${i}` });
    }
    const newestFirst = [...ids].reverse();

    const first = await listDevOutbox(ctx, { recipient: 'ada@example.com', page: { limit: 2 } });
    expect(first.items.map((m) => m.id)).toEqual(newestFirst.slice(0, 2));
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = await listDevOutbox(ctx, {
      recipient: 'ada@example.com',
      page: { limit: 2, cursor: first.nextCursor ?? '' },
    });
    expect(second.items.map((m) => m.id)).toEqual(newestFirst.slice(2, 4));
    const last = await listDevOutbox(ctx, {
      recipient: 'ada@example.com',
      page: { limit: 2, cursor: second.nextCursor ?? '' },
    });
    expect(last.items.map((m) => m.id)).toEqual(newestFirst.slice(4));
    expect(last.nextCursor).toBeNull();

    const all = await listDevOutbox(ctx, { page: { limit: 100 } });
    expect(all.items).toHaveLength(10);
    expect(all.items[0]?.channel).toBe('sms');
    expect(new Set(all.items.map((m) => m.recipient))).toEqual(
      new Set(['ada@example.com', '+251911234567']),
    );
    const none = await listDevOutbox(ctx, { recipient: 'bob@example.com', page: { limit: 20 } });
    expect(none).toEqual({ items: [], nextCursor: null });
  });

  it('refuses a cursor it did not issue', async () => {
    await expect(
      listDevOutbox(ctx, { page: { limit: 2, cursor: 'e30.AAAA' } }),
    ).rejects.toMatchObject({ kind: 'bad-input', code: 'invalid-cursor' });
  });

  it('maps rows to the response contract', async () => {
    await createDevOutboxMailer(ctx.db).send({ to: 'ada@example.com', subject: 'S', text: 'T' });
    const page = await listDevOutbox(ctx, { page: { limit: 20 } });
    const body = { items: page.items.map(toDevOutboxMessage), nextCursor: page.nextCursor };
    expect(DevOutboxPage.parse(body)).toEqual(body);
    expect(body.items[0]).toMatchObject({ channel: 'email', subject: 'S', text: 'T', html: null });
  });
});

describe('createMessaging', () => {
  it('falls back to the dev outbox for a channel with no provider', async () => {
    const messaging = createMessaging({ db: ctx.db, mailFrom: 'no-reply@mercato.test' });
    await messaging.mail.send({ to: 'ada@example.com', subject: 'S', text: 'T' });
    await messaging.sms.send({ to: '+251911234567', text: 'T' });
    const rows = await ctx.db.select().from(devOutbox);
    expect(rows.map((r) => r.channel).sort()).toEqual(['email', 'sms']);
  });

  describe('with providers configured', () => {
    let smtp: TestSmtpServer;
    let at: FakeAfricasTalking;
    beforeAll(async () => {
      smtp = await startSmtpServer();
      at = await startFakeAfricasTalking({ apiKey: 'key' });
    });
    afterAll(async () => {
      await smtp.close();
      await at.close();
    });

    it('sends mail over SMTP and SMS through Africa’s Talking, storing nothing', async () => {
      const messaging = createMessaging({
        db: ctx.db,
        smtpUrl: smtp.url,
        mailFrom: 'Mercato <no-reply@mercato.test>',
        africasTalking: { username: 'mercato', apiKey: 'key', baseUrl: at.baseUrl },
      });
      await messaging.mail.send({ to: 'ada@example.com', subject: 'S', text: 'T' });
      await messaging.sms.send({ to: '+251911234567', text: 'T' });
      expect(smtp.received.map((m) => m.headers.get('from'))).toEqual([
        'Mercato <no-reply@mercato.test>',
      ]);
      expect(at.requests.map((r) => r.form.get('to'))).toEqual(['+251911234567']);
      expect(await ctx.db.select().from(devOutbox)).toEqual([]);
    });
  });
});

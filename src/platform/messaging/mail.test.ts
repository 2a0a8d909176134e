import { afterEach, describe, expect, it } from 'vitest';
import { startSmtpServer, type TestSmtpServer } from './fakes.test-support.ts';
import { createSmtpMailer } from './mail.ts';

let smtp: TestSmtpServer | undefined;
afterEach(async () => {
  await smtp?.close();
  smtp = undefined;
});

const FROM = 'Mercato <no-reply@mercato.test>';

describe('createSmtpMailer', () => {
  it('delivers the message over SMTP: envelope, headers, text and HTML', async () => {
    smtp = await startSmtpServer();
    const mailer = createSmtpMailer({ url: smtp.url, from: FROM });
    const { id } = await mailer.send({
      to: 'ada@example.com',
      subject: 'Your Mercato code is 123456',
      text: 'Your Mercato code is 123456. It expires in 10 minutes.',
      html: '<p>Your code is <strong>123456</strong>.</p>',
    });
    expect(smtp.received).toHaveLength(1);
    const [mail] = smtp.received;
    expect(mail?.mailFrom).toBe('no-reply@mercato.test');
    expect(mail?.rcptTo).toEqual(['ada@example.com']);
    expect(mail?.headers.get('from')).toBe(FROM);
    expect(mail?.headers.get('to')).toBe('ada@example.com');
    expect(mail?.headers.get('subject')).toBe('Your Mercato code is 123456');
    expect(mail?.headers.get('message-id')).toBe(id);
    expect(mail?.text).toBe('Your Mercato code is 123456. It expires in 10 minutes.');
    expect(mail?.html).toBe('<p>Your code is <strong>123456</strong>.</p>');
  });

  it('sends text alone when there is no HTML', async () => {
    smtp = await startSmtpServer();
    await createSmtpMailer({ url: smtp.url, from: FROM }).send({
      to: 'ada@example.com',
      subject: 'Plain',
      text: 'Just text.',
    });
    expect(smtp.received[0]?.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(smtp.received[0]?.text).toBe('Just text.');
    expect(smtp.received[0]?.html).toBeUndefined();
  });

  it('authenticates with the credentials in the URL', async () => {
    smtp = await startSmtpServer({ users: { mailer: 's3cret/+' } });
    const url = smtp.url.replace('smtp://', `smtp://mailer:${encodeURIComponent('s3cret/+')}@`);
    await createSmtpMailer({ url, from: FROM }).send({
      to: 'ada@example.com',
      subject: 'Hi',
      text: 'Hi',
    });
    expect(smtp.received[0]?.user).toBe('mailer');

    const wrong = smtp.url.replace('smtp://', 'smtp://mailer:wrong@');
    await expect(
      createSmtpMailer({ url: wrong, from: FROM }).send({
        to: 'ada@example.com',
        subject: 'Hi',
        text: 'Hi',
      }),
    ).rejects.toThrow(/Invalid login/);
    expect(smtp.received).toHaveLength(1);
  });

  it('rejects when the server refuses the message', async () => {
    smtp = await startSmtpServer({ rejectWith: [451] });
    const mailer = createSmtpMailer({ url: smtp.url, from: FROM });
    await expect(
      mailer.send({ to: 'ada@example.com', subject: 'Hi', text: 'Hi' }),
    ).rejects.toMatchObject({ responseCode: 451 });
    expect(smtp.received).toEqual([]);
  });

  it('refuses a recipient that is not an email address, sending nothing', async () => {
    smtp = await startSmtpServer();
    const mailer = createSmtpMailer({ url: smtp.url, from: FROM });
    for (const to of ['not-an-address', 'Ada <ada@example.com>', 'a@example.com, b@example.com']) {
      await expect(mailer.send({ to, subject: 'Hi', text: 'Hi' })).rejects.toMatchObject({
        code: 'invalid-email',
      });
    }
    expect(smtp.offered).toBe(0);
  });
});

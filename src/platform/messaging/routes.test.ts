import { afterAll, describe, expect, it } from 'vitest';
import { createTestApp, problemOf } from '../../../test/harness.ts';
import { startWorker } from '../services.ts';
import { sendMail, sendSms } from './jobs.ts';
import { verificationCodeEmail, verificationCodeSms } from './templates.ts';

const t = await createTestApp();
afterAll(() => t.close());

describe('GET /api/v1/dev/outbox', () => {
  it('shows the codes a local sign-up sends, once the jobs have run', async () => {
    const ctx = t.ctx();
    await startWorker(t.services, ctx);
    await sendMail(ctx, {
      to: 'abebe@example.com',
      template: verificationCodeEmail,
      params: { code: '482913', expiresInMinutes: 10 },
    });
    await sendSms(ctx, {
      to: '+251911234567',
      template: verificationCodeSms,
      params: { code: '771204', expiresInMinutes: 10 },
    });

    const read = async (recipient: string) => {
      const res = await t.request(`/api/v1/dev/outbox?recipient=${encodeURIComponent(recipient)}`);
      expect(res.status).toBe(200);
      return (await res.json()).items as {
        channel: string;
        subject: string | null;
        text: string;
      }[];
    };
    await expect.poll(() => read('abebe@example.com'), { timeout: 10_000 }).toHaveLength(1);
    const [mail] = await read('abebe@example.com');
    expect(mail).toMatchObject({ channel: 'email', subject: 'Your Mercato code is 482913' });
    expect(mail?.text).toContain('482913');
    await expect
      .poll(() => read('+251911234567'), { timeout: 10_000 })
      .toEqual([
        expect.objectContaining({ channel: 'sms', text: expect.stringContaining('771204') }),
      ]);
  });

  it('validates its query', async () => {
    const res = await t.request('/api/v1/dev/outbox?limit=500');
    expect(res.status).toBe(400);
    expect((await problemOf(res)).errors?.[0]?.path).toBe('query.limit');
  });

  it('does not exist in production', async () => {
    const production = await createTestApp({
      env: {
        NODE_ENV: 'production',
        JWT_SECRET: 'a-production-secret-of-at-least-32-bytes',
        DATABASE_URL: 'postgres://unused.example/mercato',
        LOG_LEVEL: 'silent',
      },
    });
    try {
      const res = await production.request('/api/v1/dev/outbox');
      expect(res.status).toBe(404);
      expect((await problemOf(res)).code).toBe('route-not-found');
    } finally {
      await production.close();
    }
  });
});

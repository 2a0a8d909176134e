import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, signedInUser, TEST_PASSWORD } from '../../../test/factories.ts';
import { createTestApp, expectProblem, ok, type TestApp } from '../../../test/harness.ts';
import { codeSentTo } from '../../../test/outbox.ts';
import { startWorker } from '../../platform/services.ts';
import { CODE_MAX_ATTEMPTS } from './codes.ts';
import { oneTimeCodes, signInFailures } from './tables.ts';
import { FREE_FAILURES, MAX_WAIT_SECONDS, waitAfter } from './throttle.ts';
import { codeHash } from './tokens.ts';

/**
 * Nobody can lock anyone out, nor learn who has an account: wrong passwords slow the address
 * they come from, for any email alike, and never the owner elsewhere; recovery has a budget of
 * its own.
 */

const t = await createTestApp({
  env: { AUTH_RATE_LIMIT_PER_MINUTE: '1000', TRUST_PROXY_HOPS: '1' },
});
afterAll(() => t.close());

const db = t.database.db;
let serial = 0;
const newEmail = () => `lockout-${Date.now()}-${++serial}@example.com`;

const login = (app: TestApp, email: string, password: string, ip: string) =>
  app.json('POST', '/api/v1/auth/login', { email, password }, { 'X-Forwarded-For': ip });

/** Lets the wait before the next try from `ip` run out. */
async function waitOut(email: string, ip: string) {
  await db
    .update(signInFailures)
    .set({ retryAt: new Date(Date.now() - 1) })
    .where(and(eq(signInFailures.account, email), eq(signInFailures.client, ip)));
}

/** What a client can compare between two answers. */
async function shape(res: Response) {
  const body = res.status === 204 ? null : await res.json();
  return { status: res.status, code: body?.code, retryAfter: res.headers.get('retry-after') };
}

describe('wrong passwords', () => {
  it(`cost nothing ${FREE_FAILURES} times, then double the wait from that address`, async () => {
    expect([4, 5, 6, 7].map(waitAfter)).toEqual([0, 1, 2, 4]);
    expect(waitAfter(40)).toBe(MAX_WAIT_SECONDS);
    const { email } = await createUser(t);
    const ip = '203.0.113.10';
    for (let i = 0; i < FREE_FAILURES; i++) {
      await expectProblem(
        await login(t, email ?? '', 'wrong password', ip),
        401,
        'invalid-credentials',
      );
    }
    const waiting = await login(t, email ?? '', TEST_PASSWORD, ip);
    await expectProblem(waiting, 429, 'too-many-attempts');
    expect(waiting.headers.get('retry-after')).toBe('1');
    await waitOut(email ?? '', ip);
    await expectProblem(await login(t, email ?? '', 'wrong again', ip), 401, 'invalid-credentials');
    const longer = await login(t, email ?? '', TEST_PASSWORD, ip);
    expect(longer.headers.get('retry-after')).toBe('2');
  });

  it('answer an unknown email exactly as a known one', async () => {
    const { email } = await createUser(t);
    const [known, unknown] = [email ?? '', newEmail()];
    for (let i = 0; i <= FREE_FAILURES; i++) {
      const answers = await Promise.all(
        [known, unknown].map(async (who) =>
          shape(await login(t, who, 'wrong password', '203.0.113.11')),
        ),
      );
      expect(answers[0]).toEqual(answers[1]);
    }
  });

  it('never slow the owner on another address, and a right password starts the count again', async () => {
    const { email } = await createUser(t);
    for (let i = 0; i <= FREE_FAILURES; i++) await login(t, email ?? '', 'guess', '203.0.113.12');
    expect((await login(t, email ?? '', TEST_PASSWORD, '198.51.100.12')).status).toBe(200);
    for (let i = 0; i < FREE_FAILURES - 1; i++)
      await login(t, email ?? '', 'typo', '198.51.100.12');
    expect((await login(t, email ?? '', TEST_PASSWORD, '198.51.100.12')).status).toBe(200);
    const rows = await db
      .select()
      .from(signInFailures)
      .where(
        and(eq(signInFailures.account, email ?? ''), eq(signInFailures.client, '198.51.100.12')),
      );
    expect(rows).toEqual([]);
  });
});

describe('the password, while signed in', () => {
  it('cannot be guessed through password change: tries are limited per user', async () => {
    const limited = await createTestApp({ env: { AUTH_RATE_LIMIT_PER_MINUTE: '3' } });
    try {
      const { headers } = await signedInUser(limited);
      const change = () =>
        limited.json(
          'POST',
          '/api/v1/auth/password/change',
          { currentPassword: 'a guess at it', newPassword: 'another long passphrase' },
          headers,
        );
      for (let i = 0; i < 3; i++) await expectProblem(await change(), 422, 'invalid-password');
      await expectProblem(await change(), 429, 'too-many-requests');
    } finally {
      await limited.close();
    }
  });

  it.each(['password1234', 'Password1234', 'iloveyou123'])(
    'is refused when it is among the breached ones, like %s',
    async (password) => {
      const res = await t.json('POST', '/api/v1/auth/register', {
        email: newEmail(),
        password,
        fullName: 'X',
      });
      await expectProblem(res, 422, 'weak-password', ['body.password']);
    },
  );
});

describe('what the admins see', () => {
  it('is every wrong password tried for the account, from every address', async () => {
    const { user, headers } = await signedInUser(t, { roles: ['admin'] });
    const target = await createUser(t);
    for (const ip of ['203.0.113.30', '203.0.113.31']) {
      for (let i = 0; i < 2; i++) await login(t, target.email ?? '', 'guess', ip);
    }
    const seen = await ok<{ failedLogins: number }>(
      await t.request(`/api/v1/admin/users/${target.id}`, { headers }),
    );
    expect(seen.failedLogins).toBe(4);
    expect(user.id).not.toBe(target.id);
  });
});

describe('recovery while someone guesses the password', () => {
  let limited: TestApp;
  beforeAll(async () => {
    limited = await createTestApp({
      env: { AUTH_RATE_LIMIT_PER_MINUTE: '3', TRUST_PROXY_HOPS: '1' },
    });
    await startWorker(limited.services, limited.ctx());
  });
  afterAll(() => limited.close());

  it('still reaches the owner: the sign-in budget spent by others is not theirs', async () => {
    const { email } = await createUser(limited);
    const address = email ?? '';
    for (const ip of ['203.0.113.20', '203.0.113.21', '203.0.113.22']) {
      await login(limited, address, 'guess', ip);
    }
    await expectProblem(
      await login(limited, address, 'guess', '203.0.113.23'),
      429,
      'too-many-requests',
    );
    const owner = { 'X-Forwarded-For': '198.51.100.20' };
    const forgot = await limited.json(
      'POST',
      '/api/v1/auth/password/forgot',
      { email: address },
      owner,
    );
    expect(forgot.status).toBe(202);
    const code = await codeSentTo(limited, address);
    const reset = await limited.json(
      'POST',
      '/api/v1/auth/password/reset',
      { email: address, code, password: 'a brand new passphrase' },
      owner,
    );
    expect(reset.status).toBe(204);
  });
});

describe.runIf(process.env.TEST_DATABASE_URL)('codes guessed at once (PostgreSQL)', () => {
  it('still allow five tries in all, and none after', async () => {
    const user = await createUser(t);
    const email = user.email ?? '';
    const code = '424242';
    await db.insert(oneTimeCodes).values({
      userId: user.id,
      purpose: 'login',
      channel: 'email',
      destination: email,
      codeHash: await codeHash(t.config.jwtSecret, ['login', email], code),
      expiresAt: new Date(Date.now() + 600_000),
    });
    const guesses = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        t.json('POST', '/api/v1/auth/otp/verify', { email, code: String(100000 + i) }),
      ),
    );
    expect(guesses.every((res) => res.status === 422)).toBe(true);
    const [row] = await db.select().from(oneTimeCodes).where(eq(oneTimeCodes.destination, email));
    expect(row?.attempts).toBe(CODE_MAX_ATTEMPTS);
    const late = await t.json('POST', '/api/v1/auth/otp/verify', { email, code });
    await expectProblem(late, 422, 'invalid-code');
  });
});

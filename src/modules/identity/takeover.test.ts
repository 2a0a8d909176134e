import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createUser,
  type SignedIn,
  signedInUser,
  signIn,
  TEST_PASSWORD,
} from '../../../test/factories.ts';
import { createTestApp, expectProblem, ok, type TestApp } from '../../../test/harness.ts';
import { codeSentTo, messageTo, outbox } from '../../../test/outbox.ts';
import { startWorker } from '../../platform/services.ts';
import { RESET_HOLD_HOURS, REVERT_DAYS, STEP_UP_MINUTES } from './contact-change.ts';
import { type FakeSupabase, startFakeSupabase } from './supabase.test-support.ts';
import { contactChanges, oneTimeCodes, sessions, users } from './tables.ts';

/**
 * A stolen access token does not take an account over through its email or phone: moving
 * either needs a step-up, the old address is told and can undo it, the other devices are
 * signed out, and the new address cannot reset the password for a day.
 */

const t = await createTestApp({ env: { AUTH_RATE_LIMIT_PER_MINUTE: '1000' } });
beforeAll(() => startWorker(t.services, t.ctx()));
afterAll(() => t.close());

const db = t.database.db;
let serial = 0;
const newEmail = () => `takeover-${Date.now()}-${++serial}@example.com`;
const newPhone = () => `+2517${String(Date.now() + ++serial).slice(-8)}`;

const patch = (body: unknown, headers: Record<string, string>) =>
  t.json('PATCH', '/api/v1/profile', body, headers);
const me = (headers: Record<string, string>) => t.request('/api/v1/auth/me', { headers });

/** Requests and confirms a new email for `who` with their password; the new address. */
async function moveEmail(who: SignedIn): Promise<string> {
  const email = newEmail();
  await ok(await patch({ email, currentPassword: TEST_PASSWORD }, who.headers));
  const code = await codeSentTo(t, email);
  await ok(await t.json('POST', '/api/v1/profile/contact/verify', { email, code }, who.headers));
  return email;
}

/** The undo token in the newest message to `address`. */
async function revertTokenSentTo(address: string): Promise<string> {
  const { text } = await messageTo(t, address);
  const token = text.match(/contact\/revert\?token=([\w-]+)/)?.[1];
  if (!token) throw new Error(`no undo link in: ${text}`);
  return token;
}

describe('a new email or phone needs a step-up', () => {
  it('refuses an account with a password without it, or with a wrong one', async () => {
    const who = await signedInUser(t);
    const email = newEmail();
    await expectProblem(await patch({ email }, who.headers), 403, 'step-up-required');
    await expectProblem(
      await patch({ email, currentPassword: 'not the password' }, who.headers),
      422,
      'invalid-password',
      ['body.currentPassword'],
    );
    expect(await outbox(t, email)).toEqual([]);
    const profile = await ok<{ pendingContact: unknown }>(
      await patch({ fullName: 'Still' }, who.headers),
    );
    expect(profile.pendingContact).toBeNull();
  });

  it(`lets a passwordless account change it within ${STEP_UP_MINUTES} minutes of signing in`, async () => {
    const user = await createUser(t);
    await db.update(users).set({ passwordHash: null }).where(eq(users.id, user.id));
    const stale = await signIn(t, user);
    const fresh = await signIn(t, user);
    const sessionOf = (s: SignedIn) =>
      JSON.parse(Buffer.from(s.tokens.accessToken.split('.')[1] ?? '', 'base64url').toString()).sid;
    await db
      .update(sessions)
      .set({ createdAt: new Date(Date.now() - (STEP_UP_MINUTES * 60 + 5) * 1000) })
      .where(eq(sessions.id, sessionOf(stale)));
    const email = newEmail();
    await expectProblem(await patch({ email }, stale.headers), 403, 'step-up-required');
    const res = await ok<{ pendingContact: unknown }>(await patch({ email }, fresh.headers));
    expect(res.pendingContact).toEqual({ email });
  });
});

describe('a confirmed change', () => {
  it('tells the old address with an undo link and signs the other devices out', async () => {
    const who = await signedInUser(t);
    const other = await signIn(t, who.user);
    const oldEmail = who.user.email as string;
    const email = await moveEmail(who);
    const notice = await messageTo(t, oldEmail);
    expect(notice.subject).toBe('The email of your Mercato account was changed');
    expect(notice.text).toContain(email);
    expect(notice.text).toContain(`within ${REVERT_DAYS} days`);
    expect((await me(who.headers)).status).toBe(200);
    await expectProblem(await me(other.headers), 401, 'session-revoked');
  });

  it('tells the old phone by SMS when the phone moves', async () => {
    const phone = newPhone();
    const who = await signedInUser(t, { phone });
    const next = newPhone();
    await ok(await patch({ phone: next, currentPassword: TEST_PASSWORD }, who.headers));
    const code = await codeSentTo(t, next);
    await ok(
      await t.json('POST', '/api/v1/profile/contact/verify', { phone: next, code }, who.headers),
    );
    expect((await messageTo(t, phone)).text).toMatch(/contact\/revert\?token=/);
  });

  it(`cannot reset the password through the new address for ${RESET_HOLD_HOURS} hours`, async () => {
    const who = await signedInUser(t);
    const email = await moveEmail(who);
    const forgot = () => t.json('POST', '/api/v1/auth/password/forgot', { email });
    const resetCodes = () =>
      db
        .select({ id: oneTimeCodes.id })
        .from(oneTimeCodes)
        .where(
          and(eq(oneTimeCodes.purpose, 'password-reset'), eq(oneTimeCodes.destination, email)),
        );
    expect((await forgot()).status).toBe(202);
    expect(await resetCodes()).toEqual([]);
    const justOver = new Date(Date.now() - (RESET_HOLD_HOURS * 3600 + 5) * 1000);
    await db
      .update(contactChanges)
      .set({ createdAt: justOver })
      .where(eq(contactChanges.userId, who.user.id));
    // The cool-down of the code sent a moment ago applies to the new address too: wait it out.
    await db
      .update(oneTimeCodes)
      .set({ createdAt: sql`${oneTimeCodes.createdAt} - interval '2 minutes'` })
      .where(eq(oneTimeCodes.destination, email));
    expect((await forgot()).status).toBe(202);
    expect(await resetCodes()).toHaveLength(1);
    expect((await messageTo(t, email, 2)).text).toMatch(/\b\d{6}\b/);
  });
});

describe('undoing a change from the old address', () => {
  it('opens a page that spends nothing, then gives the address back on POST', async () => {
    const who = await signedInUser(t);
    const oldEmail = who.user.email as string;
    const email = await moveEmail(who);
    const token = await revertTokenSentTo(oldEmail);

    const page = await t.request(`/api/v1/auth/contact/revert?token=${token}`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const body = await page.text();
    expect(body).toContain('<form method="post">');
    expect(body).toContain(`value="${token}"`);
    const [still] = await db.select().from(users).where(eq(users.id, who.user.id));
    expect(still?.email).toBe(email);

    const res = await t.json('POST', '/api/v1/auth/contact/revert', { token });
    expect(res.status).toBe(204);
    const [back] = await db.select().from(users).where(eq(users.id, who.user.id));
    expect(back).toMatchObject({ email: oldEmail, passwordHash: null });
    expect(back?.emailVerifiedAt).not.toBeNull();
    await expectProblem(await me(who.headers), 401, 'session-revoked');
    const login = await t.json('POST', '/api/v1/auth/login', {
      email: oldEmail,
      password: TEST_PASSWORD,
    });
    expect(login.status).toBe(401);
    await expectProblem(
      await t.json('POST', '/api/v1/auth/contact/revert', { token }),
      401,
      'invalid-link',
    );
  });

  it('takes the page’s form post too, and refuses an expired link', async () => {
    const who = await signedInUser(t);
    const oldEmail = who.user.email as string;
    await moveEmail(who);
    const token = await revertTokenSentTo(oldEmail);
    await db
      .update(contactChanges)
      .set({ revertExpiresAt: new Date(Date.now() - 1000) })
      .where(and(eq(contactChanges.userId, who.user.id)));
    const form = (value: string) =>
      t.request('/api/v1/auth/contact/revert', {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token: value }).toString(),
      });
    await expectProblem(await form(token), 401, 'invalid-link');
    await db
      .update(contactChanges)
      .set({ revertExpiresAt: new Date(Date.now() + 60_000) })
      .where(eq(contactChanges.userId, who.user.id));
    const done = await form(token);
    expect(done.status).toBe(200);
    expect(await done.text()).toContain('The change is undone');
    const [back] = await db.select().from(users).where(eq(users.id, who.user.id));
    expect(back?.email).toBe(oldEmail);
  });

  it('refuses when another account took the old address meanwhile', async () => {
    const who = await signedInUser(t);
    const oldEmail = who.user.email as string;
    await moveEmail(who);
    const token = await revertTokenSentTo(oldEmail);
    await createUser(t, { email: oldEmail });
    await expectProblem(
      await t.json('POST', '/api/v1/auth/contact/revert', { token }),
      409,
      'contact-taken',
    );
  });
});

describe('a Supabase token takes over only an account whose address it proves', () => {
  let app: TestApp;
  let supabase: FakeSupabase;
  beforeAll(async () => {
    supabase = await startFakeSupabase();
    app = await createTestApp({
      env: {
        AUTH_PROVIDER: 'supabase',
        SUPABASE_URL: supabase.url,
        AUTH_RATE_LIMIT_PER_MINUTE: '1000',
      },
    });
  });
  afterAll(async () => {
    await app.close();
    supabase.close();
  });

  async function meWith(claims: Record<string, unknown>) {
    const token = await supabase.token(claims);
    return ok<{ id: string; email: string | null; roles: string[]; verifiedAt: string | null }>(
      await app.request('/api/v1/auth/me', { headers: { Authorization: `Bearer ${token}` } }),
    );
  }

  it('does not link an unconfirmed or anonymous Supabase email to the verified account with it', async () => {
    const local = await createUser(app, { email: `owner-${++serial}@example.com` });
    for (const claims of [
      supabase.user({ email: local.email, user_metadata: { full_name: 'Not Proven' } }),
      supabase.user({
        email: local.email,
        is_anonymous: true,
        user_metadata: { email_verified: true },
      }),
    ]) {
      const stranger = await meWith(claims);
      expect(stranger.id).not.toBe(local.id);
      expect(stranger).toMatchObject({ email: null, verifiedAt: null, roles: ['buyer'] });
    }
  });

  it('creates an unproven user unverified, without the address', async () => {
    const email = newEmail();
    const user = await meWith(supabase.user({ email, user_metadata: { email_verified: false } }));
    expect(user).toMatchObject({ email: null, verifiedAt: null });
    const proven = await meWith(supabase.user({ email: newEmail() }));
    expect(proven.verifiedAt).not.toBeNull();
  });

  it('never links a staff account by email, even a proven one', async () => {
    const admin = await createUser(app, {
      email: `staff-${++serial}@example.com`,
      roles: ['admin'],
    });
    const claims = supabase.user({ email: admin.email });
    const user = await meWith(claims);
    expect(user.id).not.toBe(admin.id);
    expect(user.roles).toEqual(['buyer']);
    expect(user.email).toBeNull();
  });
});

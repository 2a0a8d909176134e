import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { and, eq } from 'drizzle-orm';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createUser,
  type SignedIn,
  signedInUser,
  signIn,
  TEST_PASSWORD,
} from '../../../test/factories.ts';
import { createTestApp, expectInvalid, problemOf } from '../../../test/harness.ts';
import { codeSentTo } from '../../../test/outbox.ts';
import { securityCases, sessionOf } from '../../../test/security.ts';
import { auditLog } from '../../platform/audit/tables.ts';
import { outboxEvents } from '../../platform/events/tables.ts';
import { startWorker } from '../../platform/services.ts';
import { sessionState } from './sessions.ts';
import { oneTimeCodes, users } from './tables.ts';

const dataDir = await mkdtemp(join(tmpdir(), 'mercato-profile-'));
const t = await createTestApp({
  env: { AUTH_RATE_LIMIT_PER_MINUTE: '1000', DATA_DIR: dataDir },
});
beforeAll(() => startWorker(t.services, t.ctx()));
afterAll(async () => {
  await t.close();
  await rm(dataDir, { recursive: true, force: true });
});

let serial = 0;
const newEmail = () => `profile-${Date.now()}-${++serial}@example.com`;
const newPhone = () => `+2519${String(Date.now() + ++serial).slice(-8)}`;

const getProfile = async (headers: Record<string, string>) => {
  const res = await t.request('/api/v1/profile', { headers });
  expect(res.status).toBe(200);
  return res.json();
};
/** PATCH /profile; a new email or phone comes with the step-up, the factory's password. */
const patchProfile = (body: Record<string, unknown>, headers: Record<string, string>) =>
  t.json(
    'PATCH',
    '/api/v1/profile',
    'email' in body || 'phone' in body ? { currentPassword: TEST_PASSWORD, ...body } : body,
    headers,
  );
const verifyContact = (body: unknown, headers: Record<string, string>) =>
  t.json('POST', '/api/v1/profile/contact/verify', body, headers);
const login = (body: Record<string, string>) =>
  t.json('POST', '/api/v1/auth/login', { ...body, password: TEST_PASSWORD });

async function auditEntries(userId: string, action: string) {
  return t.database.db
    .select({ before: auditLog.before, after: auditLog.after, metadata: auditLog.metadata })
    .from(auditLog)
    .where(and(eq(auditLog.resourceId, userId), eq(auditLog.action, action)))
    .orderBy(auditLog.occurredAt, auditLog.id);
}

/** The roles the authenticator gives a request on this session (cached between requests). */
async function cachedRoles(tokens: { accessToken: string }) {
  const state = await sessionState(t.ctx(), sessionOf(tokens));
  return state.status === 'active' ? [...state.roles].sort() : state.status;
}

const someId = crypto.randomUUID();
for (const route of [
  { method: 'GET', path: '/api/v1/profile' },
  { method: 'PATCH', path: '/api/v1/profile', body: { fullName: 'Ada' } },
  {
    method: 'POST',
    path: '/api/v1/profile/contact/verify',
    body: { email: 'new@example.com', code: '123456' },
  },
  { method: 'PUT', path: '/api/v1/profile/avatar' },
  { method: 'DELETE', path: '/api/v1/profile/avatar' },
  { method: 'POST', path: '/api/v1/profile/roles/seller' },
  { method: 'GET', path: '/api/v1/profile/sessions' },
  { method: 'DELETE', path: `/api/v1/profile/sessions/${someId}` },
]) {
  securityCases(() => t, { ...route, allowed: [] });
}

describe('GET /profile', () => {
  it('shows the account with its settings and nothing secret', async () => {
    const { user, headers } = await signedInUser(t, { fullName: 'Ada Lovelace' });
    const profile = await getProfile(headers);
    expect(profile).toEqual({
      id: user.id,
      email: user.email,
      phone: null,
      fullName: 'Ada Lovelace',
      roles: ['buyer'],
      status: 'active',
      verifiedAt: expect.any(String),
      createdAt: user.createdAt.toISOString(),
      locale: 'en',
      timezone: 'UTC',
      avatar: null,
      emailVerified: true,
      phoneVerified: false,
      pendingRoles: [],
      pendingContact: null,
      hasPassword: true,
    });
    expect(JSON.stringify(profile)).not.toMatch(/argon2/);
  });

  it('says when an account has no password', async () => {
    const user = await createUser(t);
    await t.database.db.update(users).set({ passwordHash: null }).where(eq(users.id, user.id));
    const { headers } = await signIn(t, user);
    expect((await getProfile(headers)).hasPassword).toBe(false);
  });
});

describe('PATCH /profile', () => {
  it('changes the name, locale and time zone, and audits what changed', async () => {
    const { user, headers } = await signedInUser(t, { fullName: 'Old Name' });
    const res = await patchProfile(
      { fullName: '  Abebe Bikila ', locale: 'AM-et', timezone: 'Africa/Addis_Ababa' },
      headers,
    );
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      fullName: 'Abebe Bikila',
      locale: 'am-ET',
      timezone: 'Africa/Addis_Ababa',
    });
    expect(await getProfile(headers)).toMatchObject({ locale: 'am-ET' });
    await patchProfile({ timezone: 'UTC', locale: 'am-ET' }, headers);
    expect(await auditEntries(user.id, 'profile.updated')).toEqual([
      {
        before: { fullName: 'Old Name', locale: 'en', timezone: 'UTC' },
        after: { fullName: 'Abebe Bikila', locale: 'am-ET', timezone: 'Africa/Addis_Ababa' },
        metadata: null,
      },
      { before: { timezone: 'Africa/Addis_Ababa' }, after: { timezone: 'UTC' }, metadata: null },
    ]);
  });

  it('names every invalid field, and refuses an empty change', async () => {
    const { headers } = await signedInUser(t);
    await expectInvalid(
      await patchProfile(
        {
          fullName: '   ',
          locale: 'en_US',
          timezone: 'Mars/Olympus_Mons',
          email: 'not-an-email',
          phone: '0911',
        },
        headers,
      ),
      ['body.fullName', 'body.locale', 'body.timezone', 'body.email', 'body.phone'],
    );
    await expectInvalid(await patchProfile({}, headers), ['body']);
    await expectInvalid(await patchProfile({ timezone: '+03:00' }, headers), ['body.timezone']);
    expect(await getProfile(headers)).toMatchObject({ locale: 'en', timezone: 'UTC' });
  });

  it('ignores an email that is already the account’s', async () => {
    const { user, headers } = await signedInUser(t);
    const res = await patchProfile({ email: user.email?.toUpperCase() }, headers);
    expect(res.status).toBe(200);
    expect((await res.json()).pendingContact).toBeNull();
    const codes = await t.database.db
      .select()
      .from(oneTimeCodes)
      .where(eq(oneTimeCodes.userId, user.id));
    expect(codes).toEqual([]);
  });

  it('refuses an email or phone another account uses, sending nothing', async () => {
    const phone = newPhone();
    const taken = await createUser(t, { phone });
    const { user, headers } = await signedInUser(t);
    for (const body of [{ email: taken.email }, { phone }, { fullName: 'X', phone }]) {
      const res = await patchProfile(body, headers);
      expect(res.status).toBe(409);
      expect((await problemOf(res)).code).toBe('contact-taken');
    }
    const codes = await t.database.db
      .select()
      .from(oneTimeCodes)
      .where(eq(oneTimeCodes.userId, user.id));
    expect(codes).toEqual([]);
    expect((await getProfile(headers)).fullName).toBe('Test User');
  });
});

describe('changing the email', () => {
  it('keeps the old email until the new one is verified, then swaps them', async () => {
    const { user, headers } = await signedInUser(t);
    const oldEmail = user.email ?? '';
    const email = newEmail();

    const res = await patchProfile({ email: email.toUpperCase() }, headers);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ email: oldEmail, pendingContact: { email } });
    const code = await codeSentTo(t, email);
    expect((await login({ email: oldEmail })).status).toBe(200);
    expect((await login({ email })).status).toBe(401);

    const wrong = await verifyContact(
      { email, code: code === '000000' ? '111111' : '000000' },
      headers,
    );
    expect(wrong.status).toBe(422);
    expect((await problemOf(wrong)).code).toBe('invalid-code');

    const verified = await verifyContact({ email, code }, headers);
    expect(verified.status).toBe(200);
    expect(await verified.json()).toMatchObject({
      email,
      emailVerified: true,
      pendingContact: null,
    });
    expect((await login({ email })).status).toBe(200);
    expect((await login({ email: oldEmail })).status).toBe(401);
    expect(await auditEntries(user.id, 'profile.contact_changed')).toEqual([
      { before: { email: oldEmail }, after: { email }, metadata: null },
    ]);
    // Spent: a second use fails.
    expect((await verifyContact({ email, code }, headers)).status).toBe(422);
  });

  it('keeps only the latest requested address pending', async () => {
    const { headers } = await signedInUser(t);
    const first = newEmail();
    const second = newEmail();
    await patchProfile({ email: first }, headers);
    const firstCode = await codeSentTo(t, first);
    const res = await patchProfile({ email: second }, headers);
    expect((await res.json()).pendingContact).toEqual({ email: second });
    const stale = await verifyContact({ email: first, code: firstCode }, headers);
    expect(stale.status).toBe(422);
    const code = await codeSentTo(t, second);
    expect((await verifyContact({ email: second, code }, headers)).status).toBe(200);
  });

  it('does not let another user spend the code', async () => {
    const owner = await signedInUser(t);
    const other = await signedInUser(t);
    const email = newEmail();
    await patchProfile({ email }, owner.headers);
    const code = await codeSentTo(t, email);
    const res = await verifyContact({ email, code }, other.headers);
    expect(res.status).toBe(422);
    expect((await problemOf(res)).code).toBe('invalid-code');
    expect((await getProfile(other.headers)).email).toBe(other.user.email);
    expect((await getProfile(owner.headers)).email).toBe(owner.user.email);
  });

  it('refuses with 409 when someone took the address meanwhile', async () => {
    const { user, headers } = await signedInUser(t);
    const email = newEmail();
    await patchProfile({ email }, headers);
    const code = await codeSentTo(t, email);
    await createUser(t, { email });
    const res = await verifyContact({ email, code }, headers);
    expect(res.status).toBe(409);
    expect((await problemOf(res)).code).toBe('contact-taken');
    expect((await getProfile(headers)).email).toBe(user.email);
  });

  it('validates the request', async () => {
    const { headers } = await signedInUser(t);
    await expectInvalid(
      await verifyContact({ email: newEmail(), phone: newPhone(), code: '12' }, headers),
      ['body.phone', 'body.code'],
    );
  });
});

describe('changing the phone', () => {
  it('adds a verified phone the account can sign in with', async () => {
    const { headers } = await signedInUser(t);
    const phone = newPhone();
    const res = await patchProfile({ phone }, headers);
    expect(await res.json()).toMatchObject({ phone: null, pendingContact: { phone } });
    const code = await codeSentTo(t, phone);
    const verified = await verifyContact({ phone, code }, headers);
    expect(verified.status).toBe(200);
    expect(await verified.json()).toMatchObject({ phone, phoneVerified: true });
    expect((await login({ phone })).status).toBe(200);
  });

  it('verifies an unverified account, granting the roles that waited', async () => {
    const user = await createUser(t, { email: null, status: 'unverified' });
    const { headers, tokens } = await signIn(t, user);
    await t.request('/api/v1/profile/roles/organizer', { method: 'POST', headers });
    const phone = newPhone();
    await patchProfile({ phone }, headers);
    const code = await codeSentTo(t, phone);
    const res = await verifyContact({ phone, code }, headers);
    expect(await res.json()).toMatchObject({
      status: 'active',
      verifiedAt: expect.any(String),
      roles: ['buyer', 'organizer'],
      pendingRoles: [],
    });
    expect(await cachedRoles(tokens)).toEqual(['buyer', 'organizer']);
  });
});

/** Random pixels: a real image of the given size. */
const noise = (width: number, height: number) =>
  sharp(randomBytes(width * height * 3), { raw: { width, height, channels: 3 } });

function upload(bytes: Uint8Array, headers: Record<string, string>, type = 'image/png') {
  const form = new FormData();
  form.set('file', new File([new Uint8Array(bytes)], 'me.png', { type }));
  return t.request('/api/v1/profile/avatar', { method: 'PUT', headers, body: form });
}

/** Follows a file URL the API handed out, as a browser would. */
async function fetchFile(url: string) {
  const { pathname, search } = new URL(url);
  const res = await t.request(`${pathname}${search}`);
  return { res, bytes: new Uint8Array(await res.arrayBuffer()) };
}

describe('PUT /profile/avatar', () => {
  it('stores the image publicly and has its variants made', async () => {
    const { user, headers } = await signedInUser(t);
    const png = await noise(400, 300).png().toBuffer();
    const res = await upload(png, headers);
    expect(res.status).toBe(200);
    const { avatar } = await res.json();
    expect(avatar.url).toMatch(new RegExp(`/files/avatars/${user.id}/[0-9a-f-]{36}\\.png$`));
    const original = await fetchFile(avatar.url);
    expect(original.res.status).toBe(200);
    expect(original.res.headers.get('content-type')).toBe('image/png');
    expect(await sharp(original.bytes).metadata()).toMatchObject({ width: 400, height: 300 });

    await expect
      .poll(async () => Object.keys((await getProfile(headers)).avatar.variants), {
        timeout: 10_000,
      })
      .toEqual(['320']);
    const { variants } = (await getProfile(headers)).avatar;
    const small = await fetchFile(variants['320']);
    expect(small.res.status).toBe(200);
    expect(await sharp(small.bytes).metadata()).toMatchObject({ format: 'webp', width: 320 });
  });

  it('strips the metadata of a camera photo and stands it upright', async () => {
    const { headers } = await signedInUser(t);
    const jpeg = await noise(400, 300)
      .jpeg()
      .withMetadata({ orientation: 6 })
      .withExifMerge({ IFD3: { GPSLatitudeRef: 'N', GPSMapDatum: 'SECRET-PLACE' } })
      .toBuffer();
    const res = await upload(jpeg, headers, 'image/jpeg');
    const { avatar } = await res.json();
    expect(avatar.url).toMatch(/\.jpg$/);
    const { bytes } = await fetchFile(avatar.url);
    const metadata = await sharp(bytes).metadata();
    expect(metadata).toMatchObject({ width: 300, height: 400 });
    expect(metadata.exif).toBeUndefined();
    expect(Buffer.from(bytes).includes('SECRET-PLACE')).toBe(false);
  });

  it('deletes the previous avatar and its variants', async () => {
    const { headers } = await signedInUser(t);
    const first = (await (await upload(await noise(64, 64).png().toBuffer(), headers)).json())
      .avatar;
    // Narrower than every variant width: the variant has the image's own width.
    const ownWidthVariant = first.url.replace(/\.png$/, '-64.webp');
    await expect.poll(async () => (await fetchFile(ownWidthVariant)).res.status).toBe(200);

    const second = (await (await upload(await noise(80, 80).png().toBuffer(), headers)).json())
      .avatar;
    expect(second.url).not.toBe(first.url);
    expect((await fetchFile(first.url)).res.status).toBe(404);
    expect((await fetchFile(ownWidthVariant)).res.status).toBe(404);
    expect((await fetchFile(second.url)).res.status).toBe(200);
  });

  it('refuses what is not an image', async () => {
    const { headers } = await signedInUser(t);
    const text = new TextEncoder().encode('just some text, not a picture');
    const res = await upload(text, headers, 'image/png');
    expect(res.status).toBe(422);
    expect((await problemOf(res)).code).toBe('unsupported-file-type');

    const pdf = new TextEncoder().encode('%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF');
    expect((await upload(pdf, headers, 'application/pdf')).status).toBe(422);

    const png = await noise(100, 100).png().toBuffer();
    const truncated = await upload(png.subarray(0, png.length / 2), headers);
    expect(truncated.status).toBe(422);
    expect((await problemOf(truncated)).code).toBe('corrupt-image');

    const json = await t.json('PUT', '/api/v1/profile/avatar', { file: 'x' }, headers);
    expect(json.status).toBe(415);

    const form = new FormData();
    form.set('file', 'not a file');
    const noFile = await t.request('/api/v1/profile/avatar', {
      method: 'PUT',
      headers,
      body: form,
    });
    await expectInvalid(noFile, ['body.file']);
    expect((await getProfile(headers)).avatar).toBeNull();
  });
});

describe('DELETE /profile/avatar', () => {
  it('removes the avatar and its file', async () => {
    const { user, headers } = await signedInUser(t);
    const { avatar } = await (await upload(await noise(50, 50).png().toBuffer(), headers)).json();
    const res = await t.request('/api/v1/profile/avatar', { method: 'DELETE', headers });
    expect(res.status).toBe(204);
    expect((await getProfile(headers)).avatar).toBeNull();
    expect((await fetchFile(avatar.url)).res.status).toBe(404);
    const again = await t.request('/api/v1/profile/avatar', { method: 'DELETE', headers });
    expect(again.status).toBe(204);
    expect(await auditEntries(user.id, 'profile.avatar_removed')).toHaveLength(1);
  });
});

describe('POST /profile/roles/{role}', () => {
  const ask = (role: string, headers: Record<string, string>) =>
    t.request(`/api/v1/profile/roles/${role}`, { method: 'POST', headers });
  const me = async (headers: Record<string, string>) =>
    (await t.request('/api/v1/auth/me', { headers })).json();

  it('grants seller to a verified account at once, and only once', async () => {
    const { user, headers, tokens } = await signedInUser(t);
    const res = await ask('seller', headers);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ role: 'seller', status: 'granted' });
    expect((await me(headers)).roles).toEqual(['buyer', 'seller']);
    // What the authenticator hands routes as the actor's roles, cached when `ask` signed in.
    expect(await cachedRoles(tokens)).toEqual(['buyer', 'seller']);
    expect(await (await ask('seller', headers)).json()).toEqual({
      role: 'seller',
      status: 'granted',
    });
    expect(await auditEntries(user.id, 'user.role_granted')).toHaveLength(1);
    const events = await t.database.db
      .select({ payload: outboxEvents.payload })
      .from(outboxEvents)
      .where(
        and(eq(outboxEvents.aggregateId, user.id), eq(outboxEvents.name, 'user.role_changed')),
      );
    expect(events).toEqual([
      { payload: { userId: user.id, added: ['seller'], removed: [], by: user.id } },
    ]);
  });

  it('leaves agent and broker pending', async () => {
    const { headers } = await signedInUser(t);
    for (const role of ['agent', 'broker']) {
      expect(await (await ask(role, headers)).json()).toEqual({ role, status: 'pending' });
    }
    expect(await getProfile(headers)).toMatchObject({
      roles: ['buyer'],
      pendingRoles: ['agent', 'broker'],
    });
    expect((await me(headers)).roles).toEqual(['buyer']);
  });

  it('refuses roles no one can ask for', async () => {
    const { headers } = await signedInUser(t);
    for (const role of ['admin', 'moderator', 'buyer', 'wizard']) {
      await expectInvalid(await ask(role, headers), ['params.role']);
    }
  });

  it('keeps seller pending for an unverified account until it verifies', async () => {
    const email = newEmail();
    const registered = await t.json('POST', '/api/v1/auth/register', {
      email,
      password: TEST_PASSWORD,
      fullName: 'New Seller',
    });
    expect(registered.status).toBe(202);
    const [user] = await t.database.db.select().from(users).where(eq(users.email, email));
    if (!user) throw new Error('registered user not found');
    const { headers } = await signIn(t, user);

    expect(await (await ask('seller', headers)).json()).toEqual({
      role: 'seller',
      status: 'pending',
    });
    expect((await me(headers)).roles).toEqual(['buyer']);

    const code = await codeSentTo(t, email);
    const verified = await t.json('POST', '/api/v1/auth/verify', { email, code });
    expect(verified.status).toBe(200);
    const tokens = await verified.json();
    expect(tokens.user.roles).toEqual(['buyer', 'seller']);
    const fresh = { Authorization: `Bearer ${tokens.accessToken}` };
    expect(await getProfile(fresh)).toMatchObject({ roles: ['buyer', 'seller'], pendingRoles: [] });
  });
});

describe('sessions', () => {
  const sessionsOf = async (headers: Record<string, string>) => {
    const res = await t.request('/api/v1/profile/sessions', { headers });
    expect(res.status).toBe(200);
    return (await res.json()).items as { id: string; current: boolean; method: string }[];
  };

  it('lists my live sessions and ends one, whose token stops working at once', async () => {
    const phone: SignedIn = await signedInUser(t);
    const laptop = await signIn(t, phone.user);
    const phoneSession = sessionOf(phone.tokens);
    const laptopSession = sessionOf(laptop.tokens);

    const listed = await sessionsOf(phone.headers);
    expect(listed.map((s) => [s.id, s.current]).sort()).toEqual(
      [
        [phoneSession, true],
        [laptopSession, false],
      ].sort(),
    );
    expect(listed[0]).toMatchObject({ method: 'test', createdAt: expect.any(String) });
    // The laptop's token was used just now, so its state is cached: ending must drop that too.
    expect((await sessionsOf(laptop.headers)).length).toBe(2);

    const res = await t.request(`/api/v1/profile/sessions/${laptopSession}`, {
      method: 'DELETE',
      headers: phone.headers,
    });
    expect(res.status).toBe(204);
    const refused = await t.request('/api/v1/profile', { headers: laptop.headers });
    expect(refused.status).toBe(401);
    expect((await problemOf(refused)).code).toBe('session-revoked');
    expect((await sessionsOf(phone.headers)).map((s) => s.id)).toEqual([phoneSession]);
    expect(
      await t.database.db
        .select({ actorId: auditLog.actorId })
        .from(auditLog)
        .where(
          and(eq(auditLog.action, 'auth.session_revoked'), eq(auditLog.resourceId, laptopSession)),
        ),
    ).toEqual([{ actorId: phone.user.id }]);

    const again = await t.request(`/api/v1/profile/sessions/${laptopSession}`, {
      method: 'DELETE',
      headers: phone.headers,
    });
    expect(again.status).toBe(404);
  });

  it('does not reach another user’s session', async () => {
    const mine = await signedInUser(t);
    const theirs = await signedInUser(t);
    const res = await t.request(`/api/v1/profile/sessions/${sessionOf(theirs.tokens)}`, {
      method: 'DELETE',
      headers: mine.headers,
    });
    expect(res.status).toBe(404);
    expect((await t.request('/api/v1/profile', { headers: theirs.headers })).status).toBe(200);
    await expectInvalid(
      await t.request('/api/v1/profile/sessions/not-a-uuid', {
        method: 'DELETE',
        headers: mine.headers,
      }),
      ['params.id'],
    );
  });
});

import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { and, eq } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { createUser, type SignedIn, signedInUser, signIn } from '../../../test/factories.ts';
import {
  createTestApp,
  expectInvalid,
  expectProblem,
  ok,
  problemOf,
} from '../../../test/harness.ts';
import { securityCases, sessionOf } from '../../../test/security.ts';
import { auditLog } from '../../platform/audit/tables.ts';
import { outboxEvents } from '../../platform/events/tables.ts';
import { sessionState } from '../identity/sessions.ts';
import { userRoles } from '../identity/tables.ts';
import { createDraft, pendingLister, propertyBody } from '../listings/listings.test-support.ts';
import type { ListingView } from '../listings/views.ts';
import {
  fetchFile,
  PDF,
  pdfFile,
  pngFile,
  putProfile,
  sendKyc,
  submitKyc,
} from './professionals.test-support.ts';
import type {
  ProfessionalView,
  VerificationReviewDetailView,
  VerificationReviewView,
  VerificationView,
} from './schemas.ts';
import { verifications } from './tables.ts';

const dataDir = await mkdtemp(join(tmpdir(), 'mercato-kyc-'));
const t = await createTestApp({ env: { DATA_DIR: dataDir } });
afterAll(async () => {
  await t.close();
  await rm(dataDir, { recursive: true, force: true });
});

const ADMIN = '/api/v1/admin/verifications';
const MINE = '/api/v1/professionals/me/verification';

const moderator = () => signedInUser(t, { roles: ['moderator'] });

const myCheck = (who: SignedIn) => t.request(MINE, { headers: who.headers });
const review = (who: SignedIn, id: string) => t.request(`${ADMIN}/${id}`, { headers: who.headers });
const approve = (who: SignedIn, id: string) =>
  t.request(`${ADMIN}/${id}/approve`, { method: 'POST', headers: who.headers });
const reject = (who: SignedIn, id: string, body: unknown = { reason: 'The license is expired.' }) =>
  t.json('POST', `${ADMIN}/${id}/reject`, body, who.headers);

async function listChecks(who: SignedIn, query = '') {
  return ok<{ items: VerificationReviewView[]; nextCursor: string | null }>(
    await t.request(`${ADMIN}${query}`, { headers: who.headers }),
  );
}

const rowOf = async (id: string) => {
  const [row] = await t.database.db.select().from(verifications).where(eq(verifications.id, id));
  if (!row) throw new Error(`no verification ${id}`);
  return row;
};

/** The document files kept for the user, as `<verification id>/<name>`. */
async function storedDocuments(userId: string): Promise<string[]> {
  const root = join(dataDir, 'files', 'kyc', userId);
  try {
    const entries = await readdir(root, { recursive: true, withFileTypes: true });
    return entries
      .filter((e) => e.isFile() && !e.name.includes('@'))
      .map((e) => `${e.parentPath.slice(root.length + 1)}/${e.name}`)
      .sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

const eventsOf = (name: string, userId: string) =>
  t.database.db
    .select({ payload: outboxEvents.payload })
    .from(outboxEvents)
    .where(and(eq(outboxEvents.name, name), eq(outboxEvents.aggregateId, userId)));

const auditOf = (action: string, resourceId: string) =>
  t.database.db
    .select({
      actorId: auditLog.actorId,
      before: auditLog.before,
      after: auditLog.after,
      metadata: auditLog.metadata,
    })
    .from(auditLog)
    .where(and(eq(auditLog.action, action), eq(auditLog.resourceId, resourceId)));

const rolesOf = async (userId: string) =>
  (
    await t.database.db
      .select({ role: userRoles.role, status: userRoles.status })
      .from(userRoles)
      .where(eq(userRoles.userId, userId))
  )
    .map((r) => `${r.role}:${r.status}`)
    .sort();

async function publish(who: SignedIn, id: string): Promise<ListingView> {
  return ok<ListingView>(
    await t.request(`/api/v1/listings/${id}/publish`, { method: 'POST', headers: who.headers }),
  );
}

const someId = crypto.randomUUID();
for (const route of [
  { method: 'POST', path: MINE, allowed: ['agent' as const] },
  { method: 'GET', path: MINE, allowed: ['agent' as const] },
]) {
  securityCases(() => t, route);
}
for (const route of [
  { method: 'GET', path: ADMIN },
  { method: 'GET', path: `${ADMIN}/${someId}` },
  { method: 'POST', path: `${ADMIN}/${someId}/approve` },
  { method: 'POST', path: `${ADMIN}/${someId}/reject`, body: { reason: 'Blurry scan' } },
]) {
  securityCases(() => t, { ...route, allowed: ['moderator'], forbidden: ['agent', 'owner'] });
}

/** The roles the authenticator gives a request on this session (cached between requests). */
async function cachedRoles(who: SignedIn) {
  const state = await sessionState(t.ctx(), sessionOf(who.tokens));
  return state.status === 'active' ? [...state.roles].sort() : state.status;
}

describe('POST /professionals/me/verification', () => {
  it('keeps both documents private, byte for byte, and waits for review', async () => {
    const agent = await pendingLister(t);
    const id = await pngFile();
    const res = await sendKyc(t, agent, { idDocument: id, license: pdfFile() });
    const check = await ok<VerificationView>(res, 201);
    expect(check).toEqual({
      id: expect.any(String),
      role: 'agent',
      status: 'pending',
      reason: null,
      submittedAt: expect.any(String),
      reviewedAt: null,
    });
    const row = await rowOf(check.id);
    expect(row).toMatchObject({
      userId: agent.user.id,
      idDocumentKey: `kyc/${agent.user.id}/${check.id}/id-document.png`,
      idDocumentType: 'image/png',
      licenseKey: `kyc/${agent.user.id}/${check.id}/license.pdf`,
      licenseType: 'application/pdf',
    });
    for (const [key, bytes] of [
      [row.idDocumentKey, id.bytes],
      [row.licenseKey, PDF],
    ] as const) {
      expect(await t.services.storage.head(key)).toMatchObject({ visibility: 'private' });
      const stored = await t.services.storage.get(key);
      const kept = new Uint8Array(await new Response(stored?.body).arrayBuffer());
      expect(Buffer.from(kept).equals(Buffer.from(bytes))).toBe(true);
    }
    expect(await storedDocuments(agent.user.id)).toEqual([
      `${check.id}/id-document.png`,
      `${check.id}/license.pdf`,
    ]);
    expect(await eventsOf('professional.verification_submitted', agent.user.id)).toEqual([
      { payload: { userId: agent.user.id, verificationId: check.id, role: 'agent' } },
    ]);
  });

  it('verifies the pending role by default, else the granted one, and the one named', async () => {
    const broker = await pendingLister(t, 'broker');
    expect((await submitKyc(t, broker)).role).toBe('broker');

    const granted = await signedInUser(t, { roles: ['agent'] });
    expect((await submitKyc(t, granted)).role).toBe('agent');

    const both = await signedInUser(t, { roles: ['agent'] });
    await t.database.db
      .insert(userRoles)
      .values({ userId: both.user.id, role: 'broker', status: 'pending' });
    expect((await submitKyc(t, both)).role).toBe('broker');
  });

  it('asks which role when the user awaits both, naming body.role', async () => {
    const user = await createUser(t);
    await t.database.db.insert(userRoles).values([
      { userId: user.id, role: 'agent', status: 'pending' },
      { userId: user.id, role: 'broker', status: 'pending' },
    ]);
    const both = await signIn(t, user);
    const res = await sendKyc(t, both, { idDocument: await pngFile(), license: pdfFile() });
    const problem = await expectProblem(res, 422, 'role-ambiguous');
    expect(problem.errors?.map((e) => e.path)).toEqual(['body.role']);
    expect((await submitKyc(t, both, { role: 'agent' })).role).toBe('agent');
  });

  it('answers 403 to users who are not agents or brokers, or name a role they lack', async () => {
    for (const who of [await signedInUser(t), await signedInUser(t, { roles: ['owner'] })]) {
      const res = await sendKyc(t, who, { idDocument: await pngFile(), license: pdfFile() });
      await expectProblem(res, 403, 'professional-role-required');
    }
    const agent = await pendingLister(t);
    const res = await sendKyc(t, agent, {
      idDocument: await pngFile(),
      license: pdfFile(),
      role: 'broker',
    });
    await expectProblem(res, 403, 'professional-role-required');
    expect(
      await t.database.db
        .select()
        .from(verifications)
        .where(eq(verifications.userId, agent.user.id)),
    ).toEqual([]);
  });

  it('names the missing, wrong or unreadable file', async () => {
    const agent = await pendingLister(t);
    await expectInvalid(await sendKyc(t, agent, { idDocument: await pngFile() }), ['body.license']);
    await expectInvalid(await sendKyc(t, agent, {}), ['body.idDocument', 'body.license']);
    await expectInvalid(await sendKyc(t, agent, { idDocument: 'not a file', license: pdfFile() }), [
      'body.idDocument',
    ]);
    await expectInvalid(
      await sendKyc(t, agent, {
        idDocument: await pngFile(),
        license: pdfFile(),
        role: 'owner',
      }),
      ['body.role'],
    );

    const text = {
      bytes: new TextEncoder().encode('a scan, honest'),
      name: 'id.pdf',
      type: 'application/pdf',
    };
    const wrongType = await expectProblem(
      await sendKyc(t, agent, { idDocument: text, license: pdfFile() }),
      422,
      'unsupported-file-type',
    );
    expect(wrongType.errors?.map((e) => e.path)).toEqual(['body.idDocument']);

    const full = await pngFile();
    const truncated = { ...full, bytes: full.bytes.subarray(0, full.bytes.length / 2) };
    const corrupt = await expectProblem(
      await sendKyc(t, agent, { idDocument: await pngFile(), license: truncated }),
      422,
      'corrupt-image',
    );
    expect(corrupt.errors?.map((e) => e.path)).toEqual(['body.license']);

    const json = await t.json('POST', MINE, { idDocument: 'x', license: 'y' }, agent.headers);
    expect(json.status).toBe(415);
    expect(
      await t.database.db
        .select()
        .from(verifications)
        .where(eq(verifications.userId, agent.user.id)),
    ).toEqual([]);
    expect(await storedDocuments(agent.user.id)).toEqual([]);
  });

  it('answers 409 while a check is pending, and once the role is verified', async () => {
    const agent = await pendingLister(t);
    const first = await submitKyc(t, agent);
    const again = await sendKyc(t, agent, { idDocument: await pngFile(), license: pdfFile() });
    await expectProblem(again, 409, 'verification-pending');
    const rows = await t.database.db
      .select({ id: verifications.id })
      .from(verifications)
      .where(eq(verifications.userId, agent.user.id));
    expect(rows).toEqual([{ id: first.id }]);
    expect(await storedDocuments(agent.user.id)).toHaveLength(2);

    await ok(await approve(await moderator(), first.id));
    const verified = await sendKyc(t, agent, { idDocument: await pngFile(), license: pdfFile() });
    await expectProblem(verified, 409, 'already-verified');
  });
});

describe('GET /professionals/me/verification', () => {
  it('answers 404 before any check, then the latest one, without links or keys', async () => {
    const agent = await pendingLister(t);
    await expectProblem(await myCheck(agent), 404, 'not-found');
    const first = await submitKyc(t, agent);
    await ok(await reject(await moderator(), first.id, { reason: 'The photo is blurred.' }));
    const rejected = await ok<VerificationView>(await myCheck(agent));
    expect(rejected).toMatchObject({
      id: first.id,
      status: 'rejected',
      reason: 'The photo is blurred.',
      reviewedAt: expect.any(String),
    });
    const second = await submitKyc(t, agent);
    const res = await myCheck(agent);
    const body = await res.clone().text();
    expect(await ok<VerificationView>(res)).toEqual({ ...second, reason: null });
    expect(body).not.toMatch(/kyc|files|https?:|signature/);
  });
});

describe('KYC documents', () => {
  it('are unreachable by anyone but moderators, whichever route is tried', async () => {
    const agent = await pendingLister(t);
    await putProfile(t, agent);
    await createDraft(t, agent, propertyBody());
    const check = await submitKyc(t, agent);
    const row = await rowOf(check.id);
    const stranger = await signedInUser(t);
    const owner = await signedInUser(t, { roles: ['owner'] });

    const mentionsKyc = async (res: Response) => {
      const text = await res.text();
      return text.includes('kyc') || text.includes(row.idDocumentKey) || text.includes(check.id);
    };
    for (const headers of [{}, stranger.headers, agent.headers]) {
      for (const path of [
        `/api/v1/professionals/${agent.user.id}`,
        `/api/v1/professionals/${agent.user.id}/listings`,
        '/api/v1/listings?limit=100',
      ]) {
        const res = await t.request(path, { headers });
        expect(res.status, path).toBe(200);
        expect(await mentionsKyc(res), path).toBe(false);
      }
    }
    expect(
      await mentionsKyc(await t.request('/api/v1/me/listings', { headers: agent.headers })),
    ).toBe(false);
    expect(await mentionsKyc(await t.request('/api/v1/profile', { headers: agent.headers }))).toBe(
      false,
    );
    const own = await myCheck(agent);
    expect(own.status).toBe(200);
    expect(await own.text()).not.toMatch(/kyc\/|https?:|signature/);

    for (const who of [stranger, owner, agent]) {
      await expectProblem(await review(who, check.id), 403, 'forbidden');
      await expectProblem(await t.request(ADMIN, { headers: who.headers }), 403, 'forbidden');
    }
    for (const key of [row.idDocumentKey, row.licenseKey]) {
      expect((await t.request(`/files/${key}`)).status).toBe(404);
      const forged = `/files/${key}?expires=${Math.floor(Date.now() / 1000) + 300}&signature=${'A'.repeat(43)}`;
      expect((await t.request(forged)).status).toBe(404);
    }

    const staff = await moderator();
    const before = Date.now();
    const detail = await ok<VerificationReviewDetailView>(await review(staff, check.id));
    expect(detail.documents.map((d) => [d.field, d.contentType])).toEqual([
      ['idDocument', 'image/png'],
      ['license', 'application/pdf'],
    ]);
    for (const document of detail.documents) {
      const expiresAt = Date.parse(document.expiresAt);
      expect(expiresAt).toBeGreaterThanOrEqual(before + 299_000);
      expect(expiresAt).toBeLessThanOrEqual(Date.now() + 301_000);
      const expires = Number(new URL(document.url).searchParams.get('expires')) * 1000;
      expect(Math.abs(expires - expiresAt)).toBeLessThan(2_000);
      const { res, bytes } = await fetchFile(t, document.url);
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('private, no-store');
      expect(res.headers.get('content-type')).toBe(document.contentType);
      if (document.field === 'license')
        expect(Buffer.from(bytes).equals(Buffer.from(PDF))).toBe(true);
      // The signature holds for this key alone.
      const other = document.field === 'license' ? row.idDocumentKey : row.licenseKey;
      const { search } = new URL(document.url);
      expect((await t.request(`/files/${other}${search}`)).status).toBe(404);
    }
  });

  it('are read by a moderator through links that say not to cache them, audited each time', async () => {
    const agent = await pendingLister(t);
    const check = await submitKyc(t, agent);
    const staff = await moderator();
    const admin = await signedInUser(t, { roles: ['admin'] });
    const res = await review(staff, check.id);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const detail = await ok<VerificationReviewDetailView>(res);
    expect(detail).toMatchObject({
      id: check.id,
      userId: agent.user.id,
      status: 'pending',
      applicant: { fullName: 'Test User', email: agent.user.email, agencyName: null },
    });
    await ok(await review(admin, check.id));
    await ok(await review(staff, check.id));
    const entries = await auditOf('verification.documents_viewed', check.id);
    expect(entries.map((e) => e.actorId)).toEqual([staff.user.id, admin.user.id, staff.user.id]);
    expect(entries[0]?.metadata).toEqual({
      userId: agent.user.id,
      documents: ['idDocument', 'license'],
    });
  });

  it('answer 404 for an unknown check and 400 for an id that is not a UUID', async () => {
    const staff = await moderator();
    await expectProblem(await review(staff, crypto.randomUUID()), 404, 'not-found');
    await expectProblem(await approve(staff, crypto.randomUUID()), 404, 'not-found');
    await expectProblem(await reject(staff, crypto.randomUUID()), 404, 'not-found');
    await expectInvalid(await review(staff, 'not-an-id'), ['params.id']);
    await expectInvalid(await approve(staff, '42'), ['params.id']);
  });
});

describe('POST /admin/verifications/{id}/approve', () => {
  it('grants the role at once: the next publish goes live, on the token already issued', async () => {
    const agent = await pendingLister(t);
    await putProfile(t, agent);
    const waiting = await createDraft(t, agent, propertyBody());
    expect((await publish(agent, waiting.id)).status).toBe('pending_review');
    const check = await submitKyc(t, agent);
    expect(await cachedRoles(agent)).toEqual(['buyer']);

    const staff = await moderator();
    const approved = await ok<VerificationReviewView>(await approve(staff, check.id));
    expect(approved).toMatchObject({
      id: check.id,
      status: 'approved',
      reason: null,
      reviewedBy: staff.user.id,
      reviewedAt: expect.any(String),
      applicant: { agencyName: 'Bole Homes Realty' },
    });
    expect(await rolesOf(agent.user.id)).toEqual(['agent:granted', 'buyer:granted']);

    // Creating a listing needs the role in the session (nothing is pending any more).
    const draft = await createDraft(t, agent, propertyBody({ title: 'Fresh listing' }));
    expect((await publish(agent, draft.id)).status).toBe('active');
    expect(await cachedRoles(agent)).toEqual(['agent', 'buyer']);

    const profile = await ok<ProfessionalView>(
      await t.request(`/api/v1/professionals/${agent.user.id}`),
    );
    expect(profile).toMatchObject({ verified: true, roles: ['agent'], activeListings: 1 });
    expect(await ok<VerificationView>(await myCheck(agent))).toMatchObject({
      status: 'approved',
    });

    expect(await eventsOf('professional.verified', agent.user.id)).toEqual([
      {
        payload: {
          userId: agent.user.id,
          verificationId: check.id,
          role: 'agent',
          by: staff.user.id,
        },
      },
    ]);
    expect(await eventsOf('user.role_changed', agent.user.id)).toEqual([
      { payload: { userId: agent.user.id, added: ['agent'], removed: [], by: staff.user.id } },
    ]);
    expect(await auditOf('verification.approved', check.id)).toEqual([
      {
        actorId: staff.user.id,
        before: { status: 'pending' },
        after: { status: 'approved' },
        metadata: { userId: agent.user.id, role: 'agent' },
      },
    ]);
    expect(await auditOf('user.roles_changed', agent.user.id)).toEqual([
      {
        actorId: staff.user.id,
        before: { roles: ['buyer'] },
        after: { roles: ['buyer', 'agent'] },
        metadata: null,
      },
    ]);
  });

  it('gives the verified badge to an agent whose role an admin had granted', async () => {
    const agent = await signedInUser(t, { roles: ['agent'] });
    await putProfile(t, agent);
    const before = await ok<ProfessionalView>(
      await t.request(`/api/v1/professionals/${agent.user.id}`),
    );
    expect(before).toMatchObject({ verified: false, roles: ['agent'] });
    const check = await submitKyc(t, agent);
    const admin = await signedInUser(t, { roles: ['admin'] });
    await ok(await approve(admin, check.id));
    const after = await ok<ProfessionalView>(
      await t.request(`/api/v1/professionals/${agent.user.id}`),
    );
    expect(after).toMatchObject({ verified: true, roles: ['agent'] });
    // The role was already there: nothing changed, nothing to tell.
    expect(await eventsOf('user.role_changed', agent.user.id)).toEqual([]);
    expect(await eventsOf('professional.verified', agent.user.id)).toHaveLength(1);
  });

  it('decides a check once: a second decision is 409 not-pending', async () => {
    const agent = await pendingLister(t);
    const check = await submitKyc(t, agent);
    const [one, two] = [await moderator(), await moderator()];
    await ok(await approve(one, check.id));
    await expectProblem(await approve(two, check.id), 409, 'not-pending');
    await expectProblem(await reject(two, check.id), 409, 'not-pending');
    expect(await rowOf(check.id)).toMatchObject({ status: 'approved', reviewedBy: one.user.id });
    expect(await eventsOf('professional.verified', agent.user.id)).toHaveLength(1);
  });

  it('refuses a moderator’s decision on their own check', async () => {
    const staff = await moderator();
    await t.database.db
      .insert(userRoles)
      .values({ userId: staff.user.id, role: 'broker', status: 'pending' });
    const check = await submitKyc(t, staff);
    await expectProblem(await approve(staff, check.id), 403, 'own-verification');
    await expectProblem(await reject(staff, check.id), 403, 'own-verification');
    expect(await rowOf(check.id)).toMatchObject({ status: 'pending', reviewedBy: null });
    expect(await rolesOf(staff.user.id)).toContain('broker:pending');
  });
});

describe('POST /admin/verifications/{id}/reject', () => {
  it('tells the applicant why and keeps the role pending, so they may send again', async () => {
    const agent = await pendingLister(t);
    const check = await submitKyc(t, agent);
    const staff = await moderator();
    const reason = 'The license number does not match the register.';
    const rejected = await ok<VerificationReviewView>(
      await reject(staff, check.id, { reason: `  ${reason} ` }),
    );
    expect(rejected).toMatchObject({ status: 'rejected', reason, reviewedBy: staff.user.id });
    expect(await rolesOf(agent.user.id)).toEqual(['agent:pending', 'buyer:granted']);
    const draft = await createDraft(t, agent, propertyBody());
    expect((await publish(agent, draft.id)).status).toBe('pending_review');

    expect(await eventsOf('professional.rejected', agent.user.id)).toEqual([
      {
        payload: {
          userId: agent.user.id,
          verificationId: check.id,
          role: 'agent',
          reason,
          by: staff.user.id,
        },
      },
    ]);
    expect(await auditOf('verification.rejected', check.id)).toEqual([
      {
        actorId: staff.user.id,
        before: { status: 'pending' },
        after: { status: 'rejected', reason },
        metadata: { userId: agent.user.id, role: 'agent' },
      },
    ]);
    expect(await eventsOf('user.role_changed', agent.user.id)).toEqual([]);

    const second = await submitKyc(t, agent);
    expect(second.id).not.toBe(check.id);
    expect(await ok<VerificationView>(await myCheck(agent))).toMatchObject({
      id: second.id,
      status: 'pending',
    });
  });

  it('requires a reason of 3 to 500 characters', async () => {
    const agent = await pendingLister(t);
    const check = await submitKyc(t, agent);
    const staff = await moderator();
    await expectInvalid(await reject(staff, check.id, {}), ['body.reason']);
    await expectInvalid(await reject(staff, check.id, { reason: '  no ' }), ['body.reason']);
    await expectInvalid(await reject(staff, check.id, { reason: 'x'.repeat(501) }), [
      'body.reason',
    ]);
    await expectInvalid(await reject(staff, check.id, { reason: 'Blurry', note: 'x' }), [
      'body.note',
    ]);
    expect((await rowOf(check.id)).status).toBe('pending');
  });
});

describe('GET /admin/verifications', () => {
  it('walks the pending queue oldest first, and decided checks newest first', async () => {
    const staff = await moderator();
    const queued: string[] = [];
    const agents: SignedIn[] = [];
    for (let i = 0; i < 5; i++) {
      const agent = await pendingLister(t, i % 2 === 0 ? 'agent' : 'broker');
      if (i === 0) await putProfile(t, agent, { agencyName: 'First Agency' });
      agents.push(agent);
      queued.push((await submitKyc(t, agent)).id);
    }
    const pending: VerificationReviewView[] = [];
    let cursor: string | null = null;
    do {
      const page = await listChecks(staff, `?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.items.length).toBeLessThanOrEqual(2);
      pending.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    const ours = pending.filter((v) => queued.includes(v.id));
    expect(ours.map((v) => v.id)).toEqual(queued);
    expect(pending.every((v) => v.status === 'pending')).toBe(true);
    expect(ours[0]).toMatchObject({
      userId: agents[0]?.user.id,
      role: 'agent',
      applicant: {
        fullName: 'Test User',
        email: agents[0]?.user.email,
        agencyName: 'First Agency',
      },
    });
    expect(JSON.stringify(pending)).not.toMatch(/kyc\/|https?:/);

    const [a, b] = queued as [string, string];
    await ok(await reject(staff, a));
    await ok(await reject(staff, b));
    const rejected = (await listChecks(staff, '?status=rejected&limit=100')).items.map((v) => v.id);
    expect(rejected.filter((id) => id === a || id === b)).toEqual([b, a]);
    const stillPending = (await listChecks(staff, '?limit=100')).items.map((v) => v.id);
    expect(stillPending).not.toContain(a);

    const nextCursor = (await listChecks(staff, '?limit=1')).nextCursor;
    const crossed = await t.request(`${ADMIN}?status=rejected&cursor=${nextCursor}`, {
      headers: staff.headers,
    });
    await expectProblem(crossed, 400, 'invalid-cursor');
    await expectInvalid(await t.request(`${ADMIN}?status=waiting`, { headers: staff.headers }), [
      'query.status',
    ]);
  });
});

describe.runIf(process.env.TEST_DATABASE_URL)('KYC decisions at once (PostgreSQL)', () => {
  it('lets one of two simultaneous submissions through, the other 409', async () => {
    const agent = await pendingLister(t);
    const forms = await Promise.all(
      Array.from({ length: 4 }, async () => ({ idDocument: await pngFile(), license: pdfFile() })),
    );
    const results = await Promise.all(forms.map((form) => sendKyc(t, agent, form)));
    expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409, 409]);
    for (const res of results.filter((r) => r.status === 409)) {
      expect((await problemOf(res)).code).toBe('verification-pending');
    }
    const rows = await t.database.db
      .select()
      .from(verifications)
      .where(eq(verifications.userId, agent.user.id));
    expect(rows).toHaveLength(1);
    expect(await storedDocuments(agent.user.id)).toEqual([
      `${rows[0]?.id}/id-document.png`,
      `${rows[0]?.id}/license.pdf`,
    ]);
  });

  it('lets one of two moderators decide a check', async () => {
    const agent = await pendingLister(t);
    const check = await submitKyc(t, agent);
    const [one, two] = [await moderator(), await moderator()];
    const results = await Promise.all([approve(one, check.id), reject(two, check.id)]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
    const loser = results.find((r) => r.status === 409) as Response;
    expect((await problemOf(loser)).code).toBe('not-pending');
    const decided = await rowOf(check.id);
    const verifiedEvents = await eventsOf('professional.verified', agent.user.id);
    const rejectedEvents = await eventsOf('professional.rejected', agent.user.id);
    expect(verifiedEvents.length + rejectedEvents.length).toBe(1);
    expect(await rolesOf(agent.user.id)).toContain(
      decided.status === 'approved' ? 'agent:granted' : 'agent:pending',
    );
  });
});

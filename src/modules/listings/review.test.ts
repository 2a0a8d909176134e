import { and, asc, eq, inArray, isNull } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { type SignedIn, signedInUser } from '../../../test/factories.ts';
import { createTestApp, expectInvalid, expectProblem } from '../../../test/harness.ts';
import { securityCases } from '../../../test/security.ts';
import { auditLog } from '../../platform/audit/tables.ts';
import { outboxEvents } from '../../platform/events/tables.ts';
import {
  createActive,
  createDraft,
  lister,
  pendingLister,
  propertyBody,
  vehicleBody,
} from './listings.test-support.ts';
import type { AdminListingView } from './review.ts';
import { listingReports, listings } from './tables.ts';
import type { ListingView } from './views.ts';

const t = await createTestApp({ env: { LISTING_REPORTS_THRESHOLD: '5' } });
afterAll(() => t.close());

const BASE = '/api/v1/listings';
const ADMIN = '/api/v1/admin/listings';
const KYC_FLAG = {
  rule: 'unverified_professional',
  reason: 'The agent role still waits for its KYC check.',
};

const moderator = () => signedInUser(t, { roles: ['moderator'] });

const approve = (who: SignedIn, id: string, revision = 1) =>
  t.json('POST', `${ADMIN}/${id}/approve`, { revision }, who.headers);
const reject = (
  who: SignedIn,
  id: string,
  body: unknown = { reason: 'The photos show another flat.' },
) => t.json('POST', `${ADMIN}/${id}/reject`, body, who.headers);

async function listingOf(res: Response): Promise<ListingView> {
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as ListingView;
}

interface AdminPage {
  items: AdminListingView[];
  nextCursor: string | null;
}

async function queue(who: SignedIn, query = ''): Promise<AdminPage> {
  const res = await t.request(`${ADMIN}${query}`, { headers: who.headers });
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as AdminPage;
}

/** A KYC-pending agent's listing, published into review. */
async function inReview(body = propertyBody()): Promise<{ owner: SignedIn; listing: ListingView }> {
  const owner = await pendingLister(t);
  const draft = await createDraft(t, owner, body);
  const res = await t.request(`${BASE}/${draft.id}/publish`, {
    method: 'POST',
    headers: owner.headers,
  });
  const listing = await listingOf(res);
  expect(listing.status).toBe('pending_review');
  return { owner, listing };
}

const eventsOf = (listingId: string, names: string[]) =>
  t.database.db
    .select({ name: outboxEvents.name, payload: outboxEvents.payload })
    .from(outboxEvents)
    .where(and(eq(outboxEvents.aggregateId, listingId), inArray(outboxEvents.name, names)))
    .orderBy(asc(outboxEvents.occurredAt), asc(outboxEvents.id));

const auditOf = (listingId: string) =>
  t.database.db
    .select({
      action: auditLog.action,
      actorId: auditLog.actorId,
      before: auditLog.before,
      after: auditLog.after,
    })
    .from(auditLog)
    .where(and(eq(auditLog.resourceType, 'listing'), eq(auditLog.resourceId, listingId)))
    .orderBy(asc(auditLog.occurredAt), asc(auditLog.id));

const openReportsOf = (listingId: string) =>
  t.database.db
    .select()
    .from(listingReports)
    .where(and(eq(listingReports.subjectId, listingId), isNull(listingReports.resolvedAt)));

async function reportBy(n: number, listingId: string) {
  for (let i = 0; i < n; i++) {
    const who = await signedInUser(t, { createdAt: new Date(Date.now() - 30 * 86_400_000) });
    const res = await t.json(
      'POST',
      `${BASE}/${listingId}/reports`,
      { reason: 'spam' },
      who.headers,
    );
    expect(res.status, await res.clone().text()).toBe(201);
  }
}

const someId = crypto.randomUUID();
for (const route of [
  { method: 'GET', path: ADMIN },
  { method: 'POST', path: `${ADMIN}/${someId}/approve`, body: { revision: 1 } },
  { method: 'POST', path: `${ADMIN}/${someId}/reject`, body: { reason: 'Not a real flat.' } },
]) {
  securityCases(() => t, { ...route, allowed: ['moderator'], forbidden: ['owner', 'agent'] });
}

describe('GET /admin/listings', () => {
  it('lists listings in review, longest waiting first, with their flags and open reports', async () => {
    const mod = await moderator();
    const first = await inReview();
    const second = await inReview(vehicleBody());
    const active = await createActive(t, await lister(t), propertyBody());
    await reportBy(2, active.id);

    const ids = (await queue(mod, '?limit=100')).items.map((item) => item.id);
    expect(ids.indexOf(first.listing.id)).toBeLessThan(ids.indexOf(second.listing.id));
    expect(ids).not.toContain(active.id);
    const item = (await queue(mod, '?limit=100')).items.find((i) => i.id === first.listing.id);
    expect(item).toMatchObject({
      id: first.listing.id,
      status: 'pending_review',
      ownerId: first.owner.user.id,
      reviewFlags: [KYC_FLAG],
      openReports: 0,
      primaryPhoto: null,
    });

    const onMarket = await queue(mod, '?status=active&limit=100');
    expect(onMarket.items.every((i) => i.status === 'active')).toBe(true);
    expect(onMarket.items.find((i) => i.id === active.id)).toMatchObject({
      reviewFlags: [],
      openReports: 2,
    });
  });

  it('walks the queue by cursor in order of last change, each listing once', async () => {
    const mod = await moderator();
    const made: string[] = [];
    for (let i = 0; i < 7; i++) made.push((await inReview()).listing.id);
    // Ties on the time break by id; the order is the oldest change first.
    const base = Date.now() - 60_000;
    for (const [i, id] of made.entries()) {
      await t.database.db
        .update(listings)
        .set({ updatedAt: new Date(base + Math.floor((made.length - i) / 2) * 1000) })
        .where(eq(listings.id, id));
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: AdminPage = await queue(mod, `?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.items.map((item) => item.id));
      cursor = page.nextCursor;
    } while (cursor);
    const rows = await t.database.db
      .select({ id: listings.id })
      .from(listings)
      .where(eq(listings.status, 'pending_review'))
      .orderBy(asc(listings.updatedAt), asc(listings.id));
    expect(seen).toEqual(rows.map((r) => r.id));
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.filter((id) => made.includes(id))).toEqual(
      [...made].sort((a, b) => {
        const at = (id: string) => Math.floor((made.length - made.indexOf(id)) / 2);
        return at(a) - at(b) || (a < b ? -1 : 1);
      }),
    );
  });

  it('refuses an unknown status, a cursor of another status and a bad limit', async () => {
    const mod = await moderator();
    await inReview();
    await inReview();
    await expectInvalid(await t.request(`${ADMIN}?status=gone`, { headers: mod.headers }), [
      'query.status',
    ]);
    await expectInvalid(await t.request(`${ADMIN}?limit=0`, { headers: mod.headers }), [
      'query.limit',
    ]);
    const { nextCursor } = await queue(mod, '?limit=1');
    expect(nextCursor).toEqual(expect.any(String));
    const res = await t.request(`${ADMIN}?status=active&cursor=${nextCursor}`, {
      headers: mod.headers,
    });
    await expectProblem(res, 400, 'invalid-cursor');
  });

  it('is open to admins', async () => {
    const admin = await signedInUser(t, { roles: ['admin'] });
    const { listing } = await inReview();
    expect((await queue(admin, '?limit=100')).items.map((i) => i.id)).toContain(listing.id);
  });
});

describe('POST /admin/listings/{id}/approve', () => {
  it('puts the listing on the market, answers its reports, tells and audits it', async () => {
    const mod = await moderator();
    const { owner, listing } = await inReview();
    const before = Date.now();
    const approved = await listingOf(await approve(mod, listing.id));
    expect(approved).toMatchObject({ id: listing.id, status: 'active', rejectionReason: null });
    expect(Date.parse(approved.publishedAt ?? '')).toBeGreaterThanOrEqual(before - 1000);
    expect(Date.parse(approved.expiresAt ?? '')).toBeGreaterThan(Date.now() + 29 * 86_400_000);
    expect((await listingOf(await t.request(`${BASE}/${listing.id}`))).status).toBe('active');
    const [row] = await t.database.db
      .select({ reviewFlags: listings.reviewFlags })
      .from(listings)
      .where(eq(listings.id, listing.id));
    expect(row?.reviewFlags).toBeNull();

    const ref = { listingId: listing.id, ownerId: owner.user.id };
    expect(
      await eventsOf(listing.id, [
        'listing.status_changed',
        'listing.published',
        'listing.approved',
      ]),
    ).toEqual([
      { name: 'listing.status_changed', payload: { ...ref, from: 'draft', to: 'pending_review' } },
      { name: 'listing.status_changed', payload: { ...ref, from: 'pending_review', to: 'active' } },
      { name: 'listing.published', payload: { ...ref, kind: 'property' } },
      { name: 'listing.approved', payload: { ...ref, by: mod.user.id } },
    ]);
    expect(await auditOf(listing.id)).toEqual([
      {
        action: 'listing.status_changed',
        actorId: mod.user.id,
        before: { status: 'pending_review' },
        after: { status: 'active' },
      },
      {
        action: 'listing.approved',
        actorId: mod.user.id,
        before: { status: 'pending_review', reviewFlags: [KYC_FLAG] },
        after: { status: 'active' },
      },
    ]);
  });

  it('resolves the open reports of a listing that reports sent to review', async () => {
    const mod = await moderator();
    const listing = await createActive(t, await lister(t), propertyBody());
    await reportBy(5, listing.id);
    const [item] = (await queue(mod, '?limit=100')).items.filter((i) => i.id === listing.id);
    expect(item).toMatchObject({
      openReports: 5,
      reviewFlags: [{ rule: 'reports', reason: '5 users reported it: spam (5).' }],
    });
    await listingOf(await approve(mod, listing.id));
    expect(await openReportsOf(listing.id)).toEqual([]);
    const [row] = await t.database.db
      .select({ resolvedAt: listingReports.resolvedAt })
      .from(listingReports)
      .where(eq(listingReports.subjectId, listing.id))
      .limit(1);
    expect(row?.resolvedAt).toBeInstanceOf(Date);
  });

  it('answers 409 not-in-review for a listing in any other status', async () => {
    const mod = await moderator();
    const owner = await lister(t);
    const active = await createActive(t, owner, propertyBody());
    const draft = await createDraft(t, owner, propertyBody());
    const { listing } = await inReview();
    await listingOf(await approve(mod, listing.id));
    for (const id of [active.id, draft.id, listing.id]) {
      await expectProblem(await approve(mod, id), 409, 'not-in-review');
    }
    expect(await eventsOf(active.id, ['listing.approved'])).toEqual([]);
  });

  it('answers 404 for an unknown listing and 400 for an id that is not one', async () => {
    const mod = await moderator();
    await expectProblem(await approve(mod, crypto.randomUUID()), 404, 'not-found');
    await expectInvalid(await approve(mod, 'nope'), ['params.id']);
  });

  it('lets no moderator decide on their own listing', async () => {
    const mod = await signedInUser(t, { roles: ['moderator', 'agent'] });
    const draft = await createDraft(t, mod, propertyBody({ title: 'A flat of my own' }));
    await t.database.db
      .update(listings)
      .set({ status: 'pending_review' })
      .where(eq(listings.id, draft.id));
    await expectProblem(await approve(mod, draft.id), 403, 'own-listing');
    await expectProblem(await reject(mod, draft.id), 403, 'own-listing');
    await listingOf(await approve(await moderator(), draft.id));
  });
});

describe('POST /admin/listings/{id}/reject', () => {
  it('rejects a listing in review, tells the owner why, and audits it', async () => {
    const mod = await moderator();
    const { owner, listing } = await inReview();
    const reason = 'The photos show a different building.';
    const rejected = await listingOf(await reject(mod, listing.id, { reason: `  ${reason} ` }));
    expect(rejected).toMatchObject({
      status: 'rejected',
      rejectionReason: reason,
      publishedAt: null,
    });
    const seen = await listingOf(
      await t.request(`${BASE}/${listing.id}`, { headers: owner.headers }),
    );
    expect(seen).toMatchObject({ status: 'rejected', rejectionReason: reason });
    await expectProblem(await t.request(`${BASE}/${listing.id}`), 404, 'not-found');

    const ref = { listingId: listing.id, ownerId: owner.user.id };
    expect(await eventsOf(listing.id, ['listing.rejected', 'listing.published'])).toEqual([
      { name: 'listing.rejected', payload: { ...ref, reason, by: mod.user.id } },
    ]);
    expect((await auditOf(listing.id)).map((e) => [e.action, e.actorId, e.after])).toEqual([
      ['listing.status_changed', mod.user.id, { status: 'rejected' }],
      ['listing.rejected', mod.user.id, { status: 'rejected', reason }],
    ]);
  });

  it('takes an active listing down, answering its reports; the owner fixes it, and it comes back through review', async () => {
    const mod = await moderator();
    const owner = await lister(t);
    const listing = await createActive(t, owner, propertyBody());
    await reportBy(2, listing.id);
    await listingOf(await reject(mod, listing.id, { reason: 'Misleading price.' }));
    expect(await openReportsOf(listing.id)).toEqual([]);
    await expectProblem(await t.request(`${BASE}/${listing.id}`), 404, 'not-found');

    const fixed = await t.json(
      'PATCH',
      `${BASE}/${listing.id}`,
      { price: { amount: 1_300_000_000, currency: 'ETB' } },
      owner.headers,
    );
    expect((await listingOf(fixed)).status).toBe('rejected');
    const republished = await listingOf(
      await t.request(`${BASE}/${listing.id}/publish`, { method: 'POST', headers: owner.headers }),
    );
    expect(republished).toMatchObject({ status: 'pending_review', rejectionReason: null });
    const queued = (await queue(mod)).items.find((item) => item.id === listing.id);
    expect(queued?.reviewFlags).toEqual([
      {
        rule: 'previously_rejected',
        reason: 'A moderator rejected it before: Misleading price.',
      },
    ]);
    expect(await listingOf(await approve(mod, listing.id, 2))).toMatchObject({
      status: 'active',
      revision: 2,
    });
  });

  it('takes a listing under offer down too', async () => {
    const mod = await moderator();
    const owner = await lister(t);
    const listing = await createActive(t, owner, vehicleBody());
    await t.json('POST', `${BASE}/${listing.id}/status`, { status: 'under_offer' }, owner.headers);
    expect((await listingOf(await reject(mod, listing.id))).status).toBe('rejected');
  });

  it('answers 409 not-rejectable for a draft, a rejected, sold or archived listing', async () => {
    const mod = await moderator();
    const owner = await lister(t);
    const draft = await createDraft(t, owner, propertyBody());
    const sold = await createActive(t, owner, propertyBody());
    await t.json('POST', `${BASE}/${sold.id}/status`, { status: 'sold' }, owner.headers);
    const archived = await createActive(t, owner, propertyBody());
    await t.request(`${BASE}/${archived.id}`, { method: 'DELETE', headers: owner.headers });
    const { listing } = await inReview();
    await listingOf(await reject(mod, listing.id));
    for (const id of [draft.id, sold.id, archived.id, listing.id]) {
      await expectProblem(await reject(mod, id), 409, 'not-rejectable');
    }
    expect(await eventsOf(listing.id, ['listing.rejected'])).toHaveLength(1);
  });

  it('needs a reason of 3 to 500 characters', async () => {
    const mod = await moderator();
    const { listing } = await inReview();
    await expectInvalid(await reject(mod, listing.id, {}), ['body.reason']);
    await expectInvalid(await reject(mod, listing.id, { reason: '  no ' }), ['body.reason']);
    await expectInvalid(await reject(mod, listing.id, { reason: 'x'.repeat(501) }), [
      'body.reason',
    ]);
    await expectInvalid(await reject(mod, listing.id, { reason: 7 }), ['body.reason']);
    await expectProblem(await reject(mod, crypto.randomUUID()), 404, 'not-found');
    expect(
      (await listingOf(await t.request(`${BASE}/${listing.id}`, { headers: mod.headers }))).status,
    ).toBe('pending_review');
  });
});

describe.runIf(process.env.TEST_DATABASE_URL)('decisions at the same time', () => {
  it('ends rejected when an approval and a rejection come at once, in either order', async () => {
    const [a, b] = [await moderator(), await moderator()];
    const { listing } = await inReview();
    const [approved, rejected] = await Promise.all([approve(a, listing.id), reject(b, listing.id)]);
    // Rejected first, the approval finds nothing in review; approved first, the rejection
    // takes the listing down again. Either way each decision saw the other's outcome.
    expect(rejected.status).toBe(200);
    expect([200, 409]).toContain(approved.status);
    expect(await eventsOf(listing.id, ['listing.rejected'])).toHaveLength(1);
    expect(await eventsOf(listing.id, ['listing.approved'])).toHaveLength(
      approved.status === 200 ? 1 : 0,
    );
    const [row] = await t.database.db
      .select({ status: listings.status })
      .from(listings)
      .where(eq(listings.id, listing.id));
    expect(row?.status).toBe('rejected');
  });

  it('rejects once when two moderators reject at once', async () => {
    const [a, b] = [await moderator(), await moderator()];
    const { listing } = await inReview();
    const answers = await Promise.all([reject(a, listing.id), reject(b, listing.id)]);
    expect(answers.map((res) => res.status).sort()).toEqual([200, 409]);
    expect(await eventsOf(listing.id, ['listing.rejected'])).toHaveLength(1);
  });

  it('approves once when two moderators approve at once', async () => {
    const [a, b] = [await moderator(), await moderator()];
    const { listing } = await inReview();
    const answers = await Promise.all([approve(a, listing.id), approve(b, listing.id)]);
    expect(answers.map((res) => res.status).sort()).toEqual([200, 409]);
    expect(await eventsOf(listing.id, ['listing.published'])).toHaveLength(1);
  });
});

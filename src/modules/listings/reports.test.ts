import { and, asc, eq, inArray } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { type SignedIn, signedInUser } from '../../../test/factories.ts';
import { createTestApp, expectInvalid, expectProblem } from '../../../test/harness.ts';
import { securityCases } from '../../../test/security.ts';
import { auditLog } from '../../platform/audit/tables.ts';
import { outboxEvents } from '../../platform/events/tables.ts';
import { createActive, createDraft, lister, propertyBody } from './listings.test-support.ts';
import { listingReports } from './tables.ts';
import type { ListingView } from './views.ts';

const THRESHOLD = 3;
const t = await createTestApp({ env: { LISTING_REPORTS_THRESHOLD: String(THRESHOLD) } });
afterAll(() => t.close());

const BASE = '/api/v1/listings';

const report = (who: SignedIn, listingId: string, body: unknown = { reason: 'fraud' }) =>
  t.json('POST', `${BASE}/${listingId}/reports`, body, who.headers);

async function reported(who: SignedIn, listingId: string, body: unknown = { reason: 'fraud' }) {
  const res = await report(who, listingId, body);
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json()) as {
    id: string;
    reason: string;
    text: string | null;
    createdAt: string;
  };
}

async function statusOf(listingId: string, who?: SignedIn) {
  const res = await t.request(`${BASE}/${listingId}`, { headers: who?.headers ?? {} });
  if (res.status === 404) return 'hidden';
  return ((await res.json()) as ListingView).status;
}

const eventsOf = (listingId: string, names: string[]) =>
  t.database.db
    .select({ name: outboxEvents.name, payload: outboxEvents.payload })
    .from(outboxEvents)
    .where(and(eq(outboxEvents.aggregateId, listingId), inArray(outboxEvents.name, names)))
    .orderBy(asc(outboxEvents.occurredAt), asc(outboxEvents.id));

const reportsOf = (listingId: string) =>
  t.database.db.select().from(listingReports).where(eq(listingReports.subjectId, listingId));

const MONTH_AGO = new Date(Date.now() - 30 * 86_400_000);
/** Reporters whose reports count in full: proven accounts, a month old. */
const users = (n: number) =>
  Promise.all(Array.from({ length: n }, () => signedInUser(t, { createdAt: MONTH_AGO })));

securityCases(() => t, {
  method: 'POST',
  path: `${BASE}/${crypto.randomUUID()}/reports`,
  body: { reason: 'spam' },
  allowed: [],
});

describe('POST /listings/{id}/reports', () => {
  it('records a report and tells it as listing.reported', async () => {
    const owner = await lister(t);
    const buyer = await signedInUser(t);
    const listing = await createActive(t, owner, propertyBody());
    const body = await reported(buyer, listing.id, {
      reason: 'unavailable',
      text: '  Sold last month, the owner says.  ',
    });
    expect(body).toStrictEqual({
      id: expect.any(String),
      reason: 'unavailable',
      text: 'Sold last month, the owner says.',
      createdAt: expect.any(String),
    });
    expect(await reportsOf(listing.id)).toMatchObject([
      { id: body.id, reporterId: buyer.user.id, reason: 'unavailable', resolvedAt: null },
    ]);
    expect(await eventsOf(listing.id, ['listing.reported'])).toEqual([
      {
        name: 'listing.reported',
        payload: {
          listingId: listing.id,
          ownerId: owner.user.id,
          reportId: body.id,
          reason: 'unavailable',
        },
      },
    ]);
    expect(await statusOf(listing.id)).toBe('active');
  });

  it('keeps no text when none or only spaces are given', async () => {
    const listing = await createActive(t, await lister(t), propertyBody());
    expect((await reported(await signedInUser(t), listing.id, { reason: 'spam' })).text).toBeNull();
    const blank = await reported(await signedInUser(t), listing.id, { reason: 'spam', text: '  ' });
    expect(blank.text).toBeNull();
  });

  it(`keeps the listing on the market with ${THRESHOLD - 1} reporters and sends it to review at ${THRESHOLD}`, async () => {
    const owner = await lister(t);
    const listing = await createActive(t, owner, propertyBody());
    const [ada, bekele, chidi] = await users(3);
    if (!ada || !bekele || !chidi) throw new Error('no users');
    await reported(ada, listing.id, { reason: 'fraud' });
    await reported(bekele, listing.id, { reason: 'wrong_category' });
    expect(await statusOf(listing.id)).toBe('active');
    expect(await eventsOf(listing.id, ['listing.review_requested'])).toEqual([]);

    await reported(chidi, listing.id, { reason: 'fraud', text: 'Asked for a deposit by wire.' });
    expect(await statusOf(listing.id)).toBe('hidden');
    expect(await statusOf(listing.id, owner)).toBe('pending_review');
    const flags = [
      { rule: 'reports', reason: '3 users reported it: fraud (2), wrong category (1).' },
    ];
    expect(
      await eventsOf(listing.id, ['listing.status_changed', 'listing.review_requested']),
    ).toEqual([
      {
        name: 'listing.status_changed',
        payload: { listingId: listing.id, ownerId: owner.user.id, from: 'draft', to: 'active' },
      },
      {
        name: 'listing.status_changed',
        payload: {
          listingId: listing.id,
          ownerId: owner.user.id,
          from: 'active',
          to: 'pending_review',
        },
      },
      {
        name: 'listing.review_requested',
        payload: { listingId: listing.id, ownerId: owner.user.id, flags },
      },
    ]);
    // The reporter made no staff change: nothing is audited in their name.
    const audited = await t.database.db
      .select()
      .from(auditLog)
      .where(eq(auditLog.resourceId, listing.id));
    expect(audited).toEqual([]);
    // Off the market, it takes no more reports.
    await expectProblem(await report(await signedInUser(t), listing.id), 404, 'not-found');
  });

  it('takes one open report per user: a second is 409 already-reported and counts nothing', async () => {
    const listing = await createActive(t, await lister(t), propertyBody());
    const [ada, bekele] = await users(2);
    if (!ada || !bekele) throw new Error('no users');
    await reported(ada, listing.id);
    await expectProblem(await report(ada, listing.id, { reason: 'spam' }), 409, 'already-reported');
    await expectProblem(await report(ada, listing.id), 409, 'already-reported');
    await reported(bekele, listing.id);
    expect(await reportsOf(listing.id)).toHaveLength(2);
    expect(await statusOf(listing.id)).toBe('active');
  });

  it('counts only new reporters after a moderator approves the listing', async () => {
    const owner = await lister(t);
    const moderator = await signedInUser(t, { roles: ['moderator'] });
    const listing = await createActive(t, owner, propertyBody());
    const reporters = await users(THRESHOLD);
    for (const who of reporters) await reported(who, listing.id);
    const approve = await t.json(
      'POST',
      `/api/v1/admin/listings/${listing.id}/approve`,
      { revision: listing.revision },
      moderator.headers,
    );
    expect(approve.status, await approve.clone().text()).toBe(200);
    expect(await statusOf(listing.id)).toBe('active');

    // The same users may report again, and moderators see it; their view was weighed already.
    for (const who of reporters) await reported(who, listing.id);
    expect(await statusOf(listing.id)).toBe('active');
    const fresh = await users(THRESHOLD);
    for (const who of fresh.slice(0, THRESHOLD - 1)) await reported(who, listing.id);
    expect(await statusOf(listing.id)).toBe('active');
    await reported(fresh[THRESHOLD - 1] as SignedIn, listing.id);
    expect(await statusOf(listing.id, owner)).toBe('pending_review');
    expect(await reportsOf(listing.id)).toHaveLength(3 * THRESHOLD);
  });

  it('takes reports of a listing under offer', async () => {
    const owner = await lister(t);
    const listing = await createActive(t, owner, propertyBody());
    const offer = await t.json(
      'POST',
      `${BASE}/${listing.id}/status`,
      { status: 'under_offer' },
      owner.headers,
    );
    expect(offer.status).toBe(200);
    for (const who of await users(THRESHOLD)) await reported(who, listing.id);
    expect(await statusOf(listing.id, owner)).toBe('pending_review');
  });

  it('answers 422 own-listing to its owner', async () => {
    const owner = await lister(t);
    const listing = await createActive(t, owner, propertyBody());
    await expectProblem(await report(owner, listing.id), 422, 'own-listing');
    expect(await reportsOf(listing.id)).toEqual([]);
  });

  it('answers 404 for a listing off the market, even to its owner, and for an unknown one', async () => {
    const owner = await lister(t);
    const buyer = await signedInUser(t);
    const draft = await createDraft(t, owner, propertyBody());
    const sold = await createActive(t, owner, propertyBody());
    await t.json('POST', `${BASE}/${sold.id}/status`, { status: 'sold' }, owner.headers);
    for (const id of [draft.id, sold.id, crypto.randomUUID()]) {
      await expectProblem(await report(buyer, id), 404, 'not-found');
    }
    await expectProblem(await report(owner, draft.id), 404, 'not-found');
  });

  it('refuses a reason off the list, a long text, other fields and a bad id', async () => {
    const listing = await createActive(t, await lister(t), propertyBody());
    const buyer = await signedInUser(t);
    await expectInvalid(await report(buyer, listing.id, { reason: 'ugly' }), ['body.reason']);
    await expectInvalid(await report(buyer, listing.id, { text: 'no reason' }), ['body.reason']);
    await expectInvalid(
      await report(buyer, listing.id, { reason: 'other', text: 'x'.repeat(1001) }),
      ['body.text'],
    );
    await expectInvalid(await report(buyer, listing.id, { reason: 'other', text: 42 }), [
      'body.text',
    ]);
    const extra = await report(buyer, listing.id, { reason: 'other', listingId: listing.id });
    expect(extra.status).toBe(400);
    await expectInvalid(await report(buyer, 'not-a-uuid'), ['params.id']);
    const notJson = await t.request(`${BASE}/${listing.id}/reports`, {
      method: 'POST',
      headers: { ...buyer.headers, 'Content-Type': 'application/json' },
      body: '{"reason":',
    });
    expect(notJson.status).toBe(400);
    expect(await reportsOf(listing.id)).toEqual([]);
  });

  it('limits how many reports one user sends in an hour', async () => {
    const owner = await lister(t);
    const buyer = await signedInUser(t);
    const listings = [];
    for (let i = 0; i < 21; i++) listings.push(await createActive(t, owner, propertyBody()));
    for (const listing of listings.slice(0, 20)) await reported(buyer, listing.id);
    const last = listings[20] as ListingView;
    const res = await report(buyer, last.id);
    await expectProblem(res, 429, 'too-many-requests');
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await reportsOf(last.id)).toEqual([]);
  });
});

describe.runIf(process.env.TEST_DATABASE_URL)('reports at the same time', () => {
  it(`sends the listing to review exactly once when ${THRESHOLD + 2} users report it at once`, async () => {
    const owner = await lister(t);
    const listing = await createActive(t, owner, propertyBody());
    const reporters = await users(THRESHOLD + 2);
    const answers = await Promise.all(reporters.map((who) => report(who, listing.id)));
    const statuses = answers.map((res) => res.status).sort();
    expect(statuses).toEqual([
      ...Array.from({ length: THRESHOLD }, () => 201),
      ...Array.from({ length: 2 }, () => 404),
    ]);
    expect(await eventsOf(listing.id, ['listing.review_requested'])).toHaveLength(1);
    expect(await eventsOf(listing.id, ['listing.reported'])).toHaveLength(THRESHOLD);
    expect(await statusOf(listing.id, owner)).toBe('pending_review');
  });

  it('answers 409, never 500, to the same user reporting twice at once', async () => {
    const listing = await createActive(t, await lister(t), propertyBody());
    const buyer = await signedInUser(t);
    const answers = await Promise.all([report(buyer, listing.id), report(buyer, listing.id)]);
    expect(answers.map((res) => res.status).sort()).toEqual([201, 409]);
    expect(await reportsOf(listing.id)).toHaveLength(1);
  });
});

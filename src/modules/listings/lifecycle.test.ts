import { and, eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SignedIn, signedInUser } from '../../../test/factories.ts';
import { createTestApp, expectInvalid, problemOf, type TestApp } from '../../../test/harness.ts';
import { securityCases } from '../../../test/security.ts';
import { auditLog } from '../../platform/audit/tables.ts';
import { outboxEvents } from '../../platform/events/tables.ts';
import { listingsModule } from './index.ts';
import {
  type Body,
  createActive,
  createDraft,
  type ListingPage,
  lister,
  propertyBody,
} from './listings.test-support.ts';
import { listings } from './tables.ts';
import type { ListingView } from './views.ts';

const t = await createTestApp();
afterAll(() => t.close());

const DAY = 86_400_000;
const later = (from: Date | string, ms: number) => new Date(new Date(from).getTime() + ms);

let admin: SignedIn;
let moderator: SignedIn;
beforeAll(async () => {
  admin = await signedInUser(t, { roles: ['admin'] });
  moderator = await signedInUser(t, { roles: ['moderator'] });
});

/** A town of its own, so a search sees only this test's listings. */
const newTown = () => `Town ${crypto.randomUUID().slice(0, 8)}`;

/** An apartment in `town`, its description unlike any other account's (no duplicate flag). */
const flatIn = (town: string, overrides: Body = {}): Body =>
  propertyBody({
    description: `A bright flat with a balcony, reference ${crypto.randomUUID()}.`,
    location: { city: town, countryCode: 'ET', lat: 8.99, lng: 38.78 },
    ...overrides,
  });

/** Runs a schedule of the module as the worker would, at `now`. */
async function runJob(name: string, now: Date, app: TestApp = t): Promise<void> {
  const schedule = listingsModule.schedules?.find((s) => s.name === name);
  if (!schedule) throw new Error(`no schedule ${name}`);
  await schedule.run(app.ctx(), now);
}

const eventsOf = (name: string, aggregateId: string, app: TestApp = t) =>
  app.database.db
    .select()
    .from(outboxEvents)
    .where(and(eq(outboxEvents.name, name), eq(outboxEvents.aggregateId, aggregateId)));

async function rowOf(id: string, app: TestApp = t) {
  const [row] = await app.database.db.select().from(listings).where(eq(listings.id, id));
  if (!row) throw new Error(`no listing ${id}`);
  return row;
}

async function idsIn(town: string): Promise<string[]> {
  const res = await t.request(`/api/v1/listings?city=${encodeURIComponent(town)}`);
  expect(res.status).toBe(200);
  return ((await res.json()) as ListingPage).items.map((item) => item.id);
}

const feature = (who: SignedIn, id: string, body: unknown = { days: 1 }) =>
  t.json('POST', `/api/v1/admin/listings/${id}/feature`, body, who.headers);

const unfeature = (who: SignedIn, id: string) =>
  t.request(`/api/v1/admin/listings/${id}/feature`, { method: 'DELETE', headers: who.headers });

const renew = (who: SignedIn, id: string, app: TestApp = t) =>
  app.request(`/api/v1/listings/${id}/renew`, { method: 'POST', headers: who.headers });

async function featured(id: string, days: number): Promise<ListingView> {
  const res = await feature(admin, id, { days });
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as ListingView;
}

async function renewed(who: SignedIn, id: string, app: TestApp = t): Promise<ListingView> {
  const res = await renew(who, id, app);
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as ListingView;
}

const setStatus = (who: SignedIn, id: string, status: string) =>
  t.json('POST', `/api/v1/listings/${id}/status`, { status }, who.headers);

const someId = crypto.randomUUID();
securityCases(() => t, {
  method: 'POST',
  path: `/api/v1/admin/listings/${someId}/feature`,
  body: { days: 7 },
  allowed: ['admin'],
  forbidden: ['moderator'],
});
securityCases(() => t, {
  method: 'DELETE',
  path: `/api/v1/admin/listings/${someId}/feature`,
  allowed: ['admin'],
  forbidden: ['owner'],
});
securityCases(() => t, { method: 'POST', path: `/api/v1/listings/${someId}/renew`, allowed: [] });

/** `count` listings of one lister on the market, published now, expiring in 90 days. */
async function insertActive(count: number, name: string) {
  const owner = await lister(t);
  const publishedAt = new Date();
  const rows = await t.database.db
    .insert(listings)
    .values(
      Array.from({ length: count }, (_, i) => ({
        ownerId: owner.user.id,
        kind: 'property' as const,
        purpose: 'sale' as const,
        title: `${name} flat ${i}`,
        description: `${name} flat ${i}`,
        priceAmount: 1_000_000,
        priceCurrency: 'ETB',
        city: `${name}ville`,
        countryCode: 'ET',
        lat: 9,
        lng: 38.7,
        status: 'active' as const,
        publishedAt,
        expiresAt: later(publishedAt, 90 * DAY),
      })),
    )
    .returning({ id: listings.id });
  return { publishedAt, ids: rows.map((r) => r.id) };
}

describe('schedules', () => {
  it('registers the feature, expiry and saved-search jobs to run every minute', () => {
    const every = '0 * * * * *';
    expect(listingsModule.schedules?.map((s) => [s.name, s.cron])).toEqual([
      ['listings.end-features', every],
      ['listings.expire', every],
      ['listings.match-saved-searches', every],
    ]);
    expect(t.services.schedules.map((s) => s.name)).toEqual(
      expect.arrayContaining(['listings.end-features', 'listings.expire']),
    );
  });
});

describe('POST /admin/listings/{id}/feature', () => {
  it('features a listing for some days, first in search until the job clears it', async () => {
    const owner = await lister(t);
    const town = newTown();
    const older = await createActive(t, owner, flatIn(town));
    const newer = await createActive(t, owner, flatIn(town));
    expect(await idsIn(town)).toEqual([newer.id, older.id]);

    const before = Date.now();
    const listing = await featured(older.id, 2);
    const until = new Date(listing.featuredUntil as string);
    expect(until.getTime()).toBeGreaterThanOrEqual(before + 2 * DAY);
    expect(until.getTime()).toBeLessThanOrEqual(Date.now() + 2 * DAY);
    expect(await idsIn(town)).toEqual([older.id, newer.id]);
    expect((await eventsOf('listing.featured', older.id)).map((e) => e.payload)).toEqual([
      {
        listingId: older.id,
        ownerId: owner.user.id,
        featuredUntil: until.toISOString(),
        by: admin.user.id,
      },
    ]);
    const audits = await t.database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'listing.featured'), eq(auditLog.resourceId, older.id)));
    expect(audits).toMatchObject([
      {
        actorId: admin.user.id,
        before: { featuredUntil: null },
        after: { featuredUntil: until.toISOString() },
      },
    ]);

    await runJob('listings.end-features', new Date(until.getTime() - 1));
    expect((await rowOf(older.id)).featuredUntil).toEqual(until);
    expect(await idsIn(town)).toEqual([older.id, newer.id]);

    await runJob('listings.end-features', until);
    expect((await rowOf(older.id)).featuredUntil).toBeNull();
    expect(await idsIn(town)).toEqual([newer.id, older.id]);
  });

  it('extends a running feature from its end, and starts an ended one from now', async () => {
    const owner = await lister(t);
    const listing = await createActive(t, owner, flatIn(newTown()));
    const first = new Date((await featured(listing.id, 7)).featuredUntil as string);
    const extended = await featured(listing.id, 3);
    expect(extended.featuredUntil).toBe(later(first, 3 * DAY).toISOString());

    // Lapsed an hour ago, before the job came round: the new days count from now.
    await t.database.db
      .update(listings)
      .set({ featuredUntil: new Date(Date.now() - 3_600_000) })
      .where(eq(listings.id, listing.id));
    const before = Date.now();
    const restarted = new Date((await featured(listing.id, 1)).featuredUntil as string);
    expect(restarted.getTime()).toBeGreaterThanOrEqual(before + DAY);
    expect(restarted.getTime()).toBeLessThanOrEqual(Date.now() + DAY);
    expect(await eventsOf('listing.featured', listing.id)).toHaveLength(3);
  });

  it('features listings under offer, and refuses those off the market with 409', async () => {
    const owner = await lister(t);
    const underOffer = await createActive(t, owner, flatIn(newTown()));
    expect((await setStatus(owner, underOffer.id, 'under_offer')).status).toBe(200);
    await featured(underOffer.id, 1);

    const draft = await createDraft(t, owner, flatIn(newTown()));
    const sold = await createActive(t, owner, flatIn(newTown()));
    expect((await setStatus(owner, sold.id, 'sold')).status).toBe(200);
    for (const id of [draft.id, sold.id]) {
      const res = await feature(admin, id);
      expect(res.status).toBe(409);
      expect((await problemOf(res)).code).toBe('not-on-market');
      expect((await rowOf(id)).featuredUntil).toBeNull();
    }
    expect((await feature(admin, crypto.randomUUID())).status).toBe(404);
  });

  it('is for admins only: moderators and the owner get 403', async () => {
    const owner = await lister(t);
    const listing = await createActive(t, owner, flatIn(newTown()));
    for (const who of [owner, moderator]) {
      const res = await feature(who, listing.id);
      expect(res.status).toBe(403);
      expect((await problemOf(res)).code).toBe('forbidden');
    }
    expect((await rowOf(listing.id)).featuredUntil).toBeNull();
  });

  it('takes 1 to 365 whole days', async () => {
    const owner = await lister(t);
    const listing = await createActive(t, owner, flatIn(newTown()));
    for (const days of [0, 366, 2.5, '7', null]) {
      await expectInvalid(await feature(admin, listing.id, { days }), ['body.days']);
    }
    await expectInvalid(await feature(admin, listing.id, {}), ['body.days']);
    await expectInvalid(await feature(admin, listing.id, { days: 1, until: 'x' }), ['body.until']);
    await expectInvalid(await feature(admin, 'nope'), ['params.id']);
    const res = await t.request(`/api/v1/admin/listings/${listing.id}/feature`, {
      method: 'POST',
      headers: { ...admin.headers, 'Content-Type': 'application/json' },
      body: '{"days":',
    });
    expect(res.status).toBe(400);
    expect((await rowOf(listing.id)).featuredUntil).toBeNull();
  });
});

describe('DELETE /admin/listings/{id}/feature', () => {
  it('ends a feature early, audited, and is harmless twice', async () => {
    const owner = await lister(t);
    const listing = await createActive(t, owner, flatIn(newTown()));
    await featured(listing.id, 30);
    for (let i = 0; i < 2; i++) {
      const res = await unfeature(admin, listing.id);
      expect(res.status).toBe(200);
      expect(((await res.json()) as ListingView).featuredUntil).toBeNull();
    }
    expect((await rowOf(listing.id)).featuredUntil).toBeNull();
    const audits = await t.database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'listing.unfeatured'), eq(auditLog.resourceId, listing.id)));
    expect(audits).toHaveLength(1);
    expect((await unfeature(moderator, listing.id)).status).toBe(403);
    expect((await unfeature(admin, crypto.randomUUID())).status).toBe(404);
  });
});

describe('expiry', () => {
  it('warns once ahead of the expiry, then takes the listing off the market after 90 days', async () => {
    const owner = await lister(t);
    const town = newTown();
    const listing = await createActive(t, owner, flatIn(town));
    const published = listing.publishedAt as string;
    const expiresAt = later(published, 90 * DAY);
    expect(listing.expiresAt).toBe(expiresAt.toISOString());

    await runJob('listings.expire', later(published, 82 * DAY));
    expect(await eventsOf('listing.expiring', listing.id)).toHaveLength(0);

    const warnedAt = later(published, 84 * DAY);
    await runJob('listings.expire', warnedAt);
    expect((await eventsOf('listing.expiring', listing.id)).map((e) => e.payload)).toEqual([
      { listingId: listing.id, ownerId: owner.user.id, expiresAt: expiresAt.toISOString() },
    ]);
    expect(await rowOf(listing.id)).toMatchObject({ status: 'active', expiryWarnedAt: warnedAt });

    await runJob('listings.expire', later(published, 85 * DAY));
    await runJob('listings.expire', later(expiresAt, -1));
    expect(await eventsOf('listing.expiring', listing.id)).toHaveLength(1);
    expect((await rowOf(listing.id)).status).toBe('active');
    expect(await idsIn(town)).toEqual([listing.id]);

    await runJob('listings.expire', later(published, 91 * DAY));
    expect((await rowOf(listing.id)).status).toBe('expired');
    const expiries = async () =>
      (await eventsOf('listing.status_changed', listing.id))
        .map((e) => e.payload)
        .filter((p) => (p as { to: string }).to === 'expired');
    expect(await expiries()).toEqual([
      { listingId: listing.id, ownerId: owner.user.id, from: 'active', to: 'expired' },
    ]);
    expect(await idsIn(town)).toEqual([]);
    expect((await t.request(`/api/v1/listings/${listing.id}`)).status).toBe(404);
    const own = await t.request(`/api/v1/listings/${listing.id}`, { headers: owner.headers });
    expect(((await own.json()) as ListingView).status).toBe('expired');

    await runJob('listings.expire', later(published, 92 * DAY));
    expect(await expiries()).toHaveLength(1);
  });

  it('expires listings under offer too, and leaves the others alone', async () => {
    const owner = await lister(t);
    const underOffer = await createActive(t, owner, flatIn(newTown()));
    expect((await setStatus(owner, underOffer.id, 'under_offer')).status).toBe(200);
    const sold = await createActive(t, owner, flatIn(newTown()));
    expect((await setStatus(owner, sold.id, 'sold')).status).toBe(200);
    const draft = await createDraft(t, owner, flatIn(newTown()));
    await runJob('listings.expire', later(underOffer.publishedAt as string, 91 * DAY));
    expect((await rowOf(underOffer.id)).status).toBe('expired');
    expect((await rowOf(sold.id)).status).toBe('sold');
    expect((await rowOf(draft.id)).status).toBe('draft');
    expect(await eventsOf('listing.expiring', sold.id)).toHaveLength(0);
  });

  it('works through more listings than one batch, each once', async () => {
    const { publishedAt, ids } = await insertActive(205, 'Bulk');
    const named = (name: string) =>
      t.database.db
        .select({ id: outboxEvents.aggregateId })
        .from(outboxEvents)
        .where(and(eq(outboxEvents.name, name), inArray(outboxEvents.aggregateId, ids)));

    await runJob('listings.expire', later(publishedAt, 85 * DAY));
    expect((await named('listing.expiring')).map((e) => e.id).sort()).toEqual([...ids].sort());
    await runJob('listings.expire', later(publishedAt, 91 * DAY));
    expect((await named('listing.status_changed')).map((e) => e.id).sort()).toEqual(
      [...ids].sort(),
    );
    const statuses = await t.database.db
      .selectDistinct({ status: listings.status })
      .from(listings)
      .where(inArray(listings.id, ids));
    expect(statuses).toEqual([{ status: 'expired' }]);
  });
});

describe('POST /listings/{id}/renew', () => {
  it('gives a listing on the market a new period and, later, a new warning', async () => {
    const owner = await lister(t);
    const listing = await createActive(t, owner, flatIn(newTown()));
    await runJob('listings.expire', later(listing.publishedAt as string, 84 * DAY));
    expect((await rowOf(listing.id)).expiryWarnedAt).not.toBeNull();

    const before = Date.now();
    const renewedListing = await renewed(owner, listing.id);
    const expiresAt = new Date(renewedListing.expiresAt as string);
    expect(expiresAt.getTime()).toBeGreaterThanOrEqual(before + 90 * DAY);
    expect(expiresAt.getTime()).toBeLessThanOrEqual(Date.now() + 90 * DAY);
    expect(renewedListing).toMatchObject({ status: 'active', publishedAt: listing.publishedAt });
    expect((await rowOf(listing.id)).expiryWarnedAt).toBeNull();
    expect((await eventsOf('listing.renewed', listing.id)).map((e) => e.payload)).toEqual([
      { listingId: listing.id, ownerId: owner.user.id, expiresAt: expiresAt.toISOString() },
    ]);

    await runJob('listings.expire', later(expiresAt, -6 * DAY));
    expect(await eventsOf('listing.expiring', listing.id)).toHaveLength(2);
    expect((await rowOf(listing.id)).status).toBe('active');

    expect((await setStatus(owner, listing.id, 'under_offer')).status).toBe(200);
    expect((await renewed(owner, listing.id)).status).toBe('under_offer');
  });

  it('puts an expired listing back on the market for a new period, without review', async () => {
    const owner = await lister(t);
    const town = newTown();
    const listing = await createActive(t, owner, flatIn(town));
    await runJob('listings.expire', later(listing.publishedAt as string, 91 * DAY));
    expect((await rowOf(listing.id)).status).toBe('expired');

    const back = await renewed(owner, listing.id);
    expect(back.status).toBe('active');
    expect(new Date(back.publishedAt as string).getTime()).toBeGreaterThan(
      new Date(listing.publishedAt as string).getTime(),
    );
    expect(back.expiresAt).toBe(later(back.publishedAt as string, 90 * DAY).toISOString());
    expect(await eventsOf('listing.published', listing.id)).toHaveLength(2);
    expect(await eventsOf('listing.renewed', listing.id)).toHaveLength(1);
    expect(await idsIn(town)).toEqual([listing.id]);
  });

  it('refuses drafts, sold and archived listings with 409', async () => {
    const owner = await lister(t);
    const draft = await createDraft(t, owner, flatIn(newTown()));
    const sold = await createActive(t, owner, flatIn(newTown()));
    expect((await setStatus(owner, sold.id, 'sold')).status).toBe(200);
    for (const id of [draft.id, sold.id]) {
      const res = await renew(owner, id);
      expect(res.status).toBe(409);
      expect((await problemOf(res)).code).toBe('not-renewable');
    }
    const archived = await createActive(t, owner, flatIn(newTown()));
    const archive = await t.request(`/api/v1/listings/${archived.id}`, {
      method: 'DELETE',
      headers: owner.headers,
    });
    expect(archive.status).toBe(204);
    const res = await renew(owner, archived.id);
    expect(res.status).toBe(409);
    expect((await problemOf(res)).code).toBe('listing-archived');
    expect(await eventsOf('listing.renewed', sold.id)).toHaveLength(0);
  });

  it('is for the owner or an admin, who is audited', async () => {
    const owner = await lister(t);
    const stranger = await lister(t);
    const listing = await createActive(t, owner, flatIn(newTown()));
    const draft = await createDraft(t, owner, flatIn(newTown()));
    expect((await renew(stranger, listing.id)).status).toBe(403);
    expect((await renew(moderator, listing.id)).status).toBe(403);
    expect((await renew(stranger, draft.id)).status).toBe(404);
    expect((await renew(stranger, crypto.randomUUID())).status).toBe(404);
    await expectInvalid(await renew(stranger, 'nope'), ['params.id']);
    expect(await eventsOf('listing.renewed', listing.id)).toHaveLength(0);

    await renewed(admin, listing.id);
    const audits = await t.database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'listing.renewed'), eq(auditLog.resourceId, listing.id)));
    expect(audits).toMatchObject([
      { actorId: admin.user.id, metadata: { ownerId: owner.user.id } },
    ]);
  });
});

describe('with LISTING_EXPIRY_DAYS=30 and LISTING_EXPIRY_WARNING_DAYS=3', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp({
      env: { LISTING_EXPIRY_DAYS: '30', LISTING_EXPIRY_WARNING_DAYS: '3' },
    });
  });
  afterAll(() => app.close());

  it('expires, warns and renews by the configured periods', async () => {
    const owner = await lister(app);
    const listing = await createActive(app, owner, flatIn(newTown()));
    const published = listing.publishedAt as string;
    expect(listing.expiresAt).toBe(later(published, 30 * DAY).toISOString());

    await runJob('listings.expire', later(published, 26 * DAY), app);
    expect(await eventsOf('listing.expiring', listing.id, app)).toHaveLength(0);
    await runJob('listings.expire', later(published, 27 * DAY), app);
    expect(await eventsOf('listing.expiring', listing.id, app)).toHaveLength(1);

    const before = Date.now();
    const expiresAt = new Date((await renewed(owner, listing.id, app)).expiresAt as string);
    expect(expiresAt.getTime()).toBeGreaterThanOrEqual(before + 30 * DAY);
    expect(expiresAt.getTime()).toBeLessThanOrEqual(Date.now() + 30 * DAY);

    await runJob('listings.expire', later(expiresAt, 1), app);
    expect((await rowOf(listing.id, app)).status).toBe('expired');
  });
});

describe.runIf(process.env.TEST_DATABASE_URL)('two workers at once (PostgreSQL)', () => {
  it('warn and expire each listing once', async () => {
    const { publishedAt, ids } = await insertActive(450, 'Raced');
    const count = async (name: string) =>
      (
        await t.database.db
          .select({ id: outboxEvents.aggregateId })
          .from(outboxEvents)
          .where(and(eq(outboxEvents.name, name), inArray(outboxEvents.aggregateId, ids)))
      ).length;

    const warnAt = later(publishedAt, 85 * DAY);
    await Promise.all([runJob('listings.expire', warnAt), runJob('listings.expire', warnAt)]);
    expect(await count('listing.expiring')).toBe(450);
    const expireAt = later(publishedAt, 91 * DAY);
    await Promise.all([runJob('listings.expire', expireAt), runJob('listings.expire', expireAt)]);
    expect(await count('listing.status_changed')).toBe(450);
  });
});

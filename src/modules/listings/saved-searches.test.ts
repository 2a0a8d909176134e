import { and, eq, inArray } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { type SignedIn, signedInUser } from '../../../test/factories.ts';
import { createTestApp, expectInvalid, problemOf } from '../../../test/harness.ts';
import { securityCases } from '../../../test/security.ts';
import { outboxEvents } from '../../platform/events/tables.ts';
import { listingsModule } from './index.ts';
import {
  type Body,
  createActive,
  type ListingPage,
  lister,
  propertyBody,
  vehicleBody,
} from './listings.test-support.ts';
import type { SavedSearchView } from './saved-searches.ts';
import { listings, savedSearches, savedSearchMatches } from './tables.ts';

const t = await createTestApp();
afterAll(() => t.close());

interface SavedSearchPage {
  items: SavedSearchView[];
  nextCursor: string | null;
}

const MINUTE = 60_000;

/** A town of its own, so a search matches only this test's listings. */
const newTown = () => `Town ${crypto.randomUUID().slice(0, 8)}`;

/** An apartment in `town`, its description unlike any other account's (no duplicate flag). */
const flatIn = (town: string, overrides: Body = {}, place = { lat: 8.99, lng: 38.78 }): Body =>
  propertyBody({
    description: `A bright flat with a balcony, reference ${crypto.randomUUID()}.`,
    location: { city: town, countryCode: 'ET', ...place },
    ...overrides,
  });

const create = (who: SignedIn, body: unknown) =>
  t.json('POST', '/api/v1/saved-searches', body, who.headers);

async function saved(who: SignedIn, body: Body): Promise<SavedSearchView> {
  const res = await create(who, { name: 'My search', frequency: 'daily', ...body });
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json()) as SavedSearchView;
}

const remove = (who: SignedIn, id: string) =>
  t.request(`/api/v1/saved-searches/${id}`, { method: 'DELETE', headers: who.headers });

async function list(who: SignedIn, query = ''): Promise<SavedSearchPage> {
  const res = await t.request(`/api/v1/saved-searches${query}`, { headers: who.headers });
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as SavedSearchPage;
}

async function match(now = new Date()): Promise<void> {
  const schedule = listingsModule.schedules?.find(
    (s) => s.name === 'listings.match-saved-searches',
  );
  if (!schedule) throw new Error('the matcher is not a schedule of the module');
  await schedule.run(t.ctx(), now);
}

/** The saved_search.matched events of `search`, as the listings they name. */
async function alerted(search: SavedSearchView): Promise<string[]> {
  const events = await t.database.db
    .select()
    .from(outboxEvents)
    .where(
      and(eq(outboxEvents.name, 'saved_search.matched'), eq(outboxEvents.aggregateId, search.id)),
    );
  return events.map((e) => (e.payload as { listingId: string }).listingId).sort();
}

const someId = crypto.randomUUID();
for (const route of [
  {
    method: 'POST',
    path: '/api/v1/saved-searches',
    body: { name: 'Flats', filters: {}, frequency: 'instant' },
  },
  { method: 'GET', path: '/api/v1/saved-searches' },
  { method: 'DELETE', path: `/api/v1/saved-searches/${someId}` },
]) {
  securityCases(() => t, { ...route, allowed: [] });
}

describe('POST /saved-searches', () => {
  it('saves the filters in the form GET /listings takes them', async () => {
    const buyer = await signedInUser(t);
    const search = await saved(buyer, {
      name: '  Flats in Bole  ',
      frequency: 'weekly',
      filters: {
        kind: 'property',
        city: ' Addis Ababa ',
        currency: 'etb',
        priceMin: 100_000,
        priceMax: '900000000',
        propertyType: 'apartment, condo',
        bedroomsMin: 2,
        furnished: 'true',
        near: '8.99,38.78',
        radiusKm: 5,
        q: 'sunny',
      },
    });
    const expected = {
      kind: 'property',
      city: 'Addis Ababa',
      currency: 'ETB',
      priceMin: 100_000,
      priceMax: 900_000_000,
      propertyType: 'apartment,condo',
      bedroomsMin: 2,
      furnished: 'true',
      near: '8.99,38.78',
      radiusKm: 5,
      q: 'sunny',
    };
    expect(search).toEqual({
      id: expect.any(String),
      name: 'Flats in Bole',
      frequency: 'weekly',
      filters: expected,
      createdAt: expect.any(String),
    });
    expect((await list(buyer)).items).toEqual([search]);
    const query = new URLSearchParams(
      Object.entries(search.filters).map(([k, v]) => [k, String(v)]),
    );
    expect((await t.request(`/api/v1/listings?${query}`)).status).toBe(200);
  });

  it('takes a box and no filters at all', async () => {
    const buyer = await signedInUser(t);
    const boxed = await saved(buyer, { filters: { bbox: '8.9,38.7,9.1,38.9', kind: 'vehicle' } });
    expect(boxed.filters).toEqual({ bbox: '8.9,38.7,9.1,38.9', kind: 'vehicle' });
    const everything = await saved(buyer, { filters: {} });
    expect(everything.filters).toEqual({});
  });

  it('names every bad field, filters as GET /listings checks them', async () => {
    const buyer = await signedInUser(t);
    await expectInvalid(await create(buyer, {}), ['body.name', 'body.filters', 'body.frequency']);
    await expectInvalid(
      await create(buyer, {
        name: '  ',
        filters: { priceMin: 0, currency: 'ETB', sort: 'newest', limit: 5 },
        frequency: 'hourly',
        extra: true,
      }),
      [
        'body.name',
        'body.filters.priceMin',
        'body.filters.sort',
        'body.filters.limit',
        'body.frequency',
        'body.extra',
      ],
    );
    const bad: [Body, string[]][] = [
      [{ priceMin: 5 }, ['body.filters.currency']],
      [{ priceMin: 9, priceMax: 5, currency: 'ETB' }, ['body.filters.priceMax']],
      [{ kind: 'vehicle', bedroomsMin: 2 }, ['body.filters.bedroomsMin']],
      [{ radiusKm: 3 }, ['body.filters.radiusKm']],
      [{ near: '91,10' }, ['body.filters.near']],
      [{ bbox: '1,2,3' }, ['body.filters.bbox']],
      [{ propertyType: 'castle' }, ['body.filters.propertyType']],
      [{ fuel: ['petrol'] }, ['body.filters.fuel']],
      [{ city: 42 }, ['body.filters.city']],
      [{ bedroomsMin: 'two' }, ['body.filters.bedroomsMin']],
      [{ q: '!!!' }, ['body.filters.q']],
      [{ q: 'x'.repeat(201) }, ['body.filters.q']],
      [{ city: 'Nai\u0000robi', q: 'flat\u0000' }, ['body.filters.city', 'body.filters.q']],
    ];
    for (const [filters, paths] of bad) {
      await expectInvalid(await create(buyer, { name: 'x', filters, frequency: 'daily' }), paths);
    }
    for (const filters of ['city=Nairobi', null, [1]]) {
      await expectInvalid(await create(buyer, { name: 'x', filters, frequency: 'daily' }), [
        'body.filters',
      ]);
    }
    for (const name of ['x'.repeat(101), 'a\u0000b']) {
      await expectInvalid(await create(buyer, { name, filters: {}, frequency: 'daily' }), [
        'body.name',
      ]);
    }
    const garbled = await t.request('/api/v1/saved-searches', {
      method: 'POST',
      headers: { ...buyer.headers, 'Content-Type': 'application/json' },
      body: '{"name":',
    });
    expect(garbled.status).toBe(400);
    expect((await list(buyer)).items).toEqual([]);
  });

  it('keeps at most 50 per user', async () => {
    const buyer = await signedInUser(t);
    const other = await signedInUser(t);
    const searches: SavedSearchView[] = [];
    for (let i = 0; i < 50; i++) searches.push(await saved(buyer, { name: `S${i}`, filters: {} }));
    const res = await create(buyer, { name: 'One more', filters: {}, frequency: 'daily' });
    expect(res.status).toBe(422);
    expect((await problemOf(res)).code).toBe('too-many-saved-searches');
    await saved(other, { filters: {} });

    expect((await remove(buyer, searches[0]?.id as string)).status).toBe(204);
    await saved(buyer, { name: 'One more', filters: {} });
    const rows = await t.database.db
      .select({ id: savedSearches.id })
      .from(savedSearches)
      .where(eq(savedSearches.userId, buyer.user.id));
    expect(rows).toHaveLength(50);
  });
});

describe('GET /saved-searches', () => {
  it("walks the caller's own searches, newest first", async () => {
    const buyer = await signedInUser(t);
    const other = await signedInUser(t);
    const mine: string[] = [];
    for (let i = 0; i < 5; i++) mine.push((await saved(buyer, { name: `S${i}`, filters: {} })).id);
    await saved(other, { filters: {} });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await list(buyer, `?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((s) => s.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...mine].reverse());
    await expectInvalid(
      await t.request('/api/v1/saved-searches?limit=0', { headers: buyer.headers }),
      ['query.limit'],
    );
  });
});

describe('DELETE /saved-searches/{id}', () => {
  it('deletes the caller’s own search; another user’s is not found', async () => {
    const buyer = await signedInUser(t);
    const other = await signedInUser(t);
    const search = await saved(buyer, { filters: {} });
    const res = await remove(other, search.id);
    expect(res.status).toBe(404);
    expect((await problemOf(res)).code).toBe('not-found');
    expect((await list(buyer)).items.map((s) => s.id)).toEqual([search.id]);

    expect((await remove(buyer, search.id)).status).toBe(204);
    expect((await list(buyer)).items).toEqual([]);
    expect((await remove(buyer, search.id)).status).toBe(404);
    await expectInvalid(await remove(buyer, 'nope'), ['params.id']);
  });
});

describe('matching', () => {
  it('tells of a newly published matching listing exactly once', async () => {
    const seller = await lister(t);
    const buyer = await lister(t);
    const town = newTown();
    const before = await createActive(t, seller, flatIn(town));
    const search = await saved(buyer, {
      frequency: 'instant',
      filters: { kind: 'property', city: town, bedroomsMin: 3 },
    });
    const matching = await createActive(t, seller, flatIn(town));
    await createActive(t, seller, flatIn(town, { property: { type: 'house', bedrooms: 2 } }));
    await createActive(t, seller, flatIn(newTown()));
    await createActive(
      t,
      seller,
      vehicleBody({ location: { city: town, countryCode: 'ET', lat: 9, lng: 38 } }),
    );
    await createActive(t, buyer, flatIn(town));

    const now = new Date();
    await match(now);
    expect(await alerted(search)).toEqual([matching.id]);
    const [event] = await t.database.db
      .select()
      .from(outboxEvents)
      .where(
        and(eq(outboxEvents.name, 'saved_search.matched'), eq(outboxEvents.aggregateId, search.id)),
      );
    expect(event?.payload).toEqual({
      savedSearchId: search.id,
      userId: buyer.user.id,
      listingId: matching.id,
      frequency: 'instant',
    });

    // Again at the same time, then a minute on: the window overlaps the last one.
    await match(now);
    await match(new Date(now.getTime() + MINUTE));
    expect(await alerted(search)).toEqual([matching.id]);
    const matches = await t.database.db
      .select()
      .from(savedSearchMatches)
      .where(eq(savedSearchMatches.savedSearchId, search.id));
    expect(matches.map((m) => m.listingId)).toEqual([matching.id]);
    expect(await alerted(search)).not.toContain(before.id);
  });

  it('looks back over the last run for listings whose publishing committed late', async () => {
    const seller = await lister(t);
    const buyer = await signedInUser(t);
    const town = newTown();
    const search = await saved(buyer, { filters: { city: town } });
    const first = new Date(Date.now() + 10 * MINUTE);
    await match(first);
    expect(await alerted(search)).toEqual([]);

    // Published (by its clock) before the run's `now`, committed after the run.
    const late = await createActive(t, seller, flatIn(town));
    await t.database.db
      .update(listings)
      .set({ publishedAt: new Date(first.getTime() - 2 * MINUTE) })
      .where(eq(listings.id, late.id));
    // Too late even for the overlap: before the last run's window.
    const stale = await createActive(t, seller, flatIn(town));
    await t.database.db
      .update(listings)
      .set({ publishedAt: new Date(first.getTime() - 6 * MINUTE) })
      .where(eq(listings.id, stale.id));

    await match(new Date(first.getTime() + MINUTE));
    expect(await alerted(search)).toEqual([late.id]);
  });

  it('matches words and a radius as GET /listings does, typos aside', async () => {
    const seller = await lister(t);
    const buyer = await signedInUser(t);
    const town = newTown();
    const centre = { lat: 9.03, lng: 38.74 };
    const search = await saved(buyer, {
      filters: { q: 'penthouse', near: `${centre.lat},${centre.lng}`, radiusKm: 2 },
    });
    const words = { title: `Penthouses with a view ${town}` };
    const near = await createActive(t, seller, flatIn(town, words, centre));
    const far = await createActive(t, seller, flatIn(town, words, { lat: 9.2, lng: 38.74 }));
    const otherWords = await createActive(t, seller, flatIn(town, {}, centre));
    const typo = await createActive(
      t,
      seller,
      flatIn(town, { title: 'Pentouse, top floor' }, centre),
    );
    await match();
    expect(await alerted(search)).toEqual([near.id]);

    const found = await t.request(
      `/api/v1/listings?q=penthouse&near=${centre.lat},${centre.lng}&radiusKm=2&limit=100`,
    );
    const ids = ((await found.json()) as ListingPage).items.map((i) => i.id);
    expect(ids).toContain(near.id);
    expect(ids).not.toContain(far.id);
    expect(ids).not.toContain(otherWords.id);
    expect(await alerted(search)).not.toContain(typo.id);
  });

  it('stops with the search: a deleted one matches nothing', async () => {
    const seller = await lister(t);
    const buyer = await signedInUser(t);
    const town = newTown();
    const search = await saved(buyer, { filters: { city: town } });
    expect((await remove(buyer, search.id)).status).toBe(204);
    await createActive(t, seller, flatIn(town));
    await match();
    expect(await alerted(search)).toEqual([]);
  });

  it('works through more searches than one batch', async () => {
    const seller = await lister(t);
    const town = newTown();
    const buyers = await Promise.all(Array.from({ length: 3 }, () => signedInUser(t)));
    const searches: SavedSearchView[] = [];
    for (const buyer of buyers) {
      for (let i = 0; i < 45; i++) searches.push(await saved(buyer, { filters: { city: town } }));
    }
    const listing = await createActive(t, seller, flatIn(town));
    await match();
    const events = await t.database.db
      .select()
      .from(outboxEvents)
      .where(
        and(
          eq(outboxEvents.name, 'saved_search.matched'),
          inArray(
            outboxEvents.aggregateId,
            searches.map((s) => s.id),
          ),
        ),
      );
    expect(events).toHaveLength(135);
    expect(new Set(events.map((e) => (e.payload as { listingId: string }).listingId))).toEqual(
      new Set([listing.id]),
    );
  });
});

import { afterAll, describe, expect, it } from 'vitest';
import type { SignedIn } from '../../../test/factories.ts';
import { signedInUser } from '../../../test/factories.ts';
import { createTestApp, expectInvalid, problemOf } from '../../../test/harness.ts';
import {
  type Body,
  createActive,
  createDraft,
  lister,
  propertyBody,
  vehicleBody,
} from './listings.test-support.ts';
import type { ListingSummaryView } from './views.ts';

const t = await createTestApp();
afterAll(() => t.close());

/** Metres per degree of latitude on earthdistance's sphere (radius 6,378,168 m). */
const KM_PER_DEGREE = (6_378_168 * Math.PI) / 180 / 1000;

let areas = 0;

/**
 * A city of its own, about 220 km from every other test's, so no test finds another's
 * listings. `at(km)` is a location that many km north of its centre.
 */
function area() {
  areas += 1;
  const city = `Testville ${areas}`;
  const lat = -40 + areas * 2;
  const at = (northKm = 0, name = city) => ({
    city: name,
    countryCode: 'ET',
    lat: lat + northKm / KM_PER_DEGREE,
    lng: 20,
  });
  return { city, at };
}

const PRICE = 1_000_000_000;
const price = (factor: number, currency = 'ETB') => ({
  amount: Math.round(PRICE * factor),
  currency,
});

async function similar(id: string, query = '', headers: Record<string, string> = {}) {
  const res = await t.request(`/api/v1/listings/${id}/similar${query}`, { headers });
  expect(res.status, await res.clone().text()).toBe(200);
  return ((await res.json()) as { items: ListingSummaryView[] }).items;
}

const idsOf = (items: { id: string }[]) => items.map((l) => l.id);

async function setStatus(owner: SignedIn, id: string, status: string) {
  const res = await t.json('POST', `/api/v1/listings/${id}/status`, { status }, owner.headers);
  expect(res.status).toBe(200);
}

describe('GET /listings/{id}/similar', () => {
  it('keeps only public listings of the same kind and purpose, price band, currency and place', async () => {
    const owner = await lister(t);
    const { at } = area();
    const flat = (overrides: Body) => createActive(t, owner, propertyBody(overrides));
    const anchor = await flat({ price: price(1), location: at() });

    const expected = [
      await flat({ price: price(1.2), location: at(2) }),
      await flat({ price: price(0.75), location: at(1) }),
      await flat({ price: price(1.25), location: at(3) }),
      // Another city's name, but 10 km away.
      await flat({ price: price(1), location: at(10, 'Suburbia') }),
      // 60 km away, yet the same city, spelt in another case.
      await flat({ price: price(1), location: at(60, at().city.toUpperCase()) }),
    ];
    const underOffer = await flat({ price: price(1.1), location: at(1) });
    await setStatus(owner, underOffer.id, 'under_offer');
    expected.push(underOffer);

    await flat({ price: price(1.3), location: at(1) });
    await flat({ price: price(0.7), location: at(1) });
    await flat({ price: price(1, 'USD'), location: at(1) });
    await flat({ price: price(1), location: at(60, 'Farville') });
    await flat({ purpose: 'rent', rentPeriod: 'month', price: price(1), location: at(1) });
    await createActive(t, owner, vehicleBody({ price: price(1), location: at(1) }));
    await createDraft(t, owner, propertyBody({ price: price(1), location: at(1) }));
    const sold = await flat({ price: price(1), location: at(1) });
    await setStatus(owner, sold.id, 'sold');
    const archived = await flat({ price: price(1), location: at(1) });
    const archive = await t.request(`/api/v1/listings/${archived.id}`, {
      method: 'DELETE',
      headers: owner.headers,
    });
    expect(archive.status).toBe(204);

    const items = await similar(anchor.id, '?limit=20');
    expect(idsOf(items).sort()).toEqual(idsOf(expected).sort());
    expect(idsOf(items)).not.toContain(anchor.id);
    expect(items[0]).toMatchObject({ kind: 'property', primaryPhoto: null });
    expect(items[0]).not.toHaveProperty('photos');
  });

  it('matches a rent only with rents of the same period', async () => {
    const owner = await lister(t);
    const { at } = area();
    const rent = (rentPeriod: string) =>
      createActive(
        t,
        owner,
        propertyBody({ purpose: 'rent', rentPeriod, price: price(1), location: at(1) }),
      );
    const anchor = await rent('month');
    const monthly = await rent('month');
    await rent('day');
    await rent('year');
    await createActive(t, owner, propertyBody({ price: price(1), location: at(1) }));
    expect(idsOf(await similar(anchor.id))).toEqual([monthly.id]);
  });

  it('ranks the same model above a looser match, however close its price and place', async () => {
    const owner = await lister(t);
    const { at } = area();
    const car = (vehicle: Body, factor: number, km: number) =>
      createActive(
        t,
        owner,
        vehicleBody({
          price: price(factor, 'KES'),
          location: at(km),
          vehicle: { ...(vehicleBody().vehicle as Body), ...vehicle },
        }),
      );
    const anchor = await car({}, 1, 0);
    const sameModel = await car({ year: 2015, mileageKm: 101_000 }, 1.1, 5);
    const sameMake = await car({ model: 'Yaris', year: 2012, mileageKm: 150_000 }, 1, 1);
    const otherMake = await car(
      { make: 'Honda', model: 'Civic', year: 2010, mileageKm: 200_000 },
      1,
      1,
    );
    expect(idsOf(await similar(anchor.id))).toEqual([sameModel.id, sameMake.id, otherMake.id]);
  });

  it('ranks the same type and bedrooms above a looser match, ties by id', async () => {
    const owner = await lister(t);
    const { at } = area();
    const home = (property: Body, factor: number, km: number) =>
      createActive(
        t,
        owner,
        propertyBody({
          price: price(factor),
          location: at(km),
          property: { ...(propertyBody().property as Body), ...property },
        }),
      );
    const anchor = await home({}, 1, 0);
    const close = await home({ floorAreaM2: 140 }, 1.15, 4);
    const loose = await home({ type: 'house', bedrooms: 5, floorAreaM2: 300 }, 1, 0.5);
    const twins = [
      await home({ type: 'villa', bedrooms: 6 }, 1.2, 8),
      await home({ type: 'villa', bedrooms: 6 }, 1.2, 8),
    ].sort((a, b) => (a.id < b.id ? -1 : 1));
    expect(idsOf(await similar(anchor.id))).toEqual([close.id, loose.id, ...idsOf(twins)]);
    expect(idsOf(await similar(anchor.id, '?limit=2'))).toEqual([close.id, loose.id]);
  });

  it('is public for a listing on the market and 404 for a draft, but to its owner', async () => {
    const owner = await lister(t);
    const stranger = await signedInUser(t);
    const { at } = area();
    const draft = await createDraft(t, owner, propertyBody({ location: at() }));
    const active = await createActive(t, owner, propertyBody({ location: at(1) }));

    expect(idsOf(await similar(draft.id, '', owner.headers))).toEqual([active.id]);
    expect(idsOf(await similar(active.id))).toEqual([]);
    for (const headers of [{}, stranger.headers]) {
      const res = await t.request(`/api/v1/listings/${draft.id}/similar`, { headers });
      expect(res.status).toBe(404);
      expect((await problemOf(res)).code).toBe('not-found');
    }
    const unknown = await t.request(`/api/v1/listings/${crypto.randomUUID()}/similar`);
    expect(unknown.status).toBe(404);
  });

  it('validates the id and the limit', async () => {
    const owner = await lister(t);
    const listing = await createActive(t, owner, propertyBody({ location: area().at() }));
    await expectInvalid(await t.request('/api/v1/listings/not-a-uuid/similar'), ['params.id']);
    for (const limit of ['0', '21', 'ten', '2.5']) {
      await expectInvalid(
        await t.request(`/api/v1/listings/${listing.id}/similar?limit=${limit}`),
        ['query.limit'],
      );
    }
  });
});

import { eq, inArray, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SignedIn } from '../../../test/factories.ts';
import { createTestApp, expectInvalid, problemOf } from '../../../test/harness.ts';
import {
  type Body,
  createActive,
  createDraft,
  type ListingPage,
  lister,
  propertyBody,
  vehicleBody,
} from './listings.test-support.ts';
import { listingPhotos, listings } from './tables.ts';
import type { ListingView } from './views.ts';

const t = await createTestApp();
afterAll(() => t.close());

let seller: SignedIn;
beforeAll(async () => {
  seller = await lister(t);
});

/** A name no other describe's listings carry, so each one searches only its own rows. */
const unique = (name: string) => `${name} ${crypto.randomUUID().slice(0, 8)}`;

type Query = Record<string, string | number>;

const queryString = (query: Query) =>
  new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)])).toString();

const searchRaw = (query: Query | string) =>
  t.request(`/api/v1/listings?${typeof query === 'string' ? query : queryString(query)}`);

async function search(query: Query): Promise<ListingPage> {
  const res = await searchRaw(query);
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as ListingPage;
}

async function idsOf(query: Query): Promise<string[]> {
  const page = await search({ ...query, limit: 100 });
  expect(page.nextCursor).toBeNull();
  return page.items.map((item) => item.id);
}

/** Every page of `query`, `limit` at a time: each full but the last, which ends the walk. */
async function walk(query: Query, limit: number): Promise<string[]> {
  const seen: string[] = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < 100; pages += 1) {
    const page: ListingPage = await search({ ...query, limit, ...(cursor ? { cursor } : {}) });
    seen.push(...page.items.map((item) => item.id));
    cursor = page.nextCursor;
    if (!cursor) return seen;
    expect(page.items).toHaveLength(limit);
  }
  throw new Error('the walk never ended');
}

async function cursorAfterFirstPage(query: Query): Promise<string> {
  const page = await search({ ...query, limit: 2 });
  expect(page.nextCursor).toEqual(expect.any(String));
  return page.nextCursor as string;
}

async function expectBadCursor(query: Query): Promise<void> {
  const res = await searchRaw(query);
  expect(res.status).toBe(400);
  expect((await problemOf(res)).errors?.map((e) => e.path)).toEqual(['query.cursor']);
}

const at = (city: string, lat: number, lng: number, more: Body = {}): Body => ({
  location: { city, countryCode: 'ET', lat, lng, ...more },
});

const feature = (ids: string[]) =>
  t.database.db
    .update(listings)
    .set({ featuredUntil: sql`now() + interval '1 day'` })
    .where(inArray(listings.id, ids));

const setPublishedAt = (id: string, publishedAt: Date) =>
  t.database.db.update(listings).set({ publishedAt }).where(eq(listings.id, id));

/** The sphere earthdistance computes on: ll_to_earth places points on it. */
const EARTH_RADIUS_M = 6_378_168;
const RAD = Math.PI / 180;

interface Point {
  lat: number;
  lng: number;
}

function greatCircleKm(a: Point, b: Point): number {
  const h =
    Math.sin(((b.lat - a.lat) * RAD) / 2) ** 2 +
    Math.cos(a.lat * RAD) * Math.cos(b.lat * RAD) * Math.sin(((b.lng - a.lng) * RAD) / 2) ** 2;
  return (2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)))) / 1000;
}

/** The point `km` away from `from` along `bearing` (degrees from north), on the same sphere. */
function destination(from: Point, km: number, bearing: number): Point {
  const d = (km * 1000) / EARTH_RADIUS_M;
  const lat1 = from.lat * RAD;
  const theta = bearing * RAD;
  const lat2 = Math.asin(
    Math.sin(lat1) * Math.cos(d) + Math.cos(lat1) * Math.sin(d) * Math.cos(theta),
  );
  const lng2 =
    from.lng * RAD +
    Math.atan2(
      Math.sin(theta) * Math.sin(d) * Math.cos(lat1),
      Math.cos(d) - Math.sin(lat1) * Math.sin(lat2),
    );
  return { lat: lat2 / RAD, lng: ((((lng2 / RAD + 540) % 360) + 360) % 360) - 180 };
}

/** Sorts by each key in turn: [value, 'asc' | 'desc']. */
function ordered<T>(rows: T[], keys: ((row: T) => [number | string, 'asc' | 'desc'])[]): T[] {
  return [...rows].sort((a, b) => {
    for (const key of keys) {
      const [x, direction] = key(a);
      const [y] = key(b);
      if (x !== y) return (x < y ? -1 : 1) * (direction === 'asc' ? 1 : -1);
    }
    return 0;
  });
}

describe('GET /api/v1/listings filters', () => {
  const city = unique('Filterton');
  const label = new Map<string, string>();
  const made: Record<string, ListingView> = {};

  beforeAll(async () => {
    const add = async (name: string, body: Body) => {
      made[name] = await createActive(t, seller, body);
      label.set(made[name].id, name);
    };
    const flat = propertyBody({
      ...at(city, 9.0, 38.75, { region: 'Bole Sub' }),
      title: 'Corner flat',
      price: { amount: 100_000_000, currency: 'ETB' },
      property: {
        type: 'apartment',
        bedrooms: 3,
        bathrooms: 2,
        floorAreaM2: 145,
        yearBuilt: 2018,
        furnished: true,
        features: ['balcony', 'city_view'],
        amenities: ['elevator'],
      },
    });
    await add('flat', flat);
    await add(
      'house',
      propertyBody({
        ...at(city, 9.01, 38.76, { region: 'Yeka' }),
        title: 'Family house',
        purpose: 'rent',
        rentPeriod: 'month',
        price: { amount: 5_000_000, currency: 'ETB' },
        property: {
          type: 'house',
          bedrooms: 5,
          bathrooms: 3.5,
          floorAreaM2: 300,
          yearBuilt: 1995,
          furnished: false,
          features: ['garden'],
          amenities: ['gym', 'swimming_pool'],
        },
      }),
    );
    await add(
      'villa',
      propertyBody({
        ...at(city, 9.02, 38.77, { countryCode: 'KE' }),
        title: 'Small villa',
        price: { amount: 45_000_000, currency: 'USD' },
        property: {
          type: 'villa',
          bedrooms: 1,
          bathrooms: 1,
          floorAreaM2: 60,
          yearBuilt: 2022,
          features: ['balcony', 'garden', 'sea_view'],
        },
      }),
    );
    await add(
      'car',
      vehicleBody({
        ...at(city, 9.0, 38.75, { region: 'Bole Sub' }),
        price: { amount: 180_000_000, currency: 'ETB' },
        vehicle: {
          category: 'car',
          make: 'Toyota',
          model: 'Corolla',
          year: 2015,
          mileageKm: 98_000,
          fuel: 'petrol',
          transmission: 'automatic',
          condition: 'used',
        },
      }),
    );
    await add(
      'truck',
      vehicleBody({
        ...at(city, 9.0, 38.75),
        title: 'Isuzu truck',
        price: { amount: 300_000_000, currency: 'ETB' },
        vehicle: {
          category: 'truck',
          make: 'Isuzu',
          model: 'NPR',
          year: 2020,
          mileageKm: 0,
          fuel: 'diesel',
          transmission: 'manual',
          condition: 'new',
        },
      }),
    );
    await add(
      'bike',
      vehicleBody({
        ...at(city, 9.0, 38.75, { countryCode: 'KE' }),
        title: 'Bajaj Boxer by the day',
        purpose: 'rent',
        rentPeriod: 'day',
        price: { amount: 50_000, currency: 'ETB' },
        vehicle: {
          category: 'motorcycle',
          make: 'Bajaj',
          model: 'Boxer',
          year: 2010,
          mileageKm: 200_000,
          fuel: 'petrol',
          transmission: 'manual',
          condition: 'used',
        },
      }),
    );
    const offer = await t.json(
      'POST',
      `/api/v1/listings/${made.truck?.id}/status`,
      { status: 'under_offer' },
      seller.headers,
    );
    expect(offer.status).toBe(200);

    // Off the market, though each matches every filter the flat matches.
    await createDraft(t, seller, flat);
    const sold = await createActive(t, seller, flat);
    const sale = await t.json(
      'POST',
      `/api/v1/listings/${sold.id}/status`,
      { status: 'sold' },
      seller.headers,
    );
    expect(sale.status).toBe(200);
    const archived = await createActive(t, seller, flat);
    const gone = await t.request(`/api/v1/listings/${archived.id}`, {
      method: 'DELETE',
      headers: seller.headers,
    });
    expect(gone.status).toBe(204);
  });

  const labelsOf = async (query: Query) =>
    (await idsOf({ city, ...query })).map((id) => label.get(id) ?? id).sort();

  it('lists only listings on the market, those under offer included, to anyone', async () => {
    const page = await search({ city, limit: 100 });
    expect(page.items.map((item) => label.get(item.id)).sort()).toEqual(
      ['bike', 'car', 'flat', 'house', 'truck', 'villa'].sort(),
    );
    expect(page.items.find((item) => item.id === made.truck?.id)?.status).toBe('under_offer');
  });

  it.each<[string, Query, string[]]>([
    [
      'city, in any case',
      { city: city.toUpperCase() },
      ['bike', 'car', 'flat', 'house', 'truck', 'villa'],
    ],
    ['kind=property', { kind: 'property' }, ['flat', 'house', 'villa']],
    ['kind=vehicle', { kind: 'vehicle' }, ['bike', 'car', 'truck']],
    ['purpose=rent', { purpose: 'rent' }, ['bike', 'house']],
    ['purpose=sale', { purpose: 'sale' }, ['car', 'flat', 'truck', 'villa']],
    ['rentPeriod=month', { rentPeriod: 'month' }, ['house']],
    ['rentPeriod=day', { rentPeriod: 'day' }, ['bike']],
    ['propertyType, any of', { propertyType: 'apartment,villa' }, ['flat', 'villa']],
    ['propertyType=house', { propertyType: 'house' }, ['house']],
    ['vehicleCategory, any of', { vehicleCategory: 'car,truck' }, ['car', 'truck']],
    ['vehicleCategory=motorcycle', { vehicleCategory: 'motorcycle' }, ['bike']],
    ['make, in any case', { make: 'TOYOTA' }, ['car']],
    ['make, exact', { make: 'Toy' }, []],
    ['model, in any case', { model: 'npr' }, ['truck']],
    ['model, exact', { model: 'Corol' }, []],
    ['region, in any case', { region: 'bole sub' }, ['car', 'flat']],
    ['country', { country: 'KE' }, ['bike', 'villa']],
    ['currency', { currency: 'USD' }, ['villa']],
    ['priceMin, inclusive', { currency: 'ETB', priceMin: 100_000_000 }, ['car', 'flat', 'truck']],
    ['priceMax, inclusive', { currency: 'ETB', priceMax: 100_000_000 }, ['bike', 'flat', 'house']],
    [
      'priceMin and priceMax',
      { currency: 'ETB', priceMin: 5_000_000, priceMax: 180_000_000 },
      ['car', 'flat', 'house'],
    ],
    ['bedroomsMin', { bedroomsMin: 3 }, ['flat', 'house']],
    ['bedroomsMin=0, which vehicles lack', { bedroomsMin: 0 }, ['flat', 'house', 'villa']],
    ['bathroomsMin', { bathroomsMin: 2 }, ['flat', 'house']],
    ['bathroomsMin, a half', { bathroomsMin: 3.5 }, ['house']],
    ['areaMin, inclusive', { areaMin: 145 }, ['flat', 'house']],
    ['areaMax, inclusive', { areaMax: 145 }, ['flat', 'villa']],
    ['areaMin and areaMax', { areaMin: 100, areaMax: 200 }, ['flat']],
    ['yearMin: year built or model year', { yearMin: 2018 }, ['flat', 'truck', 'villa']],
    ['yearMax: year built or model year', { yearMax: 2015 }, ['bike', 'car', 'house']],
    ['yearMin and yearMax', { yearMin: 2015, yearMax: 2018 }, ['car', 'flat']],
    ['mileageMax, inclusive', { mileageMax: 98_000 }, ['car', 'truck']],
    ['fuel, any of', { fuel: 'diesel,electric' }, ['truck']],
    ['fuel=petrol', { fuel: 'petrol' }, ['bike', 'car']],
    ['transmission=manual', { transmission: 'manual' }, ['bike', 'truck']],
    ['transmission, any of', { transmission: 'automatic,cvt' }, ['car']],
    ['condition=new', { condition: 'new' }, ['truck']],
    ['condition=used', { condition: 'used' }, ['bike', 'car']],
    ['furnished=true', { furnished: 'true' }, ['flat']],
    ['furnished=false', { furnished: 'false' }, ['house']],
    ['features, one', { features: 'balcony' }, ['flat', 'villa']],
    ['features, all of', { features: 'balcony,garden' }, ['villa']],
    ['features=garden', { features: 'garden' }, ['house', 'villa']],
    ['amenities, one', { amenities: 'elevator' }, ['flat']],
    ['amenities, all of', { amenities: 'gym,swimming_pool' }, ['house']],
    ['amenities, all of, none has both', { amenities: 'gym,elevator' }, []],
    ['several filters together', { kind: 'property', purpose: 'sale', currency: 'ETB' }, ['flat']],
    [
      'vehicle filters together',
      { kind: 'vehicle', purpose: 'sale', transmission: 'manual', fuel: 'diesel,petrol' },
      ['truck'],
    ],
  ])('filters by %s', async (_, query, expected) => {
    expect(await labelsOf(query)).toEqual([...expected].sort());
  });

  it('gives each item as GET /listings/{id} has it, with its primary photo instead of all', async () => {
    const flat = made.flat as ListingView;
    const { photos: _photos, ...fields } = (await (
      await t.request(`/api/v1/listings/${flat.id}`)
    ).json()) as ListingView;
    const [item] = (await search({ city, propertyType: 'apartment' })).items;
    expect(item).toEqual({ ...fields, primaryPhoto: null });
    expect(item).not.toHaveProperty('distanceKm');
  });

  it('carries the primary photo, whatever its position', async () => {
    const car = made.car as ListingView;
    const photo = (position: number, isPrimary: boolean) => ({
      ownerId: car.id,
      key: `listings/${car.id}/${crypto.randomUUID()}.jpg`,
      contentType: 'image/jpeg',
      width: 800,
      height: 600,
      position,
      isPrimary,
      alt: isPrimary ? 'Front three-quarter view' : 'Dashboard',
    });
    const [, primary] = await t.database.db
      .insert(listingPhotos)
      .values([photo(0, false), photo(1, true)])
      .returning();
    const [item] = (await search({ city, make: 'toyota' })).items;
    expect(item?.primaryPhoto).toEqual({
      id: primary?.id,
      url: expect.stringContaining(primary?.key ?? 'never'),
      width: 800,
      height: 600,
      alt: 'Front three-quarter view',
      position: 1,
      primary: true,
      variants: {},
    });
  });
});

describe('GET /api/v1/listings sorts and cursors', () => {
  const city = unique('Sortby');
  const token = `sortword${crypto.randomUUID().slice(0, 8)}`;
  const centre: Point = { lat: 9.0, lng: 38.75 };
  const PRICES = [5, 3, 3, 9, 1, 7, 7, 7, 2, 8, 4, 6, 6, 10, 11, 12, 3, 5, 9, 1];
  const FEATURED = [7, 14];
  const base = Date.parse('2025-03-01T08:00:00Z');

  interface Row {
    id: string;
    currency: string;
    price: number;
    publishedAt: number;
    /** 1 when the title has the searched word, 0 when only the description has it. */
    inTitle: number;
    distanceM: number;
    featured: number;
  }
  const rows: Row[] = [];

  beforeAll(async () => {
    // Ties on every key: prices repeat, publishedAt repeats every 7th listing, places every 5th.
    for (let i = 0; i <= PRICES.length; i += 1) {
      const currency = i < PRICES.length ? 'ETB' : 'USD';
      const price = (PRICES[i] ?? 4) * 10_000_000;
      const place = { lat: centre.lat + (i % 5) * 0.01, lng: centre.lng };
      const inTitle = i % 2 === 0;
      const listing = await createActive(
        t,
        seller,
        propertyBody({
          ...at(city, place.lat, place.lng),
          title: inTitle ? `${token} garden flat` : 'Garden flat',
          description: inTitle ? 'A quiet street.' : `Near the ${token} market.`,
          price: { amount: price, currency },
        }),
      );
      const publishedAt = base + (i % 7) * 60_000;
      await setPublishedAt(listing.id, new Date(publishedAt));
      rows.push({
        id: listing.id,
        currency,
        price,
        publishedAt,
        inTitle: inTitle ? 1 : 0,
        distanceM: Math.round(greatCircleKm(centre, place) * 1000),
        featured: FEATURED.includes(i) ? 1 : 0,
      });
    }
    await feature(FEATURED.map((i) => rows[i]?.id as string));
  });

  const featuredFirst = (row: Row): [number, 'desc'] => [row.featured, 'desc'];
  const byId =
    (direction: 'asc' | 'desc') =>
    (row: Row): [string, 'asc' | 'desc'] => [row.id, direction];
  const inEtb = () => rows.filter((row) => row.currency === 'ETB');

  const near = `${centre.lat},${centre.lng}`;
  const sorts: [string, () => Query, () => string[]][] = [
    [
      'newest (the default)',
      () => ({ city }),
      () =>
        ordered(rows, [featuredFirst, (r) => [r.publishedAt, 'desc'], byId('desc')]).map(
          (r) => r.id,
        ),
    ],
    [
      'newest',
      () => ({ city, sort: 'newest' }),
      () =>
        ordered(rows, [featuredFirst, (r) => [r.publishedAt, 'desc'], byId('desc')]).map(
          (r) => r.id,
        ),
    ],
    [
      'price_asc',
      () => ({ city, currency: 'ETB', sort: 'price_asc' }),
      () =>
        ordered(inEtb(), [featuredFirst, (r) => [r.price, 'asc'], byId('asc')]).map((r) => r.id),
    ],
    [
      'price_desc',
      () => ({ city, currency: 'ETB', sort: 'price_desc' }),
      () =>
        ordered(inEtb(), [featuredFirst, (r) => [r.price, 'desc'], byId('desc')]).map((r) => r.id),
    ],
    [
      'relevance (the default with q)',
      () => ({ city, q: token }),
      () =>
        ordered(rows, [featuredFirst, (r) => [r.inTitle, 'desc'], byId('desc')]).map((r) => r.id),
    ],
    [
      'relevance',
      () => ({ city, q: token, sort: 'relevance' }),
      () =>
        ordered(rows, [featuredFirst, (r) => [r.inTitle, 'desc'], byId('desc')]).map((r) => r.id),
    ],
    [
      'distance',
      () => ({ city, near, radiusKm: 50, sort: 'distance' }),
      () =>
        ordered(rows, [featuredFirst, (r) => [r.distanceM, 'asc'], byId('asc')]).map((r) => r.id),
    ],
  ];

  it.each(sorts)(
    'sorts by %s, featured first, as the test computes',
    async (_, query, expected) => {
      expect(await idsOf(query())).toEqual(expected());
    },
  );

  it.each(sorts)(
    'walks %s 4 at a time: every listing once, in the order of one big page',
    async (_, query, expected) => {
      const all = await idsOf(query());
      const walked = await walk(query(), 4);
      expect(walked).toEqual(all);
      expect(new Set(walked).size).toBe(walked.length);
      expect(walked).toEqual(expected());
    },
  );

  it('puts featured listings first in every sort', async () => {
    const featured = FEATURED.map((i) => rows[i]?.id).sort();
    for (const [, query] of sorts) {
      const ids = await idsOf(query());
      expect(ids.slice(0, 2).sort()).toEqual(featured);
    }
  });

  it('keeps walking when the page size changes between pages', async () => {
    const all = await idsOf({ city, currency: 'ETB', sort: 'price_asc' });
    const first = await search({ city, currency: 'ETB', sort: 'price_asc', limit: 3 });
    const second = await search({
      city,
      currency: 'ETB',
      sort: 'price_asc',
      limit: 5,
      cursor: first.nextCursor as string,
    });
    expect([...first.items, ...second.items].map((item) => item.id)).toEqual(all.slice(0, 8));
  });

  it('gives 20 a page unless told, and at most 100', async () => {
    const page = await search({ city });
    expect(page.items).toHaveLength(20);
    expect(page.nextCursor).toEqual(expect.any(String));
    const rest = await search({ city, cursor: page.nextCursor as string });
    expect(rest.items).toHaveLength(rows.length - 20);
    expect(rest.nextCursor).toBeNull();
    expect((await search({ city, limit: 100 })).items).toHaveLength(rows.length);
  });

  it('refuses a cursor from another sort', async () => {
    const newest = await cursorAfterFirstPage({ city });
    await expectBadCursor({ city, currency: 'ETB', sort: 'price_asc', cursor: newest });
    await expectBadCursor({ city, currency: 'ETB', sort: 'price_desc', cursor: newest });
    const cheapest = await cursorAfterFirstPage({ city, currency: 'ETB', sort: 'price_asc' });
    await expectBadCursor({ city, currency: 'ETB', sort: 'price_desc', cursor: cheapest });
  });

  it('refuses a cursor from another filter set', async () => {
    const newest = await cursorAfterFirstPage({ city });
    await expectBadCursor({ city, kind: 'property', cursor: newest });
    await expectBadCursor({ city: unique('Elsewhere'), cursor: newest });
    const cheapest = await cursorAfterFirstPage({ city, currency: 'ETB', sort: 'price_asc' });
    await expectBadCursor({
      city,
      currency: 'ETB',
      priceMin: 1,
      sort: 'price_asc',
      cursor: cheapest,
    });
  });

  it('refuses a cursor from another q', async () => {
    const relevant = await cursorAfterFirstPage({ city, q: token });
    await expectBadCursor({ city, q: 'garden', cursor: relevant });
    await expectBadCursor({ city, cursor: relevant });
  });

  it('refuses a cursor from another near point or radius', async () => {
    const nearest = await cursorAfterFirstPage({ city, near, radiusKm: 50, sort: 'distance' });
    await expectBadCursor({
      city,
      near: '9.02,38.75',
      radiusKm: 50,
      sort: 'distance',
      cursor: nearest,
    });
    await expectBadCursor({ city, near, radiusKm: 40, sort: 'distance', cursor: nearest });
  });

  it('refuses a cursor from another bbox', async () => {
    const boxed = await cursorAfterFirstPage({ city, bbox: '8.9,38.7,9.1,38.8' });
    await expectBadCursor({ city, bbox: '8.9,38.7,9.1,38.9', cursor: boxed });
  });

  it('refuses a tampered cursor and one from another list', async () => {
    const cursor = await cursorAfterFirstPage({ city });
    const [body = '', signature = ''] = cursor.split('.');
    const flipped = `${signature.startsWith('A') ? 'B' : 'A'}${signature.slice(1)}`;
    await expectBadCursor({ city, cursor: `${body}.${flipped}` });

    const payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    payload.v[payload.v.length - 1] = rows[0]?.id;
    const forged = Buffer.from(JSON.stringify(payload)).toString('base64url');
    await expectBadCursor({ city, cursor: `${forged}.${signature}` });
    await expectBadCursor({ city, cursor: 'not-a-cursor' });

    const mine = await t.request('/api/v1/me/listings?limit=1', { headers: seller.headers });
    expect(mine.status).toBe(200);
    const { nextCursor } = (await mine.json()) as ListingPage;
    await expectBadCursor({ city, cursor: nextCursor as string });
  });
});

describe('GET /api/v1/listings near a point and in a box', () => {
  const city = unique('Radius');
  const centre: Point = { lat: 9.0, lng: 38.75 };
  const places: Point[] = [];
  const ids: string[] = [];

  beforeAll(async () => {
    // Distances kept clear of every radius the tests ask for, bearings all round the compass.
    const around = [0, 0.4, 2.5, 7, 9.8, 10.3, 14, 24.5, 26, 80, 499, 502].map((km, i) =>
      destination(centre, km, i * 47),
    );
    const edges: Point[] = [
      { lat: 8.96, lng: 38.71 },
      { lat: 9.06, lng: 38.75 },
      { lat: 9.0, lng: 38.81 },
      { lat: 8.94, lng: 38.75 },
      { lat: 9.0, lng: 38.69 },
    ];
    const antimeridian: Point[] = [
      { lat: 0.01, lng: 179.95 },
      { lat: -0.01, lng: -179.96 },
    ];
    for (const place of [...around, ...edges, ...antimeridian]) {
      const listing = await createActive(
        t,
        seller,
        propertyBody({ ...at(city, place.lat, place.lng), title: 'Plot with a view' }),
      );
      places.push({ lat: listing.location.lat, lng: listing.location.lng });
      ids.push(listing.id);
    }
  });

  const within = (from: Point, km: number) =>
    ids.filter((_, i) => greatCircleKm(from, places[i] as Point) <= km).sort();

  it.each([
    [undefined, 10],
    [1, 1],
    [12, 12],
    [25, 25],
    [500, 500],
  ])('finds exactly the listings within radiusKm=%s (%s km)', async (radiusKm, km) => {
    const expected = within(centre, km);
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(ids.length);
    const query: Query = { city, near: `${centre.lat},${centre.lng}` };
    if (radiusKm !== undefined) query.radiusKm = radiusKm;
    const page = await search({ ...query, limit: 100 });
    expect(page.items.map((item) => item.id).sort()).toEqual(expected);
    for (const item of page.items) {
      const km = greatCircleKm(centre, places[ids.indexOf(item.id)] as Point);
      expect(Math.abs((item.distanceKm ?? Number.NaN) - km)).toBeLessThan(0.01);
      expect(Math.round((item.distanceKm ?? 0) * 1000) / 1000).toBe(item.distanceKm);
    }
  });

  it('sorts by distance, nearest first, with the distances the test computes', async () => {
    const items = (
      await search({
        city,
        near: `${centre.lat},${centre.lng}`,
        radiusKm: 500,
        sort: 'distance',
        limit: 100,
      })
    ).items;
    const distances = items.map((item) => item.distanceKm ?? Number.NaN);
    expect(distances).toEqual([...distances].sort((a, b) => a - b));
    expect(items.map((item) => item.id).sort()).toEqual(within(centre, 500));
  });

  it('measures across the antimeridian', async () => {
    const from: Point = { lat: 0, lng: 179.99 };
    const items = (
      await search({ city, near: `${from.lat},${from.lng}`, radiusKm: 20, limit: 100 })
    ).items;
    expect(items.map((item) => item.id).sort()).toEqual(within(from, 20));
    expect(items).toHaveLength(2);
    for (const item of items) {
      const km = greatCircleKm(from, places[ids.indexOf(item.id)] as Point);
      expect(Math.abs((item.distanceKm ?? Number.NaN) - km)).toBeLessThan(0.01);
    }
  });

  const inBox = (minLat: number, minLng: number, maxLat: number, maxLng: number) =>
    ids
      .filter((_, i) => {
        const { lat, lng } = places[i] as Point;
        const lngInside =
          minLng <= maxLng ? lng >= minLng && lng <= maxLng : lng >= minLng || lng <= maxLng;
        return lat >= minLat && lat <= maxLat && lngInside;
      })
      .sort();

  it.each([
    [8.95, 38.7, 9.05, 38.8],
    [8.9, 38.6, 9.2, 38.9],
    [8.99, 38.74, 9.01, 38.76],
    [-1, 179.9, 1, -179.9],
  ])('finds exactly the listings in bbox=%s,%s,%s,%s', async (minLat, minLng, maxLat, maxLng) => {
    const expected = inBox(minLat, minLng, maxLat, maxLng);
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(ids.length);
    const page = await search({
      city,
      bbox: `${minLat},${minLng},${maxLat},${maxLng}`,
      limit: 100,
    });
    expect(page.items.map((item) => item.id).sort()).toEqual(expected);
    expect(page.items.every((item) => item.distanceKm === undefined)).toBe(true);
  });
});

describe('GET /api/v1/listings?q= full text', () => {
  const city = unique('Rankville');
  const made: Record<string, string> = {};

  beforeAll(async () => {
    // Created best match first, so that newest-first would give the reverse of relevance.
    const add = async (name: string, title: string, description: string, address?: string) => {
      const body = propertyBody({
        ...at(city, 9.0, 38.75, address ? { address } : {}),
        title,
        description,
      });
      made[name] = (await createActive(t, seller, body)).id;
    };
    await add('title', 'Quiet garden penthouse', 'Two floors with a roof terrace.');
    await add('description', 'Family home near the park', 'Walk to the penthouse towers.');
    await add('location', 'Corner shop', 'Busy street front.', 'Penthouse Lane');
    await add('apartment', 'Modern apartment with a lift', 'Close to schools.');
    await add('plot', 'Empty plot of land', 'Fenced, with a well.');
  });

  const found = async (query: Query) =>
    (await idsOf({ city, ...query })).map(
      (id) => Object.entries(made).find(([, listingId]) => listingId === id)?.[0] ?? id,
    );

  it('ranks a title match over a description match over a location match', async () => {
    expect(await found({ q: 'penthouse' })).toEqual(['title', 'description', 'location']);
    expect(await found({ q: 'PENTHOUSE', sort: 'relevance' })).toEqual([
      'title',
      'description',
      'location',
    ]);
  });

  it('orders matches by another sort when asked', async () => {
    expect(await found({ q: 'penthouse', sort: 'newest' })).toEqual([
      'location',
      'description',
      'title',
    ]);
  });

  it('matches word prefixes', async () => {
    expect(await found({ q: 'apart' })).toEqual(['apartment']);
    expect((await found({ q: 'penth' }))[0]).toBe('title');
    expect(await found({ q: 'penth' })).toEqual(
      expect.arrayContaining(['title', 'description', 'location']),
    );
  });

  it('still finds a listing through a one-letter typo', async () => {
    expect((await found({ q: 'penthuose' }))[0]).toBe('title');
    expect((await found({ q: 'apartmant' }))[0]).toBe('apartment');
    expect((await found({ q: 'quiet gardn penthouse' }))[0]).toBe('title');
  });

  it('finds a listing through a typo in one word of several, every word still counting', async () => {
    expect(await found({ q: 'apartmnt lift' })).toEqual(['apartment']);
    expect(await found({ q: 'apartmnt xylophone' })).toEqual([]);
  });

  it('finds nothing for a word no listing is near', async () => {
    expect(await found({ q: 'xylophone' })).toEqual([]);
  });

  it('reads query syntax as plain words', async () => {
    expect((await found({ q: "penthouse & | ! ( :* '" }))[0]).toBe('title');
    expect((await found({ q: 'garden:* | (' }))[0]).toBe('title');
  });
});

describe('GET /api/v1/listings validation', () => {
  const near = 'near=9,38.75';
  const propertyOnly = [
    'propertyType=house',
    'bedroomsMin=1',
    'bathroomsMin=1',
    'areaMin=10',
    'areaMax=10',
    'furnished=true',
    'features=balcony',
    'amenities=gym',
  ];
  const vehicleOnly = [
    'vehicleCategory=car',
    'make=Toyota',
    'model=Corolla',
    'mileageMax=1000',
    'fuel=petrol',
    'transmission=manual',
    'condition=new',
  ];
  const name = (param: string) => `query.${param.split('=')[0]}`;

  it.each<[string, string[]]>([
    ['colour=red', ['query.colour']],
    ['kind=boat', ['query.kind']],
    ['kind=property&kind=vehicle', ['query.kind']],
    ['kind=boat&purpose=lease', ['query.kind', 'query.purpose']],
    ['purpose=lease', ['query.purpose']],
    ['rentPeriod=hour', ['query.rentPeriod']],
    ['propertyType=castle', ['query.propertyType']],
    ['propertyType=apartment,castle', ['query.propertyType']],
    ['propertyType=', ['query.propertyType']],
    ['vehicleCategory=spaceship', ['query.vehicleCategory']],
    ['fuel=coal', ['query.fuel']],
    ['transmission=paddle', ['query.transmission']],
    ['condition=broken', ['query.condition']],
    ['country=ETH', ['query.country']],
    ['country=E1', ['query.country']],
    ['currency=XYZ', ['query.currency']],
    ['currency=ETB&priceMin=abc', ['query.priceMin']],
    ['currency=ETB&priceMin=1.5', ['query.priceMin']],
    ['currency=ETB&priceMin=-100', ['query.priceMin']],
    ['currency=ETB&priceMax=ten', ['query.priceMax']],
    ['priceMin=100', ['query.currency']],
    ['priceMax=100', ['query.currency']],
    ['sort=price_asc', ['query.currency']],
    ['sort=price_desc', ['query.currency']],
    ['currency=ETB&priceMin=5&priceMax=4', ['query.priceMax']],
    ['bedroomsMin=-1', ['query.bedroomsMin']],
    ['bedroomsMin=two', ['query.bedroomsMin']],
    ['bedroomsMin=1.5', ['query.bedroomsMin']],
    ['bathroomsMin=x', ['query.bathroomsMin']],
    ['bathroomsMin=-1', ['query.bathroomsMin']],
    ['areaMin=-5', ['query.areaMin']],
    ['areaMax=big', ['query.areaMax']],
    ['yearMin=old', ['query.yearMin']],
    ['yearMax=1.5', ['query.yearMax']],
    ['mileageMax=-1', ['query.mileageMax']],
    ['furnished=yes', ['query.furnished']],
    ['furnished=1', ['query.furnished']],
    ['features=jacuzzi', ['query.features']],
    ['features=balcony,jacuzzi', ['query.features']],
    ['amenities=helipad', ['query.amenities']],
    ['bbox=1,2,3', ['query.bbox']],
    ['bbox=1,2,3,4,5', ['query.bbox']],
    ['bbox=10,0,5,1', ['query.bbox']],
    ['bbox=100,0,101,1', ['query.bbox']],
    ['bbox=0,200,1,201', ['query.bbox']],
    ['bbox=a,b,c,d', ['query.bbox']],
    ['near=1', ['query.near']],
    ['near=1,2,3', ['query.near']],
    ['near=91,0', ['query.near']],
    ['near=0,181', ['query.near']],
    ['near=north,east', ['query.near']],
    ['radiusKm=5', ['query.radiusKm']],
    [`${near}&radiusKm=501`, ['query.radiusKm']],
    [`${near}&radiusKm=0`, ['query.radiusKm']],
    [`${near}&radiusKm=far`, ['query.radiusKm']],
    ['q=', ['query.q']],
    [`q=${'x'.repeat(201)}`, ['query.q']],
    ['sort=cheapest', ['query.sort']],
    ['sort=relevance', ['query.sort']],
    ['sort=distance', ['query.sort']],
    ['limit=0', ['query.limit']],
    ['limit=101', ['query.limit']],
    ['limit=ten', ['query.limit']],
    ...propertyOnly.map((param): [string, string[]] => [`kind=vehicle&${param}`, [name(param)]]),
    ...vehicleOnly.map((param): [string, string[]] => [`kind=property&${param}`, [name(param)]]),
  ])('answers 400 to ?%s naming %s', async (query, paths) => {
    await expectInvalid(await searchRaw(query), paths);
  });

  it.each([
    `q=${'x'.repeat(200)}`,
    'limit=100',
    'limit=1',
    `${near}&radiusKm=500`,
    'bbox=-90,-180,90,180',
    'kind=property&propertyType=house&bedroomsMin=1&features=balcony',
    'kind=vehicle&make=Toyota&fuel=petrol&mileageMax=0',
    'currency=ETB&priceMin=1&priceMax=1&sort=price_desc',
    `q=house&${near}&sort=distance`,
  ])('accepts ?%s', async (query) => {
    const res = await searchRaw(query);
    expect(res.status, await res.clone().text()).toBe(200);
    const page = (await res.json()) as ListingPage;
    expect(Array.isArray(page.items)).toBe(true);
    expect(page.nextCursor === null || typeof page.nextCursor === 'string').toBe(true);
  });
});

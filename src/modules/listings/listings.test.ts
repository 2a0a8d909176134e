import { and, asc, eq } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { type SignedIn, signedInUser } from '../../../test/factories.ts';
import { createTestApp, expectInvalid, expectProblem, problemOf } from '../../../test/harness.ts';
import { securityCases } from '../../../test/security.ts';
import { auditLog } from '../../platform/audit/tables.ts';
import type { Role } from '../../platform/core/permissions.ts';
import { outboxEvents } from '../../platform/events/tables.ts';
import {
  type Body,
  createActive,
  createDraft,
  type ListingPage,
  lister,
  pendingLister,
  propertyBody,
  vehicleBody,
} from './listings.test-support.ts';
import type { ListingView } from './views.ts';

const t = await createTestApp();
afterAll(() => t.close());

const BASE = '/api/v1/listings';
const THIS_YEAR = new Date().getUTCFullYear();

const get = (id: string, who?: SignedIn) =>
  t.request(`${BASE}/${id}`, { headers: who?.headers ?? {} });
const patch = (who: SignedIn, id: string, body: unknown) =>
  t.json('PATCH', `${BASE}/${id}`, body, who.headers);
const archive = (who: SignedIn, id: string) =>
  t.request(`${BASE}/${id}`, { method: 'DELETE', headers: who.headers });
const publish = (who: SignedIn, id: string) =>
  t.request(`${BASE}/${id}/publish`, { method: 'POST', headers: who.headers });
const setStatus = (who: SignedIn, id: string, status: string) =>
  t.json('POST', `${BASE}/${id}/status`, { status }, who.headers);

async function listingOf(res: Response): Promise<ListingView> {
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as ListingView;
}

async function mine(who: SignedIn, query = ''): Promise<ListingPage> {
  const res = await t.request(`/api/v1/me/listings${query}`, { headers: who.headers });
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as ListingPage;
}

/** Every page of the caller's listings, following the cursors. */
async function allMine(who: SignedIn, query: string, limit: number): Promise<string[]> {
  const seen: string[] = [];
  let cursor: string | null = null;
  do {
    const params = new URLSearchParams({ limit: String(limit), ...(cursor ? { cursor } : {}) });
    const page = await mine(who, `?${query}${query ? '&' : ''}${params}`);
    expect(page.items.length).toBeLessThanOrEqual(limit);
    seen.push(...page.items.map((item) => item.id));
    cursor = page.nextCursor;
  } while (cursor);
  return seen;
}

const eventsOf = async (listingId: string) =>
  t.database.db
    .select({ name: outboxEvents.name, payload: outboxEvents.payload })
    .from(outboxEvents)
    .where(eq(outboxEvents.aggregateId, listingId))
    .orderBy(asc(outboxEvents.occurredAt), asc(outboxEvents.id));

const auditOf = async (listingId: string) =>
  t.database.db
    .select()
    .from(auditLog)
    .where(and(eq(auditLog.resourceType, 'listing'), eq(auditLog.resourceId, listingId)))
    .orderBy(asc(auditLog.occurredAt), asc(auditLog.id));

const someId = '0190a6b4-7c3e-7d2a-9f00-000000000001';
securityCases(() => t, { method: 'POST', path: BASE, body: propertyBody(), allowed: ['owner'] });
for (const route of [
  { method: 'PATCH', path: `${BASE}/${someId}`, body: { title: 'A new title' } },
  { method: 'DELETE', path: `${BASE}/${someId}` },
  { method: 'POST', path: `${BASE}/${someId}/publish` },
  { method: 'POST', path: `${BASE}/${someId}/status`, body: { status: 'sold' } },
  { method: 'GET', path: '/api/v1/me/listings' },
]) {
  securityCases(() => t, { ...route, allowed: ['owner'] });
}

describe('POST /listings', () => {
  it('creates a property draft holding every field, trimmed and upper-cased', async () => {
    const owner = await lister(t);
    const res = await t.json(
      'POST',
      BASE,
      {
        kind: 'property',
        purpose: 'rent',
        rentPeriod: 'month',
        title: '  Garden villa with a pool  ',
        description: 'Five bedrooms, a large garden and a pool behind a gated compound.',
        price: { amount: 9_500_000, currency: 'usd' },
        location: {
          address: 'CMC Road',
          city: 'Addis Ababa',
          region: 'Addis Ababa',
          countryCode: 'et',
          postalCode: '1000',
          lat: 9.0227,
          lng: 38.8453,
        },
        property: {
          type: 'villa',
          bedrooms: 5,
          bathrooms: 3.5,
          floorAreaM2: 420.5,
          lotSizeM2: 1200,
          yearBuilt: 2012,
          floor: 0,
          parkingSpaces: 3,
          furnished: true,
          features: ['garden', 'fireplace'],
          amenities: ['swimming_pool', 'security_guard', 'gated_compound'],
        },
      },
      owner.headers,
    );
    expect(res.status, await res.clone().text()).toBe(201);
    const listing = (await res.json()) as ListingView;
    expect(listing).toStrictEqual({
      id: expect.any(String),
      kind: 'property',
      purpose: 'rent',
      rentPeriod: 'month',
      title: 'Garden villa with a pool',
      description: 'Five bedrooms, a large garden and a pool behind a gated compound.',
      price: { amount: 9_500_000, currency: 'USD' },
      location: {
        address: 'CMC Road',
        city: 'Addis Ababa',
        region: 'Addis Ababa',
        countryCode: 'ET',
        postalCode: '1000',
        lat: 9.0227,
        lng: 38.8453,
      },
      status: 'draft',
      property: {
        type: 'villa',
        bedrooms: 5,
        bathrooms: 3.5,
        floorAreaM2: 420.5,
        lotSizeM2: 1200,
        yearBuilt: 2012,
        floor: 0,
        parkingSpaces: 3,
        furnished: true,
        features: ['garden', 'fireplace'],
        amenities: ['swimming_pool', 'security_guard', 'gated_compound'],
      },
      photos: [],
      featuredUntil: null,
      publishedAt: null,
      expiresAt: null,
      rejectionReason: null,
      ownerId: owner.user.id,
      revision: 1,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    expect(listing.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-/);
    expect(new Date(listing.createdAt).toISOString()).toBe(listing.createdAt);
    expect(await listingOf(await get(listing.id, owner))).toStrictEqual(listing);
  });

  it('creates a vehicle draft holding every field, the VIN upper-cased', async () => {
    const agent = await lister(t, 'agent');
    const res = await t.json(
      'POST',
      BASE,
      vehicleBody({
        rentPeriod: null,
        location: {
          address: 'Ngong Road',
          city: 'Nairobi',
          region: 'Nairobi County',
          countryCode: 'KE',
          postalCode: '00100',
          lat: -1.3,
          lng: 36.78,
        },
        vehicle: {
          category: 'car',
          make: ' Toyota ',
          model: 'Corolla',
          trim: 'GLi',
          year: 2015,
          mileageKm: 98_000,
          fuel: 'hybrid',
          transmission: 'cvt',
          bodyType: 'sedan',
          color: 'Silver',
          condition: 'used',
          engineCc: 1800,
          vin: '1hgcm82633a004352',
        },
      }),
      agent.headers,
    );
    expect(res.status, await res.clone().text()).toBe(201);
    const listing = (await res.json()) as ListingView;
    expect(listing).toStrictEqual({
      id: expect.any(String),
      kind: 'vehicle',
      purpose: 'sale',
      rentPeriod: null,
      title: 'Toyota Corolla, one owner',
      description: expect.stringMatching(/^Serviced at the dealer, new tyres\. Listing number/),
      price: { amount: 180_000_000, currency: 'KES' },
      location: {
        address: 'Ngong Road',
        city: 'Nairobi',
        region: 'Nairobi County',
        countryCode: 'KE',
        postalCode: '00100',
        lat: -1.3,
        lng: 36.78,
      },
      status: 'draft',
      vehicle: {
        category: 'car',
        make: 'Toyota',
        model: 'Corolla',
        trim: 'GLi',
        year: 2015,
        mileageKm: 98_000,
        fuel: 'hybrid',
        transmission: 'cvt',
        bodyType: 'sedan',
        color: 'Silver',
        condition: 'used',
        engineCc: 1800,
        vin: '1HGCM82633A004352',
      },
      photos: [],
      featuredUntil: null,
      publishedAt: null,
      expiresAt: null,
      rejectionReason: null,
      ownerId: agent.user.id,
      revision: 1,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    expect(await listingOf(await get(listing.id, agent))).toStrictEqual(listing);
  });

  it('fills what a minimal listing leaves out: nulls, no features, a used vehicle', async () => {
    const owner = await lister(t);
    const land = await createDraft(
      t,
      owner,
      propertyBody({
        location: { city: 'Lisbon', countryCode: 'PT', lat: 38.72, lng: -9.14 },
        property: { type: 'land' },
      }),
    );
    expect(land.location).toEqual({
      address: null,
      city: 'Lisbon',
      region: null,
      countryCode: 'PT',
      postalCode: null,
      lat: 38.72,
      lng: -9.14,
    });
    expect(land.property).toEqual({
      type: 'land',
      bedrooms: null,
      bathrooms: null,
      floorAreaM2: null,
      lotSizeM2: null,
      yearBuilt: null,
      floor: null,
      parkingSpaces: null,
      furnished: null,
      features: [],
      amenities: [],
    });
    const bike = await createDraft(
      t,
      owner,
      vehicleBody({
        vehicle: { category: 'motorcycle', make: 'Bajaj', model: 'Boxer', year: 2021 },
      }),
    );
    expect(bike.vehicle).toEqual({
      category: 'motorcycle',
      make: 'Bajaj',
      model: 'Boxer',
      trim: null,
      year: 2021,
      mileageKm: null,
      fuel: null,
      transmission: null,
      bodyType: null,
      color: null,
      condition: 'used',
      engineCc: null,
      vin: null,
    });
  });

  it('takes a short chassis number, which has no check digit', async () => {
    const owner = await lister(t);
    const old = await createDraft(
      t,
      owner,
      vehicleBody({
        vehicle: { category: 'car', make: 'Lada', model: '2107', year: 1985, vin: 'xta210740' },
      }),
    );
    expect(old.vehicle?.vin).toBe('XTA210740');
  });

  it('takes a Japanese-market chassis number, hyphen and all', async () => {
    const owner = await lister(t);
    const imported = await createDraft(
      t,
      owner,
      vehicleBody({
        vehicle: {
          category: 'car',
          make: 'Toyota',
          model: 'Corolla',
          year: 2004,
          vin: 'nze121-3123456',
        },
      }),
    );
    expect(imported.vehicle?.vin).toBe('NZE121-3123456');
  });

  const property = (attributes: Body) =>
    propertyBody({ property: { ...(propertyBody().property as Body), ...attributes } });
  const vehicle = (attributes: Body) =>
    vehicleBody({ vehicle: { ...(vehicleBody().vehicle as Body), ...attributes } });
  const price = (amount: unknown, currency = 'ETB') =>
    propertyBody({ price: { amount, currency } });
  const at = (lat: number, lng: number) =>
    propertyBody({ location: { city: 'Addis Ababa', countryCode: 'ET', lat, lng } });

  it.each<[string, Body, string[]]>([
    ['an unknown kind', propertyBody({ kind: 'boat' }), ['body.kind']],
    ['no kind at all', propertyBody({ kind: undefined }), ['body.kind']],
    ['a property without its attributes', propertyBody({ property: undefined }), ['body.property']],
    ['a vehicle without its attributes', vehicleBody({ vehicle: undefined }), ['body.vehicle']],
    ['a rent without its period', propertyBody({ purpose: 'rent' }), ['body.rentPeriod']],
    ['a sale with a rent period', propertyBody({ rentPeriod: 'month' }), ['body.rentPeriod']],
    [
      'an unknown rent period',
      propertyBody({ purpose: 'rent', rentPeriod: 'hour' }),
      ['body.rentPeriod'],
    ],
    [
      'a sale with an unknown rent period',
      propertyBody({ rentPeriod: 'hour' }),
      ['body.rentPeriod'],
    ],
    [
      'an unknown kind of rent',
      propertyBody({ kind: 'boat', purpose: 'rent' }),
      ['body.kind', 'body.rentPeriod'],
    ],
    ['a zero price', price(0), ['body.price.amount']],
    ['a negative price', price(-100), ['body.price.amount']],
    ['a fractional price', price(1250.5), ['body.price.amount']],
    ['a price as a string', price('1250000'), ['body.price.amount']],
    ['an unknown currency', price(100, 'XYZ'), ['body.price.currency']],
    ['a latitude of 91', at(91, 38), ['body.location.lat']],
    ['a longitude of -181', at(8, -181), ['body.location.lng']],
    [
      'a three-letter country',
      propertyBody({ location: { city: 'X', countryCode: 'ETH', lat: 1, lng: 1 } }),
      ['body.location.countryCode'],
    ],
    ['an empty title', propertyBody({ title: '   ' }), ['body.title']],
    ['an unknown property type', property({ type: 'castle' }), ['body.property.type']],
    [
      'an unknown feature',
      property({ features: ['balcony', 'jacuzzi'] }),
      ['body.property.features.1'],
    ],
    ['an unknown amenity', property({ amenities: ['helipad'] }), ['body.property.amenities.0']],
    [
      'a repeated feature',
      property({ features: ['balcony', 'balcony'] }),
      ['body.property.features'],
    ],
    [
      'a repeated amenity',
      property({ amenities: ['gym', 'elevator', 'gym'] }),
      ['body.property.amenities'],
    ],
    ['2.3 bathrooms', property({ bathrooms: 2.3 }), ['body.property.bathrooms']],
    ['fractional bedrooms', property({ bedrooms: 1.5 }), ['body.property.bedrooms']],
    [
      'a building finished too far ahead',
      property({ yearBuilt: THIS_YEAR + 6 }),
      ['body.property.yearBuilt'],
    ],
    ['a VIN with a wrong check digit', vehicle({ vin: '1HGCM82634A004352' }), ['body.vehicle.vin']],
    ['a VIN with an I', vehicle({ vin: '1HGCM8263IA004352' }), ['body.vehicle.vin']],
    ['a VIN with an O', vehicle({ vin: '1HGCM82633AO04352' }), ['body.vehicle.vin']],
    ['a VIN with a Q', vehicle({ vin: '1HGCM82633A00435Q' }), ['body.vehicle.vin']],
    ['a VIN too long', vehicle({ vin: '1HGCM82633A0043521' }), ['body.vehicle.vin']],
    ['a model year in the future', vehicle({ year: THIS_YEAR + 2 }), ['body.vehicle.year']],
    ['an unknown fuel', vehicle({ fuel: 'coal' }), ['body.vehicle.fuel']],
    ['an unknown vehicle category', vehicle({ category: 'boat' }), ['body.vehicle.category']],
    ['a negative mileage', vehicle({ mileageKm: -1 }), ['body.vehicle.mileageKm']],
    ['an unknown top-level field', propertyBody({ colour: 'blue' }), ['body.colour']],
    ['the status set by the client', propertyBody({ status: 'active' }), ['body.status']],
    [
      'the other kind’s attributes too',
      propertyBody({ vehicle: vehicleBody().vehicle }),
      ['body.vehicle'],
    ],
  ])('refuses %s with 400 naming the field', async (_, body, paths) => {
    const owner = await lister(t);
    await expectInvalid(await t.json('POST', BASE, body, owner.headers), paths);
    expect((await mine(owner)).items).toEqual([]);
  });

  it('refuses a price past the safe integers, which JSON numbers cannot carry exactly', async () => {
    const owner = await lister(t);
    const res = await t.json('POST', BASE, price(2 ** 53), owner.headers);
    expect(res.status).toBe(400);
    const paths = new Set((await problemOf(res)).errors?.map((e) => e.path));
    expect([...paths]).toEqual(['body.price.amount']);
  });

  it('names every bad field of one request', async () => {
    const owner = await lister(t);
    await expectInvalid(
      await t.json(
        'POST',
        BASE,
        propertyBody({
          purpose: 'rent',
          title: '',
          price: { amount: 0, currency: 'XYZ' },
          location: { city: 'Addis Ababa', countryCode: 'ET', lat: 91, lng: -181 },
          property: { type: 'apartment', bathrooms: 2.3, features: ['jacuzzi'] },
        }),
        owner.headers,
      ),
      [
        'body.rentPeriod',
        'body.title',
        'body.price.amount',
        'body.price.currency',
        'body.location.lat',
        'body.location.lng',
        'body.property.bathrooms',
        'body.property.features.0',
      ],
    );
  });

  it.each([null, [], 'a listing', 42])(
    'refuses the body %j with 400 naming the body',
    async (body) => {
      const owner = await lister(t);
      await expectInvalid(await t.json('POST', BASE, body, owner.headers), ['body']);
    },
  );

  it('refuses a body that is not JSON with 400', async () => {
    const owner = await lister(t);
    const res = await t.request(BASE, {
      method: 'POST',
      headers: { ...owner.headers, 'Content-Type': 'application/json' },
      body: '{"kind": "property",',
    });
    expect(res.status).toBe(400);
    await problemOf(res);
  });

  it('refuses a buyer with 403 lister-role-required', async () => {
    const buyer = await signedInUser(t);
    const problem = await expectProblem(
      await t.json('POST', BASE, propertyBody(), buyer.headers),
      403,
      'lister-role-required',
    );
    expect(problem.detail).toContain('/profile/roles');
  });

  it.each<Role>(['seller', 'organizer', 'moderator'])('refuses a %s', async (role) => {
    const user = await signedInUser(t, { roles: [role] });
    await expectProblem(
      await t.json('POST', BASE, propertyBody(), user.headers),
      403,
      'lister-role-required',
    );
  });

  it.each<Role>(['owner', 'agent', 'broker'])('lets a granted %s list', async (role) => {
    const user = await lister(t, role);
    const listing = await createDraft(t, user, propertyBody());
    expect(listing).toMatchObject({ status: 'draft', ownerId: user.user.id });
  });
});

describe('an agent or broker whose KYC check is pending', () => {
  it.each(['agent', 'broker'] as const)(
    'may list as a %s; publishing sends the listing to review, out of public sight',
    async (role) => {
      const pending = await pendingLister(t, role);
      const stranger = await lister(t);
      const draft = await createDraft(t, pending, propertyBody());
      const inReview = await listingOf(await publish(pending, draft.id));
      expect(inReview).toMatchObject({ status: 'pending_review', publishedAt: null });

      await expectProblem(await get(draft.id), 404, 'not-found');
      await expectProblem(await get(draft.id, stranger), 404, 'not-found');
      expect((await listingOf(await get(draft.id, pending))).status).toBe('pending_review');
      expect((await mine(pending)).items.map((item) => [item.id, item.status])).toEqual([
        [draft.id, 'pending_review'],
      ]);
      expect(await eventsOf(draft.id)).toEqual([
        {
          name: 'listing.status_changed',
          payload: {
            listingId: draft.id,
            ownerId: pending.user.id,
            from: 'draft',
            to: 'pending_review',
          },
        },
        {
          name: 'listing.review_requested',
          payload: {
            listingId: draft.id,
            ownerId: pending.user.id,
            flags: [
              {
                rule: 'unverified_professional',
                reason: `The ${role} role still waits for its KYC check.`,
              },
            ],
          },
        },
      ]);
    },
  );

  it('cannot put the listing on the market through the status route or by publishing again', async () => {
    const pending = await pendingLister(t);
    const draft = await createDraft(t, pending, vehicleBody());
    await listingOf(await publish(pending, draft.id));
    await expectProblem(await setStatus(pending, draft.id, 'active'), 409, 'invalid-status-change');
    await expectProblem(await publish(pending, draft.id), 409, 'not-publishable');
    expect((await listingOf(await get(draft.id, pending))).status).toBe('pending_review');
  });
});

describe('GET /listings/{id}', () => {
  it('shows an active listing to guests and other users', async () => {
    const owner = await lister(t);
    const listing = await createActive(t, owner, propertyBody());
    expect(await listingOf(await get(listing.id))).toStrictEqual(listing);
    expect(await listingOf(await get(listing.id, await signedInUser(t)))).toStrictEqual(listing);
  });

  it('shows a listing under offer to guests', async () => {
    const owner = await lister(t);
    const listing = await createActive(t, owner, propertyBody());
    await listingOf(await setStatus(owner, listing.id, 'under_offer'));
    expect((await listingOf(await get(listing.id))).status).toBe('under_offer');
  });

  it('hides a draft, a sold listing and an archived one from guests and other users', async () => {
    const owner = await lister(t);
    const stranger = await signedInUser(t);
    const draft = await createDraft(t, owner, propertyBody());
    const sold = await createActive(t, owner, propertyBody());
    await listingOf(await setStatus(owner, sold.id, 'sold'));
    const archived = await createActive(t, owner, propertyBody());
    expect((await archive(owner, archived.id)).status).toBe(204);
    for (const id of [draft.id, sold.id, archived.id]) {
      await expectProblem(await get(id), 404, 'not-found');
      await expectProblem(await get(id, stranger), 404, 'not-found');
      expect((await get(id, owner)).status).toBe(200);
    }
  });

  it('shows a draft to moderators and admins', async () => {
    const owner = await lister(t);
    const draft = await createDraft(t, owner, propertyBody());
    for (const role of ['moderator', 'admin'] as const) {
      const staff = await signedInUser(t, { roles: [role] });
      expect((await listingOf(await get(draft.id, staff))).status).toBe('draft');
    }
  });

  it('answers 404 for an unknown id and 400 for one that is not a UUID', async () => {
    await expectProblem(await get(someId), 404, 'not-found');
    await expectInvalid(await get('not-a-uuid'), ['params.id']);
  });
});

describe('another user’s listing', () => {
  it('is 404 to every route while it is a draft, and stays as it was', async () => {
    const owner = await lister(t);
    const stranger = await lister(t);
    const draft = await createDraft(t, owner, propertyBody());
    const attempts = [
      get(draft.id, stranger),
      patch(stranger, draft.id, { title: 'Mine now' }),
      archive(stranger, draft.id),
      publish(stranger, draft.id),
      setStatus(stranger, draft.id, 'active'),
    ];
    for (const res of await Promise.all(attempts)) await expectProblem(res, 404, 'not-found');
    expect(await listingOf(await get(draft.id, owner))).toStrictEqual(draft);
    expect(await eventsOf(draft.id)).toEqual([]);
  });

  it('is readable but 403 to changes once active', async () => {
    const owner = await lister(t);
    const stranger = await lister(t);
    const listing = await createActive(t, owner, propertyBody());
    expect((await get(listing.id, stranger)).status).toBe(200);
    const attempts = [
      patch(stranger, listing.id, { title: 'Mine now' }),
      archive(stranger, listing.id),
      publish(stranger, listing.id),
      setStatus(stranger, listing.id, 'sold'),
    ];
    for (const res of await Promise.all(attempts)) await expectProblem(res, 403, 'forbidden');
    expect(await listingOf(await get(listing.id))).toStrictEqual(listing);
  });

  it('is visible to a moderator, who still may not change it', async () => {
    const owner = await lister(t);
    const moderator = await signedInUser(t, { roles: ['moderator'] });
    const draft = await createDraft(t, owner, propertyBody());
    expect((await get(draft.id, moderator)).status).toBe(200);
    await expectProblem(await patch(moderator, draft.id, { title: 'Edited' }), 403, 'forbidden');
    await expectProblem(await archive(moderator, draft.id), 403, 'forbidden');
    await expectProblem(await publish(moderator, draft.id), 403, 'forbidden');
    expect(await listingOf(await get(draft.id, owner))).toStrictEqual(draft);
  });

  it('may be changed by an admin, and the change is audited', async () => {
    const owner = await lister(t);
    const admin = await signedInUser(t, { roles: ['admin'] });
    const listing = await createActive(t, owner, propertyBody());
    const changed = await listingOf(
      await patch(admin, listing.id, { title: 'Title fixed by staff' }),
    );
    expect(changed).toMatchObject({ title: 'Title fixed by staff', ownerId: owner.user.id });
    const entries = await auditOf(listing.id);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      action: 'listing.updated',
      actorId: admin.user.id,
      before: { status: 'active' },
      after: { fields: ['title'] },
      metadata: { ownerId: owner.user.id },
    });
    expect(entries[0]?.requestId).toEqual(expect.any(String));
  });

  it('may be archived by an admin, audited too', async () => {
    const owner = await lister(t);
    const admin = await signedInUser(t, { roles: ['admin'] });
    const listing = await createActive(t, owner, propertyBody());
    expect((await archive(admin, listing.id)).status).toBe(204);
    expect((await listingOf(await get(listing.id, owner))).status).toBe('archived');
    expect((await auditOf(listing.id)).map((e) => [e.actorId, e.after])).toEqual([
      [admin.user.id, { status: 'archived' }],
    ]);
    const archived = (await eventsOf(listing.id)).find((e) => e.name === 'listing.archived');
    expect(archived?.payload).toEqual({
      listingId: listing.id,
      ownerId: owner.user.id,
      by: admin.user.id,
    });
  });

  it('is not audited when its owner changes it', async () => {
    const owner = await lister(t);
    const listing = await createActive(t, owner, propertyBody());
    await listingOf(await patch(owner, listing.id, { title: 'My own edit' }));
    await listingOf(await setStatus(owner, listing.id, 'sold'));
    expect(await archive(owner, listing.id)).toHaveProperty('status', 204);
    expect(await auditOf(listing.id)).toEqual([]);
  });
});

describe('PATCH /listings/{id}', () => {
  it('merges property attributes into those there', async () => {
    const owner = await lister(t);
    const draft = await createDraft(t, owner, propertyBody());
    const changed = await listingOf(
      await patch(owner, draft.id, { property: { bedrooms: 4, furnished: false } }),
    );
    expect(changed.property).toEqual({
      ...draft.property,
      bedrooms: 4,
      furnished: false,
    });
    expect(changed.property?.features).toEqual(['balcony', 'city_view']);
    expect(changed.title).toBe(draft.title);
    expect(new Date(changed.updatedAt).getTime()).toBeGreaterThanOrEqual(
      new Date(draft.updatedAt).getTime(),
    );
    expect(await listingOf(await get(draft.id, owner))).toStrictEqual(changed);
  });

  it('clears an attribute given as null and replaces a list whole', async () => {
    const owner = await lister(t);
    const draft = await createDraft(t, owner, propertyBody());
    const changed = await listingOf(
      await patch(owner, draft.id, { property: { yearBuilt: null, features: ['garden'] } }),
    );
    expect(changed.property).toMatchObject({
      yearBuilt: null,
      features: ['garden'],
      amenities: ['elevator'],
      bedrooms: 3,
    });
  });

  it('merges vehicle attributes, validating the merged VIN', async () => {
    const owner = await lister(t);
    const draft = await createDraft(t, owner, vehicleBody());
    const changed = await listingOf(
      await patch(owner, draft.id, { vehicle: { mileageKm: 120_000, color: 'White' } }),
    );
    expect(changed.vehicle).toEqual({ ...draft.vehicle, mileageKm: 120_000, color: 'White' });
    await expectInvalid(await patch(owner, draft.id, { vehicle: { vin: '1HGCM82634A004352' } }), [
      'body.vehicle.vin',
    ]);
    await expectInvalid(await patch(owner, draft.id, { vehicle: { year: THIS_YEAR + 2 } }), [
      'body.vehicle.year',
    ]);
  });

  it('replaces the location whole', async () => {
    const owner = await lister(t);
    const draft = await createDraft(t, owner, propertyBody());
    const location = { city: 'Nairobi', countryCode: 'ke', lat: -1.29, lng: 36.82 };
    const changed = await listingOf(await patch(owner, draft.id, { location }));
    expect(changed.location).toEqual({
      address: null,
      city: 'Nairobi',
      region: null,
      countryCode: 'KE',
      postalCode: null,
      lat: -1.29,
      lng: 36.82,
    });
    await expectInvalid(await patch(owner, draft.id, { location: { city: 'Mombasa' } }), [
      'body.location.countryCode',
      'body.location.lat',
      'body.location.lng',
    ]);
  });

  it('changes the price and the title of an active listing, which stays active', async () => {
    const owner = await lister(t);
    const listing = await createActive(t, owner, propertyBody());
    const changed = await listingOf(
      await patch(owner, listing.id, {
        title: 'Price drop: sunny apartment',
        price: { amount: 1_100_000_000, currency: 'ETB' },
      }),
    );
    expect(changed).toMatchObject({
      status: 'active',
      title: 'Price drop: sunny apartment',
      price: { amount: 1_100_000_000, currency: 'ETB' },
      publishedAt: listing.publishedAt,
    });
  });

  it('refuses the other kind’s attributes with 409 kind-mismatch', async () => {
    const owner = await lister(t);
    const house = await createDraft(t, owner, propertyBody());
    const problem = await expectProblem(
      await patch(owner, house.id, { vehicle: { mileageKm: 10 } }),
      409,
      'kind-mismatch',
    );
    expect(problem.errors?.map((e) => e.path)).toEqual(['body.vehicle']);
    const car = await createDraft(t, owner, vehicleBody());
    const reverse = await expectProblem(
      await patch(owner, car.id, { property: { bedrooms: 2 } }),
      409,
      'kind-mismatch',
    );
    expect(reverse.errors?.map((e) => e.path)).toEqual(['body.property']);
  });

  it('keeps the kind: a kind in the body is an unknown field', async () => {
    const owner = await lister(t);
    const house = await createDraft(t, owner, propertyBody());
    await expectInvalid(await patch(owner, house.id, { kind: 'vehicle' }), ['body.kind']);
  });

  it('wants the period when a sale becomes a rent, and drops it when a rent becomes a sale', async () => {
    const owner = await lister(t);
    const draft = await createDraft(t, owner, propertyBody());
    await expectInvalid(await patch(owner, draft.id, { purpose: 'rent' }), ['body.rentPeriod']);
    await expectInvalid(await patch(owner, draft.id, { rentPeriod: 'week' }), ['body.rentPeriod']);
    const rent = await listingOf(
      await patch(owner, draft.id, { purpose: 'rent', rentPeriod: 'month' }),
    );
    expect(rent).toMatchObject({ purpose: 'rent', rentPeriod: 'month' });
    const weekly = await listingOf(await patch(owner, draft.id, { rentPeriod: 'week' }));
    expect(weekly).toMatchObject({ purpose: 'rent', rentPeriod: 'week' });
    await expectInvalid(await patch(owner, draft.id, { rentPeriod: null }), ['body.rentPeriod']);
    const sale = await listingOf(await patch(owner, draft.id, { purpose: 'sale' }));
    expect(sale).toMatchObject({ purpose: 'sale', rentPeriod: null });
  });

  it('refuses an empty change and bad fields with 400', async () => {
    const owner = await lister(t);
    const draft = await createDraft(t, owner, propertyBody());
    await expectInvalid(await patch(owner, draft.id, {}), ['body']);
    await expectInvalid(
      await patch(owner, draft.id, {
        price: { amount: -5, currency: 'ETB' },
        property: { bathrooms: 1.25 },
      }),
      ['body.price.amount', 'body.property.bathrooms'],
    );
    await expectInvalid(await patch(owner, draft.id, { status: 'active' }), ['body.status']);
    await expectInvalid(await patch(owner, 'not-a-uuid', { title: 'x' }), ['params.id']);
    expect(await listingOf(await get(draft.id, owner))).toStrictEqual(draft);
  });

  it('refuses to change an archived listing with 409 listing-archived', async () => {
    const owner = await lister(t);
    const draft = await createDraft(t, owner, propertyBody());
    expect((await archive(owner, draft.id)).status).toBe(204);
    await expectProblem(await patch(owner, draft.id, { title: 'Back' }), 409, 'listing-archived');
  });

  it('answers 404 for an unknown listing', async () => {
    const owner = await lister(t);
    await expectProblem(await patch(owner, someId, { title: 'x' }), 404, 'not-found');
  });
});

describe('POST /listings/{id}/publish', () => {
  it('puts a draft on the market with its publication time', async () => {
    const owner = await lister(t);
    const draft = await createDraft(t, owner, vehicleBody());
    const before = Date.now();
    const active = await listingOf(await publish(owner, draft.id));
    expect(active.status).toBe('active');
    const publishedAt = new Date(active.publishedAt ?? '').getTime();
    expect(publishedAt).toBeGreaterThanOrEqual(before - 1000);
    expect(publishedAt).toBeLessThanOrEqual(Date.now() + 1000);
    expect((await listingOf(await get(draft.id))).status).toBe('active');
  });

  it.each(['agent', 'broker'] as const)(
    'puts a verified %s’s draft on the market',
    async (role) => {
      const pro = await lister(t, role);
      await createActive(t, pro, propertyBody());
    },
  );

  it('publishes once when asked twice at the same time', async () => {
    const owner = await lister(t);
    const draft = await createDraft(t, owner, propertyBody());
    const results = await Promise.all([publish(owner, draft.id), publish(owner, draft.id)]);
    expect(results.map((res) => res.status).sort()).toEqual([200, 409]);
    const names = (await eventsOf(draft.id)).map((event) => event.name);
    expect(names).toEqual(['listing.status_changed', 'listing.published']);
  });

  it('refuses to publish twice with 409 not-publishable', async () => {
    const owner = await lister(t);
    const listing = await createActive(t, owner, propertyBody());
    await expectProblem(await publish(owner, listing.id), 409, 'not-publishable');
    await listingOf(await setStatus(owner, listing.id, 'sold'));
    await expectProblem(await publish(owner, listing.id), 409, 'not-publishable');
    expect((await listingOf(await get(listing.id, owner))).publishedAt).toBe(listing.publishedAt);
  });

  it('refuses an archived listing with 409', async () => {
    const owner = await lister(t);
    const draft = await createDraft(t, owner, propertyBody());
    expect((await archive(owner, draft.id)).status).toBe(204);
    await expectProblem(await publish(owner, draft.id), 409, 'listing-archived');
    expect((await listingOf(await get(draft.id, owner))).status).toBe('archived');
  });

  it('answers 404 for an unknown listing', async () => {
    const owner = await lister(t);
    await expectProblem(await publish(owner, someId), 404, 'not-found');
  });
});

describe('POST /listings/{id}/status', () => {
  const walk = async (who: SignedIn, id: string, steps: string[]) => {
    for (const step of steps) {
      expect((await listingOf(await setStatus(who, id, step))).status).toBe(step);
    }
  };

  it('moves a sale under offer, back, then sold, and back on the market', async () => {
    const owner = await lister(t);
    const listing = await createActive(t, owner, propertyBody());
    await walk(owner, listing.id, [
      'under_offer',
      'active',
      'under_offer',
      'sold',
      'active',
      'sold',
    ]);
  });

  it('moves a rent to rented, from active or under offer, and back', async () => {
    const owner = await lister(t);
    const listing = await createActive(
      t,
      owner,
      propertyBody({ purpose: 'rent', rentPeriod: 'year' }),
    );
    await walk(owner, listing.id, ['rented', 'active', 'under_offer', 'rented', 'active']);
  });

  it.each<[string, Body, string[], string]>([
    ['a sale to rented', propertyBody(), [], 'rented'],
    ['a rent to sold', propertyBody({ purpose: 'rent', rentPeriod: 'month' }), [], 'sold'],
    ['an active listing to active', propertyBody(), [], 'active'],
    ['a sold listing under offer', propertyBody(), ['sold'], 'under_offer'],
    [
      'a rented listing to sold',
      vehicleBody({ purpose: 'rent', rentPeriod: 'day' }),
      ['rented'],
      'sold',
    ],
  ])('refuses %s with 409 invalid-status-change', async (_, body, before, to) => {
    const owner = await lister(t);
    const listing = await createActive(t, owner, body);
    await walk(owner, listing.id, before);
    await expectProblem(await setStatus(owner, listing.id, to), 409, 'invalid-status-change');
    expect((await listingOf(await get(listing.id, owner))).status).toBe(before.at(-1) ?? 'active');
  });

  it('refuses to move a draft or an archived listing', async () => {
    const owner = await lister(t);
    const draft = await createDraft(t, owner, propertyBody());
    await expectProblem(await setStatus(owner, draft.id, 'sold'), 409, 'invalid-status-change');
    await expectProblem(await setStatus(owner, draft.id, 'active'), 409, 'invalid-status-change');
    const listing = await createActive(t, owner, propertyBody());
    expect((await archive(owner, listing.id)).status).toBe(204);
    await expectProblem(await setStatus(owner, listing.id, 'active'), 409, 'invalid-status-change');
    expect((await listingOf(await get(draft.id, owner))).status).toBe('draft');
    expect((await listingOf(await get(listing.id, owner))).status).toBe('archived');
  });

  it.each(['archived', 'draft', 'pending_review', 'expired', 'gone'])(
    'refuses the status %s with 400 body.status',
    async (status) => {
      const owner = await lister(t);
      const listing = await createActive(t, owner, propertyBody());
      await expectInvalid(await setStatus(owner, listing.id, status), ['body.status']);
    },
  );

  it('refuses a body without a status or with more', async () => {
    const owner = await lister(t);
    const listing = await createActive(t, owner, propertyBody());
    await expectInvalid(await t.json('POST', `${BASE}/${listing.id}/status`, {}, owner.headers), [
      'body.status',
    ]);
    await expectInvalid(
      await t.json(
        'POST',
        `${BASE}/${listing.id}/status`,
        { status: 'sold', soldTo: 'someone' },
        owner.headers,
      ),
      ['body.soldTo'],
    );
  });
});

describe('DELETE /listings/{id}', () => {
  it('archives: 204 twice, gone from public sight, still the owner’s', async () => {
    const owner = await lister(t);
    const listing = await createActive(t, owner, propertyBody());
    const first = await archive(owner, listing.id);
    expect(first.status).toBe(204);
    expect(await first.text()).toBe('');
    expect((await archive(owner, listing.id)).status).toBe(204);
    await expectProblem(await get(listing.id), 404, 'not-found');
    expect((await listingOf(await get(listing.id, owner))).status).toBe('archived');
    expect((await mine(owner)).items.map((item) => [item.id, item.status])).toEqual([
      [listing.id, 'archived'],
    ]);
    expect((await mine(owner, '?status=archived')).items.map((item) => item.id)).toEqual([
      listing.id,
    ]);
    const names = (await eventsOf(listing.id)).map((e) => e.name);
    expect(names.filter((name) => name === 'listing.archived')).toHaveLength(1);
  });

  it('archives a draft', async () => {
    const owner = await lister(t);
    const draft = await createDraft(t, owner, vehicleBody());
    expect((await archive(owner, draft.id)).status).toBe(204);
    expect((await listingOf(await get(draft.id, owner))).status).toBe('archived');
  });

  it('answers 404 for an unknown listing', async () => {
    const owner = await lister(t);
    await expectProblem(await archive(owner, someId), 404, 'not-found');
  });
});

describe('GET /me/listings', () => {
  it('lists only the caller’s listings, in every status, newest first', async () => {
    const owner = await lister(t);
    const other = await lister(t);
    await createActive(t, other, propertyBody());
    const draft = await createDraft(t, owner, propertyBody());
    const active = await createActive(t, owner, vehicleBody());
    const underOffer = await createActive(t, owner, propertyBody());
    await listingOf(await setStatus(owner, underOffer.id, 'under_offer'));
    const sold = await createActive(t, owner, propertyBody());
    await listingOf(await setStatus(owner, sold.id, 'sold'));
    const archived = await createDraft(t, owner, propertyBody());
    expect((await archive(owner, archived.id)).status).toBe(204);

    const page = await mine(owner);
    expect(page.nextCursor).toBeNull();
    expect(page.items.map((item) => [item.id, item.status])).toEqual([
      [archived.id, 'archived'],
      [sold.id, 'sold'],
      [underOffer.id, 'under_offer'],
      [active.id, 'active'],
      [draft.id, 'draft'],
    ]);
    const summary = page.items.find((item) => item.id === active.id);
    const { photos: _photos, ...fields } = active;
    expect(summary).toStrictEqual({ ...fields, updatedAt: expect.any(String), primaryPhoto: null });
  });

  it('filters by status', async () => {
    const owner = await lister(t);
    const draft = await createDraft(t, owner, propertyBody());
    const first = await createActive(t, owner, propertyBody());
    const second = await createActive(t, owner, vehicleBody());
    expect((await mine(owner, '?status=active')).items.map((item) => item.id)).toEqual([
      second.id,
      first.id,
    ]);
    expect((await mine(owner, '?status=draft')).items.map((item) => item.id)).toEqual([draft.id]);
    expect((await mine(owner, '?status=sold')).items).toEqual([]);
  });

  it('walks 25 listings by cursor, each exactly once, with and without a filter', async () => {
    const owner = await lister(t);
    const made: ListingView[] = [];
    for (let i = 0; i < 25; i++) {
      made.push(await createDraft(t, owner, propertyBody({ title: `Listing number ${i}` })));
    }
    for (const listing of made.filter((_, i) => i % 3 === 0)) {
      await listingOf(await publish(owner, listing.id));
    }
    const newestFirst = made.map((listing) => listing.id).reverse();
    expect(await allMine(owner, '', 7)).toEqual(newestFirst);
    expect(await allMine(owner, '', 25)).toEqual(newestFirst);
    const active = made
      .filter((_, i) => i % 3 === 0)
      .map((listing) => listing.id)
      .reverse();
    expect(await allMine(owner, 'status=active', 4)).toEqual(active);
    expect(await allMine(owner, 'status=draft', 6)).toEqual(
      newestFirst.filter((id) => !active.includes(id)),
    );
  });

  it('refuses a cursor from another filter, or one altered', async () => {
    const owner = await lister(t);
    for (let i = 0; i < 3; i++) await createActive(t, owner, propertyBody());
    const { nextCursor } = await mine(owner, '?status=active&limit=1');
    expect(nextCursor).toEqual(expect.any(String));
    const cursor = encodeURIComponent(nextCursor ?? '');
    expect((await mine(owner, `?status=active&limit=1&cursor=${cursor}`)).items).toHaveLength(1);
    const res = await t.request(`/api/v1/me/listings?limit=1&cursor=${cursor}`, {
      headers: owner.headers,
    });
    await expectProblem(res, 400, 'invalid-cursor');
    const altered = await t.request(`/api/v1/me/listings?cursor=${cursor}x`, {
      headers: owner.headers,
    });
    await expectProblem(altered, 400, 'invalid-cursor');
  });

  it('names a bad status or limit', async () => {
    const owner = await lister(t);
    const ask = (query: string) =>
      t.request(`/api/v1/me/listings${query}`, { headers: owner.headers });
    await expectInvalid(await ask('?status=gone'), ['query.status']);
    await expectInvalid(await ask('?limit=0'), ['query.limit']);
    await expectInvalid(await ask('?limit=101&status=nope'), ['query.limit', 'query.status']);
  });

  it('is empty for a buyer who never listed', async () => {
    const buyer = await signedInUser(t);
    expect(await mine(buyer)).toEqual({ items: [], nextCursor: null });
  });
});

describe('events', () => {
  it('records publishing, changes, status moves and archiving in the outbox', async () => {
    const owner = await lister(t);
    const draft = await createDraft(t, owner, propertyBody());
    expect(await eventsOf(draft.id)).toEqual([]);
    const ref = { listingId: draft.id, ownerId: owner.user.id };

    await listingOf(await publish(owner, draft.id));
    await listingOf(
      await patch(owner, draft.id, { title: 'New title', property: { bedrooms: 4 } }),
    );
    await listingOf(await setStatus(owner, draft.id, 'under_offer'));
    expect((await archive(owner, draft.id)).status).toBe(204);

    expect(await eventsOf(draft.id)).toEqual([
      { name: 'listing.status_changed', payload: { ...ref, from: 'draft', to: 'active' } },
      { name: 'listing.published', payload: { ...ref, kind: 'property' } },
      { name: 'listing.updated', payload: { ...ref, fields: ['title', 'property'] } },
      {
        name: 'listing.status_changed',
        payload: { ...ref, from: 'active', to: 'under_offer' },
      },
      {
        name: 'listing.status_changed',
        payload: { ...ref, from: 'under_offer', to: 'archived' },
      },
      { name: 'listing.archived', payload: { ...ref, by: owner.user.id } },
    ]);
  });

  it('records nothing for a refused change', async () => {
    const owner = await lister(t);
    const listing = await createActive(t, owner, propertyBody());
    const before = await eventsOf(listing.id);
    await expectInvalid(await patch(owner, listing.id, { purpose: 'rent' }), ['body.rentPeriod']);
    await expectProblem(await setStatus(owner, listing.id, 'rented'), 409, 'invalid-status-change');
    await expectProblem(await publish(owner, listing.id), 409, 'not-publishable');
    expect(await eventsOf(listing.id)).toEqual(before);
  });
});

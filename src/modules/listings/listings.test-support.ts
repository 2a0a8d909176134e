import { expect } from 'vitest';
import { createUser, type SignedIn, signedInUser, signIn } from '../../../test/factories.ts';
import type { TestApp } from '../../../test/harness.ts';
import type { Role } from '../../platform/core/permissions.ts';
import { userRoles } from '../identity/tables.ts';
import type { ListingSummaryView, ListingView } from './views.ts';

/** Listing bodies and listers for the listings tests. */

export type Body = Record<string, unknown>;

let bodies = 0;
/**
 * Each body's description is its own: the same text as another account's listing sends a
 * listing to review (the duplicate_text moderation rule).
 */
const numbered = (description: string) => `${description} Listing number ${++bodies}.`;

/** A 3-bedroom apartment for sale in Bole, Addis Ababa; `overrides` replace top-level fields. */
export function propertyBody(overrides: Body = {}): Body {
  return {
    kind: 'property',
    purpose: 'sale',
    title: 'Sunny three bedroom apartment',
    description: numbered('Bright corner unit with a balcony and a view over the city.'),
    price: { amount: 1_250_000_000, currency: 'ETB' },
    location: {
      address: 'Bole Road',
      city: 'Addis Ababa',
      region: 'Addis Ababa',
      countryCode: 'ET',
      lat: 8.9959,
      lng: 38.7866,
    },
    property: {
      type: 'apartment',
      bedrooms: 3,
      bathrooms: 2,
      floorAreaM2: 145,
      yearBuilt: 2018,
      features: ['balcony', 'city_view'],
      amenities: ['elevator'],
    },
    ...overrides,
  };
}

/** A used 2015 Toyota Corolla for sale in Nairobi. */
export function vehicleBody(overrides: Body = {}): Body {
  return {
    kind: 'vehicle',
    purpose: 'sale',
    title: 'Toyota Corolla, one owner',
    description: numbered('Serviced at the dealer, new tyres.'),
    price: { amount: 180_000_000, currency: 'KES' },
    location: { city: 'Nairobi', countryCode: 'KE', lat: -1.2864, lng: 36.8172 },
    vehicle: {
      category: 'car',
      make: 'Toyota',
      model: 'Corolla',
      year: 2015,
      mileageKm: 98_000,
      fuel: 'petrol',
      transmission: 'automatic',
      bodyType: 'sedan',
      condition: 'used',
      vin: '1HGCM82633A004352',
    },
    ...overrides,
  };
}

/** A signed-in user holding a lister role (owner unless told). */
export function lister(t: TestApp, role: Role = 'owner'): Promise<SignedIn> {
  return signedInUser(t, { roles: [role] });
}

/** A buyer who asked to be an agent or broker and whose KYC check has not finished. */
export async function pendingLister(
  t: TestApp,
  role: 'agent' | 'broker' = 'agent',
): Promise<SignedIn> {
  const user = await createUser(t);
  await t.database.db.insert(userRoles).values({ userId: user.id, role, status: 'pending' });
  return signIn(t, user);
}

export async function createDraft(t: TestApp, who: SignedIn, body: Body): Promise<ListingView> {
  const res = await t.json('POST', '/api/v1/listings', body, who.headers);
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json()) as ListingView;
}

/** Created and published: active, as its lister holds a granted role. */
export async function createActive(t: TestApp, who: SignedIn, body: Body): Promise<ListingView> {
  const draft = await createDraft(t, who, body);
  const res = await t.request(`/api/v1/listings/${draft.id}/publish`, {
    method: 'POST',
    headers: who.headers,
  });
  expect(res.status, await res.clone().text()).toBe(200);
  const listing = (await res.json()) as ListingView;
  expect(listing.status).toBe('active');
  return listing;
}

export interface ListingPage {
  items: ListingSummaryView[];
  nextCursor: string | null;
}

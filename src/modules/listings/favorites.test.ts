import { and, eq } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { type SignedIn, signedInUser } from '../../../test/factories.ts';
import { createTestApp, expectInvalid, problemOf } from '../../../test/harness.ts';
import { securityCases } from '../../../test/security.ts';
import type { FavoriteView } from './favorites.ts';
import {
  createActive,
  createDraft,
  lister,
  propertyBody,
  vehicleBody,
} from './listings.test-support.ts';
import { favorites } from './tables.ts';

const t = await createTestApp();
afterAll(() => t.close());

interface FavoritePage {
  items: FavoriteView[];
  nextCursor: string | null;
}

const save = (who: SignedIn, listingId: string) =>
  t.request(`/api/v1/favorites/${listingId}`, { method: 'PUT', headers: who.headers });

const forget = (who: SignedIn, listingId: string) =>
  t.request(`/api/v1/favorites/${listingId}`, { method: 'DELETE', headers: who.headers });

async function list(who: SignedIn, query = ''): Promise<FavoritePage> {
  const res = await t.request(`/api/v1/favorites${query}`, { headers: who.headers });
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as FavoritePage;
}

const savedIds = async (who: SignedIn) =>
  (await list(who, '?limit=100')).items.map((f) => f.listing.id);

const rowsOf = (who: SignedIn, listingId: string) =>
  t.database.db
    .select()
    .from(favorites)
    .where(and(eq(favorites.userId, who.user.id), eq(favorites.listingId, listingId)));

const someId = crypto.randomUUID();
for (const route of [
  { method: 'PUT', path: `/api/v1/favorites/${someId}` },
  { method: 'DELETE', path: `/api/v1/favorites/${someId}` },
  { method: 'GET', path: '/api/v1/favorites' },
]) {
  securityCases(() => t, { ...route, allowed: [] });
}

describe('PUT /favorites/{listingId}', () => {
  it('saves an active listing once, keeping the first savedAt', async () => {
    const owner = await lister(t);
    const buyer = await signedInUser(t);
    const listing = await createActive(t, owner, propertyBody());

    expect((await save(buyer, listing.id)).status).toBe(204);
    const [first] = (await list(buyer)).items;
    expect(first).toMatchObject({ listing: { id: listing.id, status: 'active' }, available: true });
    await new Promise((resolve) => setTimeout(resolve, 10));

    expect((await save(buyer, listing.id)).status).toBe(204);
    const page = await list(buyer);
    expect(page.items).toHaveLength(1);
    expect(page.items[0]?.savedAt).toBe(first?.savedAt);
    expect(await rowsOf(buyer, listing.id)).toHaveLength(1);
  });

  it('carries the listing as a summary with its primary photo', async () => {
    const owner = await lister(t);
    const buyer = await signedInUser(t);
    const listing = await createActive(t, owner, vehicleBody());
    await save(buyer, listing.id);
    const [item] = (await list(buyer)).items;
    expect(item?.listing).toMatchObject({
      id: listing.id,
      kind: 'vehicle',
      title: listing.title,
      price: listing.price,
      vehicle: { make: 'Toyota', model: 'Corolla' },
      primaryPhoto: null,
    });
    expect(item?.listing).not.toHaveProperty('photos');
  });

  it('answers 404 for someone else’s draft and for an unknown listing, saving nothing', async () => {
    const owner = await lister(t);
    const stranger = await signedInUser(t);
    const draft = await createDraft(t, owner, propertyBody());
    for (const id of [draft.id, crypto.randomUUID()]) {
      const res = await save(stranger, id);
      expect(res.status).toBe(404);
      expect((await problemOf(res)).code).toBe('not-found');
    }
    expect(await savedIds(stranger)).toEqual([]);
  });

  it('lets owners save their own draft', async () => {
    const owner = await lister(t);
    const draft = await createDraft(t, owner, propertyBody());
    expect((await save(owner, draft.id)).status).toBe(204);
    expect((await list(owner)).items).toMatchObject([
      { listing: { id: draft.id, status: 'draft' }, available: false },
    ]);
  });

  it('refuses a listing id that is not a UUID', async () => {
    const buyer = await signedInUser(t);
    await expectInvalid(await save(buyer, 'not-a-uuid'), ['params.listingId']);
    await expectInvalid(await forget(buyer, '12345'), ['params.listingId']);
  });
});

describe('DELETE /favorites/{listingId}', () => {
  it('forgets a saved listing, and is harmless when it is not saved', async () => {
    const owner = await lister(t);
    const buyer = await signedInUser(t);
    const kept = await createActive(t, owner, propertyBody());
    const dropped = await createActive(t, owner, vehicleBody());

    expect((await forget(buyer, dropped.id)).status).toBe(204);
    await save(buyer, kept.id);
    await save(buyer, dropped.id);
    expect((await forget(buyer, dropped.id)).status).toBe(204);
    expect(await savedIds(buyer)).toEqual([kept.id]);
    expect((await forget(buyer, dropped.id)).status).toBe(204);
    expect((await forget(buyer, crypto.randomUUID())).status).toBe(204);
    expect(await savedIds(buyer)).toEqual([kept.id]);
  });

  it('forgets a listing that is no longer visible to the user', async () => {
    const owner = await lister(t);
    const buyer = await signedInUser(t);
    const listing = await createActive(t, owner, propertyBody());
    await save(buyer, listing.id);
    const archive = await t.request(`/api/v1/listings/${listing.id}`, {
      method: 'DELETE',
      headers: owner.headers,
    });
    expect(archive.status).toBe(204);
    expect((await forget(buyer, listing.id)).status).toBe(204);
    expect(await savedIds(buyer)).toEqual([]);
  });
});

describe('GET /favorites', () => {
  it('keeps listings that left the market, marked unavailable', async () => {
    const owner = await lister(t);
    const buyer = await signedInUser(t);
    const sold = await createActive(t, owner, propertyBody());
    const archived = await createActive(t, owner, propertyBody());
    const underOffer = await createActive(t, owner, vehicleBody());
    const stillActive = await createActive(t, owner, vehicleBody());
    for (const listing of [sold, archived, underOffer, stillActive]) {
      expect((await save(buyer, listing.id)).status).toBe(204);
    }
    const setStatus = (id: string, status: string) =>
      t.json('POST', `/api/v1/listings/${id}/status`, { status }, owner.headers);
    expect((await setStatus(sold.id, 'sold')).status).toBe(200);
    expect((await setStatus(underOffer.id, 'under_offer')).status).toBe(200);
    const archive = await t.request(`/api/v1/listings/${archived.id}`, {
      method: 'DELETE',
      headers: owner.headers,
    });
    expect(archive.status).toBe(204);

    const { items } = await list(buyer);
    const byId = new Map(items.map((f) => [f.listing.id, f]));
    expect(items).toHaveLength(4);
    expect(byId.get(sold.id)).toMatchObject({ available: false, listing: { status: 'sold' } });
    expect(byId.get(archived.id)).toMatchObject({
      available: false,
      listing: { status: 'archived' },
    });
    expect(byId.get(underOffer.id)).toMatchObject({
      available: true,
      listing: { status: 'under_offer' },
    });
    expect(byId.get(stillActive.id)).toMatchObject({
      available: true,
      listing: { status: 'active' },
    });
  });

  it('shows each user only their own favorites', async () => {
    const owner = await lister(t);
    const ada = await signedInUser(t);
    const bekele = await signedInUser(t);
    const house = await createActive(t, owner, propertyBody());
    const car = await createActive(t, owner, vehicleBody());
    await save(ada, house.id);
    await save(bekele, car.id);
    // Forgetting a listing one never saved leaves the other user's favorite alone.
    await forget(bekele, house.id);
    expect(await savedIds(ada)).toEqual([house.id]);
    expect(await savedIds(bekele)).toEqual([car.id]);
    expect(await savedIds(owner)).toEqual([]);
  });

  it('walks 25 favorites, most recently saved first, each exactly once', async () => {
    const owner = await lister(t);
    const buyer = await signedInUser(t);
    const ids: string[] = [];
    for (let i = 0; i < 25; i++) {
      ids.push((await createActive(t, owner, propertyBody({ title: `Flat ${i}` }))).id);
    }
    // Saved in an order unlike the listings' ids, so the walk cannot pass by following them.
    const saveOrder = [...ids.filter((_, i) => i % 2 === 1), ...ids.filter((_, i) => i % 2 === 0)];
    for (const id of saveOrder) expect((await save(buyer, id)).status).toBe(204);
    // Groups of five share a savedAt, so pages must break ties by listing id.
    const base = Date.now();
    for (const [i, id] of saveOrder.entries()) {
      await t.database.db
        .update(favorites)
        .set({ createdAt: new Date(base + Math.floor(i / 5) * 1000) })
        .where(and(eq(favorites.userId, buyer.user.id), eq(favorites.listingId, id)));
    }
    const expected = saveOrder
      .map((id, i) => ({ id, at: Math.floor(i / 5) }))
      .sort((a, b) => b.at - a.at || (a.id < b.id ? 1 : -1))
      .map((f) => f.id);

    const seen: FavoriteView[] = [];
    let cursor: string | null = null;
    do {
      const page = await list(buyer, `?limit=4${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.items.length).toBeLessThanOrEqual(4);
      seen.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen.map((f) => f.listing.id)).toEqual(expected);
    expect(new Set(seen.map((f) => f.listing.id)).size).toBe(25);
    expect(seen[0]?.savedAt).toBe(new Date(base + 4000).toISOString());
  });

  it('refuses a cursor from another list and a limit out of range', async () => {
    const owner = await lister(t);
    const buyer = await signedInUser(t);
    await createActive(t, owner, propertyBody());
    await createActive(t, owner, propertyBody());
    const mine = await t.request('/api/v1/me/listings?limit=1', { headers: owner.headers });
    const { nextCursor } = (await mine.json()) as { nextCursor: string };
    expect(nextCursor).toEqual(expect.any(String));
    const res = await t.request(`/api/v1/favorites?cursor=${nextCursor}`, {
      headers: buyer.headers,
    });
    expect(res.status).toBe(400);
    expect((await problemOf(res)).code).toBe('invalid-cursor');
    for (const limit of ['0', '101']) {
      await expectInvalid(
        await t.request(`/api/v1/favorites?limit=${limit}`, { headers: buyer.headers }),
        ['query.limit'],
      );
    }
  });
});

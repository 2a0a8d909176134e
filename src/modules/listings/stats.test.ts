import { eq } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { type SignedIn, signedInUser } from '../../../test/factories.ts';
import { createTestApp, expectInvalid, problemOf } from '../../../test/harness.ts';
import { securityCases } from '../../../test/security.ts';
import type { InquiryView } from './inquiries.ts';
import {
  propertyBody as baseProperty,
  createActive,
  createDraft,
  lister,
} from './listings.test-support.ts';
import { utcDay } from './page-views.ts';
import type { ListingStatsView } from './stats.ts';
import { inquiries, listingViews } from './tables.ts';

const t = await createTestApp();
afterAll(() => t.close());

// Each listing its own description: a copy of another account's goes to review.
const propertyBody = () => baseProperty({ description: `A flat, ref. ${crypto.randomUUID()}` });

const statsOf = (who: SignedIn, listingId: string, query = '') =>
  t.request(`/api/v1/me/listings/${listingId}/stats${query}`, { headers: who.headers });

async function stats(who: SignedIn, listingId: string, query = ''): Promise<ListingStatsView> {
  const res = await statsOf(who, listingId, query);
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as ListingStatsView;
}

/** `n` viewers on `day`, straight in the table. */
async function viewed(listingId: string, day: string, n: number): Promise<void> {
  await t.database.db
    .insert(listingViews)
    .values(Array.from({ length: n }, (_, i) => ({ listingId, day, viewer: `u:${day}:${i}` })));
}

async function inquiryAt(listingId: string, at: Date): Promise<void> {
  const res = await t.json('POST', `/api/v1/listings/${listingId}/inquiries`, {
    message: 'Still available?',
    email: 'guest@example.com',
  });
  expect(res.status, await res.clone().text()).toBe(201);
  const { id } = (await res.json()) as InquiryView;
  await t.database.db.update(inquiries).set({ createdAt: at }).where(eq(inquiries.id, id));
}

const DAY_MS = 86_400_000;

securityCases(() => t, {
  method: 'GET',
  path: `/api/v1/me/listings/${crypto.randomUUID()}/stats`,
  allowed: ['owner'],
});

describe('GET /me/listings/{id}/stats', () => {
  it('gives every day of the range, zeros included, with the totals', async () => {
    const owner = await lister(t);
    const listing = await createActive(t, owner, propertyBody());
    await viewed(listing.id, '2025-02-27', 4);
    await viewed(listing.id, '2025-02-28', 2);
    await viewed(listing.id, '2025-03-02', 1);
    // Outside the range, on either side.
    await viewed(listing.id, '2025-02-26', 5);
    await viewed(listing.id, '2025-03-03', 6);
    for (const fan of [await signedInUser(t), await signedInUser(t)]) {
      const res = await t.request(`/api/v1/favorites/${listing.id}`, {
        method: 'PUT',
        headers: fan.headers,
      });
      expect(res.status).toBe(204);
    }
    await inquiryAt(listing.id, new Date('2025-02-27T00:00:00.000Z'));
    await inquiryAt(listing.id, new Date('2025-03-02T23:59:59.999Z'));
    await inquiryAt(listing.id, new Date('2025-02-26T23:59:59.999Z'));
    await inquiryAt(listing.id, new Date('2025-03-03T00:00:00.000Z'));

    expect(await stats(owner, listing.id, '?from=2025-02-27&to=2025-03-02')).toEqual({
      listingId: listing.id,
      from: '2025-02-27',
      to: '2025-03-02',
      views: 7,
      favorites: 2,
      inquiries: 2,
      daily: [
        { date: '2025-02-27', views: 4 },
        { date: '2025-02-28', views: 2 },
        { date: '2025-03-01', views: 0 },
        { date: '2025-03-02', views: 1 },
      ],
    });
  });

  it('counts views made through GET /listings/{id}', async () => {
    const owner = await lister(t);
    const buyer = await signedInUser(t);
    const listing = await createActive(t, owner, propertyBody());
    for (const who of [buyer, buyer, owner]) {
      expect(
        (await t.request(`/api/v1/listings/${listing.id}`, { headers: who.headers })).status,
      ).toBe(200);
    }
    const today = utcDay(new Date());
    const result = await stats(owner, listing.id, `?from=${today}&to=${today}`);
    expect(result).toMatchObject({ views: 1, daily: [{ date: today, views: 1 }] });
  });

  it('covers the last 30 days, today included, by default', async () => {
    const owner = await lister(t);
    const listing = await createActive(t, owner, propertyBody());
    const today = utcDay(new Date());
    const first = utcDay(new Date(Date.now() - 29 * DAY_MS));
    await viewed(listing.id, today, 3);
    await viewed(listing.id, first, 1);
    await viewed(listing.id, utcDay(new Date(Date.now() - 30 * DAY_MS)), 8);

    const result = await stats(owner, listing.id);
    expect(result).toMatchObject({ from: first, to: today, views: 4, favorites: 0 });
    expect(result.daily).toHaveLength(30);
    expect(result.daily[0]).toEqual({ date: first, views: 1 });
    expect(result.daily[29]).toEqual({ date: today, views: 3 });

    const ending = await stats(owner, listing.id, '?to=2024-03-01');
    expect(ending).toMatchObject({ from: '2024-02-01', to: '2024-03-01' });
    expect(ending.daily).toHaveLength(30);
    const starting = await stats(owner, listing.id, `?from=${first}`);
    expect(starting).toMatchObject({ from: first, to: today, views: 4 });
  });

  it('takes a range of up to 366 days, and refuses a longer or backwards one', async () => {
    const owner = await lister(t);
    const listing = await createActive(t, owner, propertyBody());
    const year = await stats(owner, listing.id, '?from=2024-01-01&to=2024-12-31');
    expect(year.daily).toHaveLength(366);
    expect(year.daily.at(-1)).toEqual({ date: '2024-12-31', views: 0 });

    for (const [query, code] of [
      ['?from=2024-01-01&to=2025-01-01', 'range-too-long'],
      ['?from=2025-03-02&to=2025-03-01', 'invalid-range'],
    ] as const) {
      const res = await statsOf(owner, listing.id, query);
      expect(res.status).toBe(422);
      const problem = await problemOf(res);
      expect(problem.code).toBe(code);
      expect(problem.errors?.map((e) => e.path)).toEqual(['query.from']);
    }
    const future = await statsOf(owner, listing.id, '?from=2999-01-01');
    expect(future.status).toBe(422);
  });

  it('names a date that is not one', async () => {
    const owner = await lister(t);
    const listing = await createActive(t, owner, propertyBody());
    await expectInvalid(await statsOf(owner, listing.id, '?from=2025-02-30&to=yesterday'), [
      'query.from',
      'query.to',
    ]);
    await expectInvalid(await statsOf(owner, listing.id, '?from=0000-01-01&to=9999-12-31'), [
      'query.from',
      'query.to',
    ]);
    await expectInvalid(await statsOf(owner, 'not-a-uuid'), ['params.id']);
  });

  it('is the owner’s (and admins’): anyone else is told the listing was not found', async () => {
    const owner = await lister(t);
    const listing = await createActive(t, owner, propertyBody());
    const draft = await createDraft(t, owner, propertyBody());
    await viewed(listing.id, '2025-01-01', 2);
    const query = '?from=2025-01-01&to=2025-01-01';
    for (const who of [
      await signedInUser(t),
      await lister(t),
      await signedInUser(t, { roles: ['moderator'] }),
    ]) {
      for (const id of [listing.id, draft.id, crypto.randomUUID()]) {
        const res = await statsOf(who, id, query);
        expect(res.status).toBe(404);
        expect((await problemOf(res)).code).toBe('not-found');
      }
    }
    const admin = await signedInUser(t, { roles: ['admin'] });
    expect((await stats(admin, listing.id, query)).views).toBe(2);
    expect((await stats(owner, draft.id, query)).views).toBe(0);
  });
});

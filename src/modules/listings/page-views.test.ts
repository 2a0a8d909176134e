import { eq } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { type SignedIn, signedInUser } from '../../../test/factories.ts';
import { createTestApp } from '../../../test/harness.ts';
import type { Ctx } from '../../platform/core/context.ts';
import {
  propertyBody as baseProperty,
  createActive,
  createDraft,
  lister,
  pendingLister,
} from './listings.test-support.ts';
import { recordView, utcDay } from './page-views.ts';
import { listingViews } from './tables.ts';
import type { ListingView } from './views.ts';

// Guests are told apart by address (X-Forwarded-For, trusted here) and user agent.
const t = await createTestApp({ env: { TRUST_PROXY_HOPS: '1' } });
afterAll(() => t.close());

// Each listing its own description: a copy of another account's goes to review.
const propertyBody = () => baseProperty({ description: `A flat, ref. ${crypto.randomUUID()}` });

const guest = (ip: string, userAgent: string) => ({
  'X-Forwarded-For': ip,
  'User-Agent': userAgent,
});

async function view(listingId: string, headers: Record<string, string> = {}): Promise<void> {
  const res = await t.request(`/api/v1/listings/${listingId}`, { headers });
  expect(res.status, await res.clone().text()).toBe(200);
}

const viewsOf = (listingId: string) =>
  t.database.db.select().from(listingViews).where(eq(listingViews.listingId, listingId));

const as = (who: SignedIn): Ctx => ({
  ...t.ctx(),
  actor: { userId: who.user.id, roles: ['buyer'], sessionId: 'test' },
});

const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
const SAFARI = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) Safari/604.1';

describe('GET /listings/{id} counting views', () => {
  it('counts a signed-in user once a day, and each user apart', async () => {
    const owner = await lister(t);
    const ada = await signedInUser(t);
    const bekele = await signedInUser(t);
    const listing = await createActive(t, owner, propertyBody());

    await view(listing.id, ada.headers);
    await view(listing.id, ada.headers);
    expect(await viewsOf(listing.id)).toEqual([
      { listingId: listing.id, day: utcDay(new Date()), viewer: `u:${ada.user.id}` },
    ]);
    await view(listing.id, bekele.headers);
    expect((await viewsOf(listing.id)).map((v) => v.viewer).sort()).toEqual(
      [`u:${ada.user.id}`, `u:${bekele.user.id}`].sort(),
    );
  });

  it('counts a guest by address and user agent, keeping neither', async () => {
    const owner = await lister(t);
    const listing = await createActive(t, owner, propertyBody());

    await view(listing.id, guest('203.0.113.7', FIREFOX));
    await view(listing.id, guest('203.0.113.7', FIREFOX));
    expect(await viewsOf(listing.id)).toHaveLength(1);
    await view(listing.id, guest('203.0.113.7', SAFARI));
    expect(await viewsOf(listing.id)).toHaveLength(2);
    await view(listing.id, guest('203.0.113.8', FIREFOX));
    expect(await viewsOf(listing.id)).toHaveLength(3);

    for (const { viewer } of await viewsOf(listing.id)) {
      expect(viewer).toMatch(/^g:[0-9a-f]{32}$/);
      expect(viewer).not.toContain('203.0.113');
    }
  });

  it('does not count the owner, nor anyone on a listing off the market', async () => {
    const owner = await lister(t);
    const moderator = await signedInUser(t, { roles: ['moderator'] });
    const active = await createActive(t, owner, propertyBody());
    const draft = await createDraft(t, owner, propertyBody());
    const agent = await pendingLister(t);
    const inReview = await createDraft(t, agent, propertyBody());
    const published = await t.request(`/api/v1/listings/${inReview.id}/publish`, {
      method: 'POST',
      headers: agent.headers,
    });
    expect(((await published.json()) as ListingView).status).toBe('pending_review');

    await view(active.id, owner.headers);
    await view(draft.id, owner.headers);
    await view(draft.id, moderator.headers);
    await view(inReview.id, moderator.headers);
    await view(inReview.id, agent.headers);
    for (const id of [active.id, draft.id, inReview.id]) expect(await viewsOf(id)).toEqual([]);

    // Staff reading a listing on the market are readers like any other.
    await view(active.id, moderator.headers);
    expect((await viewsOf(active.id)).map((v) => v.viewer)).toEqual([`u:${moderator.user.id}`]);
  });

  it('records nothing for a listing it does not show', async () => {
    const owner = await lister(t);
    const stranger = await signedInUser(t);
    const draft = await createDraft(t, owner, propertyBody());
    const res = await t.request(`/api/v1/listings/${draft.id}`, { headers: stranger.headers });
    expect(res.status).toBe(404);
    expect(await viewsOf(draft.id)).toEqual([]);
  });
});

describe('recordView', () => {
  it('counts the same viewer again the next (UTC) day', async () => {
    const owner = await lister(t);
    const ada = await signedInUser(t);
    const listing = await createActive(t, owner, propertyBody());
    const late = new Date('2030-03-09T23:59:59.999Z');
    const early = new Date('2030-03-10T00:00:00.000Z');

    await recordView(as(ada), listing, late);
    await recordView(as(ada), listing, late);
    await recordView(as(ada), listing, early);
    const guestCtx: Ctx = { ...t.ctx(), client: { ip: '203.0.113.9', userAgent: FIREFOX } };
    await recordView(guestCtx, listing, late);
    await recordView(guestCtx, listing, early);

    const views = await viewsOf(listing.id);
    expect(views.map((v) => v.day).sort()).toEqual([
      '2030-03-09',
      '2030-03-09',
      '2030-03-10',
      '2030-03-10',
    ]);
    const guests = views.filter((v) => v.viewer.startsWith('g:'));
    // The day is in the hash: a guest's days cannot be linked.
    expect(guests).toHaveLength(2);
    expect(guests[0]?.viewer).not.toBe(guests[1]?.viewer);
  });

  it('logs a failure instead of throwing it', async () => {
    const owner = await lister(t);
    const ada = await signedInUser(t);
    const gone = { id: crypto.randomUUID(), ownerId: owner.user.id, status: 'active' as const };
    await expect(recordView(as(ada), gone)).resolves.toBeUndefined();
    expect(t.logs).toContainEqual(
      expect.objectContaining({ msg: 'could not record a listing view', listingId: gone.id }),
    );
  });
});

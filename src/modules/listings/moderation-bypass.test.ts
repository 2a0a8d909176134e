import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { and, eq } from 'drizzle-orm';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { type SignedIn, signedInUser } from '../../../test/factories.ts';
import { createTestApp, expectProblem, problemOf } from '../../../test/harness.ts';
import { outboxEvents } from '../../platform/events/tables.ts';
import { createActive, createDraft, lister, propertyBody } from './listings.test-support.ts';
import { listings } from './tables.ts';
import type { ListingView } from './views.ts';

/**
 * What reaches buyers has passed the moderation rules: a listing cannot be published clean and
 * then changed into what the rules would have stopped, brought back unchanged after a
 * moderator took it down, or approved in a version the moderator never saw.
 */
const dataDir = await mkdtemp(join(tmpdir(), 'mercato-bypass-'));
const t = await createTestApp({
  env: { DATA_DIR: dataDir, MODERATION_BANNED_WORDS: 'wire transfer' },
});
afterAll(async () => {
  await t.close();
  await rm(dataDir, { recursive: true, force: true });
});

const BASE = '/api/v1/listings';
const ADMIN = '/api/v1/admin/listings';

async function listingOf(res: Response): Promise<ListingView> {
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as ListingView;
}

const edit = (who: SignedIn, id: string, body: unknown) =>
  t.json('PATCH', `${BASE}/${id}`, body, who.headers);
const publish = (who: SignedIn, id: string) =>
  t.request(`${BASE}/${id}/publish`, { method: 'POST', headers: who.headers });
const approve = (who: SignedIn, id: string, revision: number) =>
  t.json('POST', `${ADMIN}/${id}/approve`, { revision }, who.headers);
const moderator = () => signedInUser(t, { roles: ['moderator'] });

async function flagsOf(id: string) {
  const [row] = await t.database.db
    .select({ status: listings.status, reviewFlags: listings.reviewFlags })
    .from(listings)
    .where(eq(listings.id, id));
  return row;
}

async function reviewRequests(id: string) {
  return t.database.db
    .select()
    .from(outboxEvents)
    .where(
      and(eq(outboxEvents.name, 'listing.review_requested'), eq(outboxEvents.aggregateId, id)),
    );
}

const png = () =>
  sharp(randomBytes(40 * 30 * 3), { raw: { width: 40, height: 30, channels: 3 } })
    .png()
    .toBuffer();

async function addPhoto(who: SignedIn, id: string, bytes: Uint8Array): Promise<Response> {
  const form = new FormData();
  form.append('photos', new File([new Uint8Array(bytes)], 'photo.png', { type: 'image/png' }));
  return t.request(`${BASE}/${id}/photos`, { method: 'POST', headers: who.headers, body: form });
}

describe('edits of a listing on the market', () => {
  it('send it back to review when the new text trips a rule, off the market meanwhile', async () => {
    const owner = await lister(t);
    const listing = await createActive(t, owner, propertyBody());
    const edited = await listingOf(
      await edit(owner, listing.id, { description: 'Pay the deposit by wire transfer only.' }),
    );
    expect(edited).toMatchObject({ status: 'pending_review', revision: 2 });
    expect(await flagsOf(listing.id)).toEqual({
      status: 'pending_review',
      reviewFlags: [
        {
          rule: 'banned_words',
          reason: 'The title or description has banned words: "wire transfer".',
        },
      ],
    });
    expect(await reviewRequests(listing.id)).toHaveLength(1);
    await expectProblem(await t.request(`${BASE}/${listing.id}`), 404, 'not-found');
  });

  it('keep it on the market when the change trips nothing, with a new revision', async () => {
    const owner = await lister(t);
    const listing = await createActive(t, owner, propertyBody());
    const edited = await listingOf(
      await edit(owner, listing.id, { price: { amount: 1_450_000_000, currency: 'ETB' } }),
    );
    expect(edited).toMatchObject({ status: 'active', revision: 2 });
    expect(await reviewRequests(listing.id)).toHaveLength(0);
  });

  it('send it back to review when a photo copied from another account is added', async () => {
    const bytes = await png();
    const first = await lister(t);
    const original = await createActive(t, first, propertyBody());
    expect((await addPhoto(first, original.id, bytes)).status).toBe(201);
    expect((await flagsOf(original.id))?.status).toBe('active');

    const copier = await lister(t);
    const copy = await createActive(t, copier, propertyBody());
    const res = await addPhoto(copier, copy.id, bytes);
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ status: 'pending_review', revision: 2 });
    expect((await flagsOf(copy.id))?.reviewFlags).toEqual([
      {
        rule: 'duplicate_photo',
        reason: `The same photo is on another account's listing ${original.id}.`,
      },
    ]);
  });

  it('leave an admin’s own changes on the market', async () => {
    const admin = await signedInUser(t, { roles: ['admin'] });
    const listing = await createActive(t, admin, propertyBody());
    const edited = await listingOf(
      await edit(admin, listing.id, { description: 'Paid by wire transfer, as agreed.' }),
    );
    expect(edited.status).toBe('active');
  });
});

describe('a rejected listing', () => {
  it('goes to review when published again, even unchanged', async () => {
    const owner = await lister(t);
    const mod = await moderator();
    const listing = await createActive(t, owner, propertyBody());
    const rejected = await t.json(
      'POST',
      `${ADMIN}/${listing.id}/reject`,
      { reason: 'The photos show another flat.' },
      mod.headers,
    );
    expect(rejected.status).toBe(200);
    expect(await listingOf(await publish(owner, listing.id))).toMatchObject({
      status: 'pending_review',
      revision: 1,
    });
    expect((await flagsOf(listing.id))?.reviewFlags).toEqual([
      {
        rule: 'previously_rejected',
        reason: 'A moderator rejected it before: The photos show another flat.',
      },
    ]);
    await expectProblem(await t.request(`${BASE}/${listing.id}`), 404, 'not-found');
  });
});

describe('approval', () => {
  it('is refused for a revision older than the listing, and given for the current one', async () => {
    const owner = await lister(t);
    const mod = await moderator();
    const listing = await createActive(t, owner, propertyBody());
    await edit(owner, listing.id, { title: 'Wire transfer deposit, keys by courier' });
    expect((await flagsOf(listing.id))?.status).toBe('pending_review');
    // The moderator looks at revision 2; meanwhile the owner changes it again.
    await edit(owner, listing.id, { description: 'Nothing to see here, honestly.' });

    const stale = await approve(mod, listing.id, 2);
    expect(stale.status).toBe(409);
    const problem = await problemOf(stale);
    expect(problem).toMatchObject({ code: 'listing-changed', revision: 3 });
    expect(problem.errors?.map((e) => e.path)).toEqual(['body.revision']);
    expect((await flagsOf(listing.id))?.status).toBe('pending_review');

    expect(await listingOf(await approve(mod, listing.id, 3))).toMatchObject({
      status: 'active',
      revision: 3,
    });
  });

  it('names the field when the revision is missing or not a positive integer', async () => {
    const mod = await moderator();
    const owner = await lister(t);
    const draft = await createDraft(t, owner, propertyBody());
    for (const body of [{}, { revision: 0 }, { revision: 1.5 }, { revision: '1' }]) {
      const res = await t.json('POST', `${ADMIN}/${draft.id}/approve`, body, mod.headers);
      expect(res.status).toBe(400);
      expect((await problemOf(res)).errors?.map((e) => e.path)).toEqual(['body.revision']);
    }
  });
});

describe('renewing an expired listing', () => {
  it('runs the rules again, and goes to review when one fires', async () => {
    const owner = await lister(t);
    const listing = await createActive(t, owner, propertyBody());
    // It went live before the owner's text tripped anything; an admin's edit kept it there.
    await t.database.db
      .update(listings)
      .set({ status: 'expired', description: 'Deposit by wire transfer before viewing.' })
      .where(eq(listings.id, listing.id));
    const renewed = await listingOf(
      await t.request(`${BASE}/${listing.id}/renew`, { method: 'POST', headers: owner.headers }),
    );
    expect(renewed.status).toBe('pending_review');
    expect((await flagsOf(listing.id))?.reviewFlags?.map((f) => f.rule)).toEqual(['banned_words']);
  });

  it('puts a listing that trips nothing back on the market', async () => {
    const owner = await lister(t);
    const listing = await createActive(t, owner, propertyBody());
    await t.database.db
      .update(listings)
      .set({ status: 'expired' })
      .where(eq(listings.id, listing.id));
    const renewed = await listingOf(
      await t.request(`${BASE}/${listing.id}/renew`, { method: 'POST', headers: owner.headers }),
    );
    expect(renewed.status).toBe('active');
  });
});

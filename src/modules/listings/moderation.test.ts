import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { createUser, type SignedIn, signedInUser, signIn } from '../../../test/factories.ts';
import { createTestApp } from '../../../test/harness.ts';
import type { Ctx } from '../../platform/core/context.ts';
import { selectRows } from '../../platform/db/client.ts';
import { withTransaction } from '../../platform/db/transaction.ts';
import { outboxEvents } from '../../platform/events/tables.ts';
import { users } from '../identity/tables.ts';
import {
  type Body,
  createActive,
  createDraft,
  lister,
  propertyBody,
  vehicleBody,
} from './listings.test-support.ts';
import {
  bannedWords,
  MIN_PRICE_COMPARABLES,
  newAccount,
  priceOutlier,
  unverifiedAccount,
} from './moderation.ts';
import { descriptionDigest, listingPhotos, listings } from './tables.ts';
import { type Listed, type ListingView, listingColumns } from './views.ts';
import type { ReviewFlag } from './vocabulary.ts';

const dataDir = await mkdtemp(join(tmpdir(), 'mercato-moderation-'));
const t = await createTestApp({
  env: {
    DATA_DIR: dataDir,
    MODERATION_NEW_ACCOUNT_HOURS: '24',
    MODERATION_MAX_LISTINGS_PER_HOUR: '3',
    MODERATION_PRICE_FACTOR: '5',
    MODERATION_BANNED_WORDS: 'Bitcoin, wire transfer, ödeme',
  },
});
afterAll(async () => {
  await t.close();
  await rm(dataDir, { recursive: true, force: true });
});

const BASE = '/api/v1/listings';
const HOUR_MS = 3_600_000;

/** A lister whose account is `hours` old: past the new-account rule unless told otherwise. */
async function seasoned(hours = 30 * 24): Promise<SignedIn> {
  const who = await lister(t);
  await t.database.db
    .update(users)
    .set({ createdAt: new Date(Date.now() - hours * HOUR_MS) })
    .where(eq(users.id, who.user.id));
  return who;
}

async function publish(who: SignedIn, id: string): Promise<ListingView> {
  const res = await t.request(`${BASE}/${id}/publish`, { method: 'POST', headers: who.headers });
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as ListingView;
}

/** Publishes a new draft of `who`'s and answers the flags it waits in review for, if any. */
async function flagsOf(who: SignedIn, body: Body): Promise<ReviewFlag[] | null> {
  const listing = await publish(who, (await createDraft(t, who, body)).id);
  return flagsOfListing(listing);
}

async function flagsOfListing(listing: ListingView): Promise<ReviewFlag[] | null> {
  const [row] = await t.database.db
    .select({ status: listings.status, reviewFlags: listings.reviewFlags })
    .from(listings)
    .where(eq(listings.id, listing.id));
  expect(row?.status).toBe(listing.status);
  if (listing.status === 'active') {
    expect(row?.reviewFlags).toBeNull();
    return null;
  }
  expect(listing.status).toBe('pending_review');
  return row?.reviewFlags ?? [];
}

const rowOf = async (id: string): Promise<Listed> => {
  const [row] = await t.database.db
    .select(listingColumns)
    .from(listings)
    .where(eq(listings.id, id));
  if (!row) throw new Error(`no listing ${id}`);
  return row;
};

/** A context whose moderation settings differ from the app's. */
const withModeration = (moderation: Partial<Ctx['config']['moderation']>): Ctx => {
  const ctx = t.ctx();
  return {
    ...ctx,
    config: { ...ctx.config, moderation: { ...ctx.config.moderation, ...moderation } },
  };
};

describe('new_account', () => {
  it('sends a listing of an account younger than MODERATION_NEW_ACCOUNT_HOURS to review', async () => {
    const young = await seasoned(5);
    expect(await flagsOf(young, propertyBody())).toEqual([
      {
        rule: 'new_account',
        reason: 'The account is 5 hours old; accounts younger than 24 hours are reviewed.',
      },
    ]);
    expect(await flagsOf(await lister(t), propertyBody())).toEqual([
      {
        rule: 'new_account',
        reason:
          'The account is less than an hour old; accounts younger than 24 hours are reviewed.',
      },
    ]);
  });

  it('lets an account older than that publish', async () => {
    expect(await flagsOf(await seasoned(25), propertyBody())).toBeNull();
  });

  it('never fires when MODERATION_NEW_ACCOUNT_HOURS is 0', async () => {
    const young = await lister(t);
    const draft = await createDraft(t, young, propertyBody());
    const row = await rowOf(draft.id);
    expect(await newAccount.check(t.ctx(), row)).toMatch(/less than an hour old/);
    expect(await newAccount.check(withModeration({ newAccountHours: 0 }), row)).toBeNull();
  });
});

describe('unverified_account', () => {
  it('sends the listing of an account with no verified email or phone to review', async () => {
    const user = await createUser(t, { status: 'unverified', roles: ['owner'] });
    await t.database.db
      .update(users)
      .set({ createdAt: new Date(Date.now() - 48 * HOUR_MS) })
      .where(eq(users.id, user.id));
    const unverified = await signIn(t, user);
    expect(await flagsOf(unverified, propertyBody())).toEqual([
      {
        rule: 'unverified_account',
        reason: 'The account has not verified an email address or phone number.',
      },
    ]);
  });

  it('lets a verified account publish, and an unverified one too when turned off', async () => {
    expect(await flagsOf(await seasoned(), propertyBody())).toBeNull();
    const user = await createUser(t, { status: 'unverified', roles: ['owner'] });
    const draft = await createDraft(t, await signIn(t, user), propertyBody());
    const row = await rowOf(draft.id);
    expect(await unverifiedAccount.check(t.ctx(), row)).not.toBeNull();
    expect(
      await unverifiedAccount.check(withModeration({ reviewUnverified: false }), row),
    ).toBeNull();
  });
});

describe('listing_burst', () => {
  it('sends the listing past MODERATION_MAX_LISTINGS_PER_HOUR within an hour to review', async () => {
    const busy = await seasoned();
    for (let i = 0; i < 3; i++) expect(await flagsOf(busy, propertyBody())).toBeNull();
    expect(await flagsOf(busy, vehicleBody())).toEqual([
      {
        rule: 'listing_burst',
        reason: 'The account created 4 listings in the last hour; more than 3 are reviewed.',
      },
    ]);
  });

  it('counts only the last hour, and only the account’s own listings', async () => {
    const steady = await seasoned();
    const other = await seasoned();
    const earlier = [];
    for (let i = 0; i < 3; i++) earlier.push(await createActive(t, steady, propertyBody()));
    for (let i = 0; i < 3; i++) await createActive(t, other, propertyBody());
    await t.database.db
      .update(listings)
      .set({ createdAt: new Date(Date.now() - HOUR_MS - 60_000) })
      .where(
        inArray(
          listings.id,
          earlier.map((l) => l.id),
        ),
      );
    for (let i = 0; i < 3; i++) expect(await flagsOf(steady, propertyBody())).toBeNull();
  });
});

describe('duplicate_photo', () => {
  const png = () =>
    sharp(randomBytes(40 * 30 * 3), { raw: { width: 40, height: 30, channels: 3 } })
      .png()
      .toBuffer();

  async function withPhoto(who: SignedIn, bytes: Uint8Array, active: boolean) {
    const listing = await (active ? createActive : createDraft)(t, who, propertyBody());
    const form = new FormData();
    form.append('photos', new File([new Uint8Array(bytes)], 'photo.png', { type: 'image/png' }));
    const res = await t.request(`${BASE}/${listing.id}/photos`, {
      method: 'POST',
      headers: who.headers,
      body: form,
    });
    expect(res.status, await res.clone().text()).toBe(201);
    return listing;
  }

  it('stores the SHA-256 of each photo as uploaded', async () => {
    const bytes = await png();
    const listing = await withPhoto(await seasoned(), bytes, false);
    const photos = await t.database.db
      .select({ sha256: listingPhotos.sha256 })
      .from(listingPhotos)
      .where(eq(listingPhotos.ownerId, listing.id));
    const digest = Buffer.from(await crypto.subtle.digest('SHA-256', bytes)).toString('hex');
    expect(photos).toEqual([{ sha256: digest }]);
  });

  it('sends a listing with another account’s photo to review, naming that listing', async () => {
    const bytes = await png();
    const original = await withPhoto(await seasoned(), bytes, true);
    const copier = await seasoned();
    const copy = await withPhoto(copier, bytes, false);
    expect(await flagsOfListing(await publish(copier, copy.id))).toEqual([
      {
        rule: 'duplicate_photo',
        reason: `The same photo is on another account's listing ${original.id}.`,
      },
    ]);
  });

  it('lets an account reuse its own photo, and anyone publish photos of their own', async () => {
    const bytes = await png();
    const owner = await seasoned();
    await withPhoto(owner, bytes, true);
    const again = await withPhoto(owner, bytes, false);
    expect(await flagsOfListing(await publish(owner, again.id))).toBeNull();
    const other = await seasoned();
    const own = await withPhoto(other, await png(), false);
    expect(await flagsOfListing(await publish(other, own.id))).toBeNull();
  });
});

describe('duplicate_text', () => {
  const description = 'Spacious family home with a garden, five minutes from the lake.';

  it('sends a listing with another account’s description to review, case and spacing aside', async () => {
    const original = await createActive(t, await seasoned(), propertyBody({ description }));
    const copy = `  ${description.toUpperCase().replace(/ /g, '   ')}\n`;
    expect(await flagsOf(await seasoned(), propertyBody({ description: copy }))).toEqual([
      {
        rule: 'duplicate_text',
        reason: `The same description is on another account's listing ${original.id}.`,
      },
    ]);
  });

  it('ignores the account’s own listings, other accounts’ drafts and other texts', async () => {
    const text = 'Quiet studio above the bakery, water included, no agents please.';
    const owner = await seasoned();
    await createActive(t, owner, propertyBody({ description: text }));
    expect(await flagsOf(owner, propertyBody({ description: text }))).toBeNull();
    const drafted = 'A draft nobody has seen yet, with a view of the river.';
    await createDraft(t, await seasoned(), propertyBody({ description: drafted }));
    expect(await flagsOf(await seasoned(), propertyBody({ description: drafted }))).toBeNull();
    expect(
      await flagsOf(await seasoned(), propertyBody({ description: `${text} Newly painted.` })),
    ).toBeNull();
  });

  it('compares digests as the index on them has them, so the index finds the copies', async () => {
    const query = t.database.db
      .select({ id: listings.id })
      .from(listings)
      .where(sql`${descriptionDigest(listings.description)} = ${descriptionDigest(description)}`);
    const plan = await withTransaction(t.ctx(), async (tx) => {
      // The table is small enough that the planner would rather read it all.
      await tx.db.execute(sql`set local enable_seqscan = off`);
      return selectRows(tx.db, sql`explain ${query}`);
    });
    expect(JSON.stringify(plan)).toContain('listings_description_digest');
  });
});

describe('price_outlier', () => {
  let cities = 0;
  /** A city of its own, so each case's market is only the listings it makes. */
  const place = (city = `Moderation Town ${++cities}`) => ({
    city,
    countryCode: 'ET',
    lat: 7.05,
    lng: 38.47,
  });
  const flat = (location: Body['location'], amount: number, currency = 'ETB') =>
    propertyBody({ location, price: { amount, currency } });

  /** `prices` on the market in `location`, each listed by its own account. */
  async function market(location: Body['location'], prices: number[]) {
    for (const amount of prices) await createActive(t, await seasoned(), flat(location, amount));
  }

  it('sends a price over factor × the median, or under median ÷ factor, to review', async () => {
    const location = place();
    await market(location, [900_000, 1_000_000, 1_000_000, 1_000_000, 1_100_000]);
    expect(await flagsOf(await seasoned(), flat(location, 5_000_001))).toEqual([
      {
        rule: 'price_outlier',
        reason: `The price 50,000.01 ETB is more than 5 times above the median 10,000.00 ETB of 5 properties for sale in ${location.city}.`,
      },
    ]);
    expect(await flagsOf(await seasoned(), flat(location, 199_999))).toEqual([
      {
        rule: 'price_outlier',
        reason: `The price 1,999.99 ETB is more than 5 times below the median 10,000.00 ETB of 5 properties for sale in ${location.city}.`,
      },
    ]);
  });

  it('lets a price within the factor pass, at both ends', async () => {
    const location = place();
    await market(location, [1_000_000, 1_000_000, 1_000_000, 1_000_000, 1_000_000]);
    expect(await flagsOf(await seasoned(), flat(location, 5_000_000))).toBeNull();
    expect(await flagsOf(await seasoned(), flat(location, 200_000))).toBeNull();
  });

  it(`needs ${MIN_PRICE_COMPARABLES} listings on the market of the same kind, purpose, currency and city`, async () => {
    const location = place();
    await market(location, [1_000_000, 1_000_000, 1_000_000, 1_000_000]);
    const owner = await seasoned();
    // Neither a draft, nor another currency, kind, purpose or city counts.
    await createDraft(t, owner, flat(location, 1_000_000));
    await createActive(t, await seasoned(), flat(location, 1_000_000, 'USD'));
    await createActive(
      t,
      await seasoned(),
      vehicleBody({ location, price: { amount: 1_000_000, currency: 'ETB' } }),
    );
    await createActive(
      t,
      await seasoned(),
      propertyBody({
        location,
        purpose: 'rent',
        rentPeriod: 'month',
        price: { amount: 1_000_000, currency: 'ETB' },
      }),
    );
    await createActive(t, await seasoned(), flat(place(), 1_000_000));
    expect(await flagsOf(owner, flat(location, 100_000_000))).toBeNull();
  });

  it('compares a city in any case, and a rent only with rents of its period', async () => {
    const location = place();
    const rent = (where: Body['location'], amount: number, rentPeriod = 'month') =>
      propertyBody({
        location: where,
        purpose: 'rent',
        rentPeriod,
        price: { amount, currency: 'ETB' },
      });
    for (let i = 0; i < 5; i++) await createActive(t, await seasoned(), rent(location, 2_000_000));
    const shouting = { ...location, city: location.city.toUpperCase() };
    const flags = await flagsOf(await seasoned(), rent(shouting, 20_000_000));
    expect(flags?.map((f) => f.rule)).toEqual(['price_outlier']);
    expect(await flagsOf(await seasoned(), rent(location, 20_000_000, 'year'))).toBeNull();
  });

  it('leaves the listing itself out of its market', async () => {
    const location = place();
    await market(location, [1_000_000, 1_000_000, 1_000_000, 1_000_000]);
    const owner = await seasoned();
    const listing = await createActive(t, owner, flat(location, 100_000_000));
    expect(await priceOutlier.check(t.ctx(), await rowOf(listing.id))).toBeNull();
  });
});

describe('banned_words', () => {
  it('sends a listing with a banned word, whole and in any case, to review, naming the words', async () => {
    expect(
      await flagsOf(
        await seasoned(),
        propertyBody({
          title: 'Flat for BITCOIN buyers',
          description: 'Pay by wire   transfer? No: Wire transfer only. Ödeme önce.',
        }),
      ),
    ).toEqual([
      {
        rule: 'banned_words',
        reason: 'The title or description has banned words: "bitcoin", "wire transfer", "ödeme".',
      },
    ]);
  });

  it('ignores a banned word inside another word, in any script', async () => {
    const owner = await seasoned();
    const body = propertyBody({
      title: 'Bitcoins and bitcoin_cash are not accepted',
      description: 'Ödemeler aylık; wire transfers welcome; peso-bitcoinx.',
    });
    expect(await flagsOf(owner, body)).toBeNull();
    const draft = await createDraft(t, owner, propertyBody({ title: 'ÖDEME' }));
    expect(await bannedWords.check(t.ctx(), await rowOf(draft.id))).toMatch(/"ödeme"/);
    expect(
      await bannedWords.check(withModeration({ bannedWords: [] }), await rowOf(draft.id)),
    ).toBeNull();
  });
});

describe('publishing with several rules firing', () => {
  it('lists every flag in rule order and tells them in listing.review_requested', async () => {
    const user = await createUser(t, { status: 'unverified', roles: ['owner'] });
    const who = await signIn(t, user);
    const draft = await createDraft(t, who, propertyBody({ title: 'Bitcoin welcome' }));
    const listing = await publish(who, draft.id);
    const flags = await flagsOfListing(listing);
    expect(flags?.map((f) => f.rule)).toEqual([
      'new_account',
      'unverified_account',
      'banned_words',
    ]);
    const events = await t.database.db
      .select({ payload: outboxEvents.payload })
      .from(outboxEvents)
      .where(
        and(
          eq(outboxEvents.aggregateId, draft.id),
          eq(outboxEvents.name, 'listing.review_requested'),
        ),
      )
      .orderBy(asc(outboxEvents.occurredAt));
    expect(events).toEqual([{ payload: { listingId: draft.id, ownerId: user.id, flags } }]);
  });

  it('skips the rules when an admin publishes', async () => {
    const admin = await signedInUser(t, { roles: ['admin', 'owner'] });
    const listing = await publish(
      admin,
      (await createDraft(t, admin, propertyBody({ title: 'Bitcoin' }))).id,
    );
    expect(listing.status).toBe('active');
  });
});

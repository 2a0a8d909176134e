import { and, eq, gt, inArray, isNull, lte } from 'drizzle-orm';
import { audit } from '../../platform/audit/audit.ts';
import type { Ctx } from '../../platform/core/context.ts';
import { Conflict, NotFound } from '../../platform/core/errors.ts';
import { requireActor } from '../../platform/core/permissions.ts';
import { inBatches } from '../../platform/db/batches.ts';
import { withTransaction } from '../../platform/db/transaction.ts';
import { publish } from '../../platform/events/events.ts';
import { listingExpiring, listingFeatured, listingRenewed } from './events.ts';
import {
  assertNotArchived,
  auditIfStaff,
  daysAfter,
  listingToChange,
  lockedListing,
  moveTo,
} from './listings.ts';
import { publishOrReview } from './publishing.ts';
import { listings } from './tables.ts';
import { type Listed, type ListingView, listingColumns, listingView } from './views.ts';
import { isPublicStatus, PUBLIC_STATUSES } from './vocabulary.ts';

/**
 * How long a listing stays on the market and on top of it: features bought or granted, their
 * end, expiry with a warning ahead of it, and renewal. The scheduled work takes the tick's
 * `now` and never reads the clock, so tests drive it with any time.
 */

/** Rows one scheduled transaction handles: short locks, and a crash loses little work. */
const BATCH = 200;

async function setFeaturedUntil(ctx: Ctx, row: Listed, until: Date | null): Promise<Listed> {
  const [updated] = await ctx.db
    .update(listings)
    .set({ featuredUntil: until })
    .where(eq(listings.id, row.id))
    .returning(listingColumns);
  if (!updated) throw new NotFound('listing');
  await audit(ctx, {
    action: until ? 'listing.featured' : 'listing.unfeatured',
    resource: { type: 'listing', id: row.id },
    before: { featuredUntil: row.featuredUntil },
    after: { featuredUntil: until },
    metadata: { ownerId: row.ownerId },
  });
  return updated;
}

/**
 * Features a listing on the market until `until`: it comes first in every order of
 * GET /listings until the end-features job clears it. What payments call once a feature is paid.
 */
export async function featureListing(ctx: Ctx, id: string, until: Date): Promise<Listed> {
  const by = requireActor(ctx).userId;
  return withTransaction(ctx, async (tx) => {
    const row = await lockedListing(tx, id);
    if (!isPublicStatus(row.status)) {
      throw new Conflict(
        'not-on-market',
        `A listing that is ${row.status.replace('_', ' ')} cannot be featured.`,
      );
    }
    const updated = await setFeaturedUntil(tx, row, until);
    await publish(tx, listingFeatured, {
      aggregateId: id,
      payload: { listingId: id, ownerId: row.ownerId, featuredUntil: until.toISOString(), by },
    });
    return updated;
  });
}

/** `days` more of featuring, counted from the end of a feature still running. */
export async function extendFeature(
  ctx: Ctx,
  id: string,
  days: number,
  now = new Date(),
): Promise<ListingView> {
  return withTransaction(ctx, async (tx) => {
    const { featuredUntil } = await lockedListing(tx, id);
    const from = featuredUntil && featuredUntil > now ? featuredUntil : now;
    return listingView(tx.db, tx.storage, await featureListing(tx, id, daysAfter(from, days)));
  });
}

/** Ends a feature early; harmless when the listing is not featured. */
export async function endFeature(ctx: Ctx, id: string): Promise<ListingView> {
  return withTransaction(ctx, async (tx) => {
    const row = await lockedListing(tx, id);
    const updated = row.featuredUntil ? await setFeaturedUntil(tx, row, null) : row;
    return listingView(tx.db, tx.storage, updated);
  });
}

/**
 * Puts a listing on the market for another LISTING_EXPIRY_DAYS from `now`, by its owner or an
 * admin. One on the market gets a new expiry and a new warning. An expired one is published
 * again, the moderation rules run as on its first publishing (the account, the market and the
 * rules may have changed since), and goes to review when one fires. Live again, it counts as
 * newly published, so saved searches that have not matched it yet may.
 */
export async function renewListing(ctx: Ctx, id: string, now = new Date()): Promise<ListingView> {
  return withTransaction(ctx, async (tx) => {
    const row = await listingToChange(tx, id);
    assertNotArchived(row);
    let updated: Listed;
    if (row.status === 'expired') {
      updated = await publishOrReview(tx, row, [], now);
    } else if (isPublicStatus(row.status)) {
      const [renewed] = await tx.db
        .update(listings)
        .set({ expiresAt: daysAfter(now, tx.config.listings.expiryDays), expiryWarnedAt: null })
        .where(eq(listings.id, id))
        .returning(listingColumns);
      if (!renewed) throw new NotFound('listing');
      updated = renewed;
    } else {
      throw new Conflict(
        'not-renewable',
        `A listing that is ${row.status.replace('_', ' ')} cannot be renewed: only one on the market or expired can.`,
      );
    }
    if (updated.status === 'pending_review') return listingView(tx.db, tx.storage, updated);
    const expiresAt = (updated.expiresAt as Date).toISOString();
    await publish(tx, listingRenewed, {
      aggregateId: id,
      payload: { listingId: id, ownerId: row.ownerId, expiresAt },
    });
    await auditIfStaff(tx, row, 'listing.renewed', { expiresAt });
    return listingView(tx.db, tx.storage, updated);
  });
}

/** Clears the features that ended by `now`, so the listings sort among the others again. */
export async function endFeatures(ctx: Ctx, now: Date): Promise<void> {
  await ctx.db
    .update(listings)
    .set({ featuredUntil: null })
    .where(lte(listings.featuredUntil, now));
}

const onMarket = inArray(listings.status, [...PUBLIC_STATUSES]);

/**
 * Warns the owners of listings that expire within LISTING_EXPIRY_WARNING_DAYS of `now`
 * (listing.expiring, once until a renewal clears the mark), then takes those whose time is up
 * off the market (listing.status_changed to expired).
 */
export async function expireListings(ctx: Ctx, now: Date): Promise<void> {
  const warnFrom = daysAfter(now, ctx.config.listings.expiryWarningDays);
  await inBatches(ctx, BATCH, async (tx) => {
    const rows = await tx.db
      .select(listingColumns)
      .from(listings)
      .where(
        and(
          onMarket,
          lte(listings.expiresAt, warnFrom),
          gt(listings.expiresAt, now),
          isNull(listings.expiryWarnedAt),
        ),
      )
      .orderBy(listings.expiresAt)
      .limit(BATCH)
      .for('update', { skipLocked: true });
    if (rows.length === 0) return 0;
    await tx.db
      .update(listings)
      .set({ expiryWarnedAt: now })
      .where(
        inArray(
          listings.id,
          rows.map((row) => row.id),
        ),
      );
    for (const row of rows) {
      await publish(tx, listingExpiring, {
        aggregateId: row.id,
        payload: {
          listingId: row.id,
          ownerId: row.ownerId,
          expiresAt: (row.expiresAt as Date).toISOString(),
        },
      });
    }
    return rows.length;
  });
  await inBatches(ctx, BATCH, async (tx) => {
    const rows = await tx.db
      .select(listingColumns)
      .from(listings)
      .where(and(onMarket, lte(listings.expiresAt, now)))
      .orderBy(listings.expiresAt)
      .limit(BATCH)
      .for('update', { skipLocked: true });
    for (const row of rows) await moveTo(tx, row, 'expired');
    return rows.length;
  });
}

import { and, eq } from 'drizzle-orm';
import { audit } from '../../platform/audit/audit.ts';
import type { Ctx } from '../../platform/core/context.ts';
import { Conflict, Forbidden } from '../../platform/core/errors.ts';
import { keysetPage, type Page, type PageInput } from '../../platform/core/paging.ts';
import { can, requireActor } from '../../platform/core/permissions.ts';
import { withTransaction } from '../../platform/db/transaction.ts';
import { publish } from '../../platform/events/events.ts';
import { openReportCounts, resolveReports } from '../../platform/reports/reports.ts';
import { listingApproved, listingRejected } from './events.ts';
import { goLive, lockedListing, moveTo } from './listings.ts';
import { listingReportsOf } from './reports.ts';
import { listings } from './tables.ts';
import {
  type Listed,
  type ListingSummaryView,
  type ListingView,
  listingColumns,
  listingView,
  summaryViews,
} from './views.ts';
import type { ListingStatus, ReviewFlag } from './vocabulary.ts';

/** Moderators' queue and decisions: approving a listing in review, rejecting one. */

export type AdminListingView = ListingSummaryView & {
  reviewFlags: ReviewFlag[];
  openReports: number;
};

/** Listings in a status, longest waiting first: a queue worked from its head. */
export async function listingsForReview(
  ctx: Ctx,
  status: ListingStatus,
  page: PageInput,
): Promise<Page<AdminListingView>> {
  const result = await keysetPage<Listed>(ctx, {
    scope: `review:${status}`,
    keys: [
      { column: listings.updatedAt, direction: 'asc', value: (r) => r.updatedAt },
      { column: listings.id, direction: 'asc', value: (r) => r.id },
    ],
    page,
    fetch: ({ where, orderBy, limit }) =>
      ctx.db
        .select(listingColumns)
        .from(listings)
        .where(and(eq(listings.status, status), where))
        .orderBy(...orderBy)
        .limit(limit),
  });
  const ids = result.items.map((row) => row.id);
  const [summaries, reports] = await Promise.all([
    summaryViews(ctx.db, ctx.storage, result.items),
    openReportCounts(ctx.db, listingReportsOf, ids),
  ]);
  return {
    ...result,
    items: summaries.map((summary, i) => ({
      ...summary,
      reviewFlags: result.items[i]?.reviewFlags ?? [],
      openReports: reports.get(summary.id) ?? 0,
    })),
  };
}

/**
 * The listing locked for a moderator's decision, so two decisions on it cannot both apply.
 * Moderators decide on others' listings; only an admin, whose own publishing needs no review
 * anyway, may decide on their own.
 */
async function listingToDecide(ctx: Ctx, id: string): Promise<Listed> {
  const actor = requireActor(ctx);
  const row = await lockedListing(ctx, id);
  if (row.ownerId === actor.userId && !can(ctx, 'listings.manage')) {
    throw new Forbidden('Another moderator decides on your own listing.', 'own-listing');
  }
  return row;
}

async function auditDecision(ctx: Ctx, row: Listed, action: string, after: unknown) {
  await audit(ctx, {
    action,
    resource: { type: 'listing', id: row.id },
    before: { status: row.status, reviewFlags: row.reviewFlags },
    after,
    metadata: { ownerId: row.ownerId },
  });
}

/**
 * Puts a listing in review on the market, as the moderator saw it: `revision` is the one they
 * reviewed, and a listing changed since is refused. Its open reports are answered.
 */
export async function approveListing(ctx: Ctx, id: string, revision: number): Promise<ListingView> {
  return withTransaction(ctx, async (tx) => {
    const row = await listingToDecide(tx, id);
    if (row.status !== 'pending_review') {
      throw new Conflict(
        'not-in-review',
        `The listing is ${row.status.replace('_', ' ')}; only one in review can be approved.`,
      );
    }
    if (row.revision !== revision) {
      throw new Conflict(
        'listing-changed',
        `The listing changed since revision ${revision}: review revision ${row.revision}.`,
        {
          fields: [{ path: 'revision', message: `the listing is at revision ${row.revision}` }],
          details: { revision: row.revision },
        },
      );
    }
    const updated = await goLive(tx, row);
    await resolveReports(tx.db, listingReportsOf, id);
    const by = requireActor(tx).userId;
    await publish(tx, listingApproved, {
      aggregateId: id,
      payload: { listingId: id, ownerId: row.ownerId, by },
    });
    await auditDecision(tx, row, 'listing.approved', { status: updated.status });
    return listingView(tx.db, tx.storage, updated);
  });
}

/** What a moderator may reject: a listing in review, or one on the market taken down. */
const REJECTABLE: readonly ListingStatus[] = ['pending_review', 'active', 'under_offer'];

/**
 * Rejects a listing in review, or takes one down from the market; the owner is told why
 * (listing.rejected) and may change it and publish it again.
 */
export async function rejectListing(ctx: Ctx, id: string, reason: string): Promise<ListingView> {
  return withTransaction(ctx, async (tx) => {
    const row = await listingToDecide(tx, id);
    if (!REJECTABLE.includes(row.status)) {
      throw new Conflict(
        'not-rejectable',
        `The listing is ${row.status.replace('_', ' ')}; only one in review or on the market can be rejected.`,
      );
    }
    const updated = await moveTo(tx, row, 'rejected', { rejectionReason: reason });
    await resolveReports(tx.db, listingReportsOf, id);
    const by = requireActor(tx).userId;
    await publish(tx, listingRejected, {
      aggregateId: id,
      payload: { listingId: id, ownerId: row.ownerId, reason, by },
    });
    await auditDecision(tx, row, 'listing.rejected', { status: updated.status, reason });
    return listingView(tx.db, tx.storage, updated);
  });
}

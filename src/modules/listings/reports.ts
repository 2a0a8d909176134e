import { and, count, eq, isNull, sql } from 'drizzle-orm';
import { withTransaction } from '../../platform/db/transaction.ts';
import { publish } from '../../platform/events/events.ts';
import { requireActor } from '../../platform/http/auth.ts';
import type { Ctx } from '../../platform/http/context.ts';
import { Conflict, Invalid, NotFound } from '../../platform/http/errors.ts';
import { listingReported, listingReviewRequested } from './events.ts';
import { lockedListing, moveTo } from './listings.ts';
import { listingReports } from './tables.ts';
import type { Listed } from './views.ts';
import { isPublicStatus, type REPORT_REASONS, type ReviewFlag } from './vocabulary.ts';

/**
 * Users report listings on the market; when enough different users have open reports on one
 * (LISTING_REPORTS_THRESHOLD), it leaves the market for a moderator's review.
 */

export type ReportReason = (typeof REPORT_REASONS)[number];

export interface ReportInput {
  reason: ReportReason;
  text?: string | null | undefined;
}

export interface ReportView {
  id: string;
  reason: ReportReason;
  text: string | null;
  createdAt: string;
}

/** Open reports of the listing by reason, most reported first. */
async function openReportsOf(ctx: Ctx, listingId: string) {
  return ctx.db
    .select({ reason: listingReports.reason, n: count() })
    .from(listingReports)
    .where(and(eq(listingReports.listingId, listingId), isNull(listingReports.resolvedAt)))
    .groupBy(listingReports.reason)
    .orderBy(sql`count(*) desc`, listingReports.reason);
}

/** Sends the listing to review once enough users have reported it. */
async function reviewIfReportedEnough(ctx: Ctx, row: Listed): Promise<void> {
  const byReason = await openReportsOf(ctx, row.id);
  // One open report per user and listing (listing_reports_open): the reports count the users.
  const reporters = byReason.reduce((sum, { n }) => sum + n, 0);
  if (reporters < ctx.config.listings.reportsThreshold) return;
  const reasons = byReason.map(({ reason, n }) => `${reason.replace('_', ' ')} (${n})`);
  const flags: ReviewFlag[] = [
    { rule: 'reports', reason: `${reporters} users reported it: ${reasons.join(', ')}.` },
  ];
  // The system takes it off the market, not the reporter: no staff change to audit.
  await moveTo({ ...ctx, actor: null }, row, 'pending_review', { reviewFlags: flags });
  await publish(ctx, listingReviewRequested, {
    aggregateId: row.id,
    payload: { listingId: row.id, ownerId: row.ownerId, flags },
  });
}

export async function reportListing(
  ctx: Ctx,
  listingId: string,
  input: ReportInput,
): Promise<ReportView> {
  const { userId } = requireActor(ctx);
  return withTransaction(ctx, async (tx) => {
    // Locked: reports of one listing (and moderators' decisions on it) queue up.
    const row = await lockedListing(tx, listingId);
    if (!isPublicStatus(row.status)) throw new NotFound('listing');
    if (row.ownerId === userId) {
      throw new Invalid('own-listing', 'You cannot report your own listing.');
    }
    const [report] = await tx.db
      .insert(listingReports)
      .values({ listingId, reporterId: userId, reason: input.reason, text: input.text || null })
      .onConflictDoNothing({
        target: [listingReports.listingId, listingReports.reporterId],
        where: isNull(listingReports.resolvedAt),
      })
      .returning();
    if (!report) {
      throw new Conflict(
        'already-reported',
        'You have reported this listing already; a moderator will look at it.',
      );
    }
    await publish(tx, listingReported, {
      aggregateId: listingId,
      payload: { listingId, ownerId: row.ownerId, reportId: report.id, reason: report.reason },
    });
    await reviewIfReportedEnough(tx, row);
    return {
      id: report.id,
      reason: report.reason,
      text: report.text,
      createdAt: report.createdAt.toISOString(),
    };
  });
}

/** A moderator decided: the open reports are answered and no longer count. */
export async function resolveReports(ctx: Ctx, listingId: string, now = new Date()) {
  await ctx.db
    .update(listingReports)
    .set({ resolvedAt: now })
    .where(and(eq(listingReports.listingId, listingId), isNull(listingReports.resolvedAt)));
}

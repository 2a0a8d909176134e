import type { Ctx } from '../../platform/core/context.ts';
import { Invalid, NotFound } from '../../platform/core/errors.ts';
import { requireActor } from '../../platform/core/permissions.ts';
import { withTransaction } from '../../platform/db/transaction.ts';
import { publish } from '../../platform/events/events.ts';
import {
  fileReport,
  openReportsByReason,
  type Reports,
  type ReportView,
} from '../../platform/reports/reports.ts';
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

/** Listings' reports: a reports mechanism (platform/reports) over the listing_reports table. */
export const listingReportsOf: Reports = { table: listingReports, subject: 'listing' };

/** Sends the listing to review once enough users have reported it. */
async function reviewIfReportedEnough(ctx: Ctx, row: Listed): Promise<void> {
  const byReason = await openReportsByReason(ctx.db, listingReportsOf, row.id);
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
): Promise<ReportView<ReportReason>> {
  const { userId } = requireActor(ctx);
  return withTransaction(ctx, async (tx) => {
    // Locked: reports of one listing (and moderators' decisions on it) queue up.
    const row = await lockedListing(tx, listingId);
    if (!isPublicStatus(row.status)) throw new NotFound('listing');
    if (row.ownerId === userId) {
      throw new Invalid('own-listing', 'You cannot report your own listing.');
    }
    const report = await fileReport(tx, listingReportsOf, {
      subjectId: listingId,
      reporterId: userId,
      reason: input.reason,
      text: input.text,
    });
    await publish(tx, listingReported, {
      aggregateId: listingId,
      payload: { listingId, ownerId: row.ownerId, reportId: report.id, reason: input.reason },
    });
    await reviewIfReportedEnough(tx, row);
    return report;
  });
}

import type { Ctx } from '../../platform/core/context.ts';
import { Invalid, NotFound } from '../../platform/core/errors.ts';
import { requireActor } from '../../platform/core/permissions.ts';
import { withTransaction } from '../../platform/db/transaction.ts';
import { publish } from '../../platform/events/events.ts';
import {
  fileReport,
  openReports,
  type Reports,
  type ReportView,
} from '../../platform/reports/reports.ts';
import { accountStandings } from '../identity/index.ts';
import { listingReported, listingReviewRequested } from './events.ts';
import { lockedListing, moveTo } from './listings.ts';
import { listingReports } from './tables.ts';
import type { Listed } from './views.ts';
import { isPublicStatus, type REPORT_REASONS, type ReviewFlag } from './vocabulary.ts';

/**
 * Users report listings on the market; when the open reports on one weigh enough
 * (LISTING_REPORTS_THRESHOLD, each report weighed by its reporter's standing), it leaves the
 * market for a moderator's review.
 */

export type ReportReason = (typeof REPORT_REASONS)[number];

export interface ReportInput {
  reason: ReportReason;
  text?: string | null | undefined;
}

/** Listings' reports: a reports mechanism (platform/reports) over the listing_reports table. */
export const listingReportsOf: Reports = { table: listingReports, subject: 'listing' };

/** A report counts in full from a proven account at least this many days old. */
export const SEASONED_REPORTER_DAYS = 7;

/**
 * What one open report weighs toward LISTING_REPORTS_THRESHOLD: 1 from an account that proved
 * an email or phone and is SEASONED_REPORTER_DAYS old, ½ from a younger proven one, nothing
 * from an unproven one or from a reporter a moderator already answered on this listing (their
 * view was weighed when it was decided). Every report still reaches the moderators.
 */
export function reportWeight(
  standing: { createdAt: Date; verified: boolean } | undefined,
  heardBefore: boolean,
  now = new Date(),
): number {
  if (!standing?.verified || heardBefore) return 0;
  const days = (now.getTime() - standing.createdAt.getTime()) / 86_400_000;
  return days >= SEASONED_REPORTER_DAYS ? 1 : 0.5;
}

/** Sends the listing to review once its open reports weigh enough. */
async function reviewIfReportedEnough(ctx: Ctx, row: Listed): Promise<void> {
  const open = await openReports(ctx.db, listingReportsOf, row.id);
  const standings = await accountStandings(
    ctx.db,
    open.map((r) => r.reporterId),
  );
  const weight = open.reduce(
    (sum, r) => sum + reportWeight(standings.get(r.reporterId), r.heardBefore),
    0,
  );
  if (weight < ctx.config.listings.reportsThreshold) return;
  const byReason = new Map<string, number>();
  for (const { reason } of open) byReason.set(reason, (byReason.get(reason) ?? 0) + 1);
  const reasons = [...byReason]
    .sort(([a, m], [b, n]) => n - m || a.localeCompare(b))
    .map(([reason, n]) => `${reason.replace('_', ' ')} (${n})`);
  const flags: ReviewFlag[] = [
    { rule: 'reports', reason: `${open.length} users reported it: ${reasons.join(', ')}.` },
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

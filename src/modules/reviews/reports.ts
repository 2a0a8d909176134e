import type { Ctx } from '../../platform/core/context.ts';
import { Invalid } from '../../platform/core/errors.ts';
import { requireActor } from '../../platform/core/permissions.ts';
import { withTransaction } from '../../platform/db/transaction.ts';
import { fileReport, type Reports, type ReportView } from '../../platform/reports/reports.ts';
import { visibleReview } from './reads.ts';
import { reviewReports } from './tables.ts';
import type { REVIEW_REPORT_REASONS } from './vocabulary.ts';
/** Users report reviews; moderators work the reported ones (moderation.ts). */

export type ReviewReportReason = (typeof REVIEW_REPORT_REASONS)[number];

/** Reviews' reports: a reports mechanism (platform/reports) over the review_reports table. */
export const reviewReportsOf: Reports = { table: reviewReports, subject: 'review' };

/** Once per user while a moderator has not decided on the review; not one's own. */
export async function reportReview(
  ctx: Ctx,
  id: string,
  input: { reason: ReviewReportReason; text?: string | null | undefined },
): Promise<ReportView<ReviewReportReason>> {
  const { userId } = requireActor(ctx);
  return withTransaction(ctx, async (tx) => {
    const review = await visibleReview(tx.db, id);
    if (review.authorId === userId) {
      throw new Invalid('own-review', 'You cannot report your own review.');
    }
    return fileReport(tx, reviewReportsOf, {
      subjectId: id,
      reporterId: userId,
      reason: input.reason,
      text: input.text,
    });
  });
}

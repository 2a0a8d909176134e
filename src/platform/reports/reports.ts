import {
  and,
  type BuildColumns,
  count,
  eq,
  inArray,
  isNotNull,
  isNull,
  type SQL,
  sql,
} from 'drizzle-orm';
import {
  type AnyPgColumn,
  type PgTableWithColumns,
  text,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import type { Ctx } from '../core/context.ts';
import { Conflict } from '../core/errors.ts';
import type { Executor } from '../db/client.ts';
import { createdAt, id, timestampMs } from '../db/columns.ts';

/**
 * Users' reports of what others put up (a listing, a review), as one mechanism a module
 * declares: the columns of its reports table, one open report per reporter and subject, the
 * open reports counted by reason or by subject, and resolved together when a moderator
 * decides. The module keeps its table, who may report what, and what enough reports do.
 */

/** The columns every reports table has; `reasons` are the module's vocabulary. */
export const reportColumns = <const R extends readonly [string, ...string[]]>(
  subjectColumn: string,
  subject: () => AnyPgColumn,
  reporter: () => AnyPgColumn,
  reasons: R,
) => ({
  id: id(),
  subjectId: uuid(subjectColumn).notNull().references(subject, { onDelete: 'cascade' }),
  reporterId: uuid('reporter_id').notNull().references(reporter, { onDelete: 'cascade' }),
  reason: text('reason', { enum: reasons }).notNull(),
  text: text('text'),
  /** Set when a moderator decides on the subject: the report no longer counts. */
  resolvedAt: timestampMs('resolved_at'),
  createdAt: createdAt(),
});

/** One open report per reporter and subject: the unique index every reports table has. */
export const oneOpenReport = (
  name: string,
  t: { subjectId: AnyPgColumn; reporterId: AnyPgColumn; resolvedAt: AnyPgColumn },
) => uniqueIndex(name).on(t.subjectId, t.reporterId).where(sql`${t.resolvedAt} is null`);

type ReportColumns = ReturnType<typeof reportColumns<readonly [string, ...string[]]>>;

/** A table made with `reportColumns`. */
export type ReportsTable = PgTableWithColumns<{
  name: string;
  schema: undefined;
  dialect: 'pg';
  columns: BuildColumns<string, ReportColumns, 'pg'>;
}>;

export interface Reports {
  readonly table: ReportsTable;
  /** What is reported, for messages: `listing`. */
  readonly subject: string;
}

export interface ReportView<Reason extends string = string> {
  id: string;
  reason: Reason;
  text: string | null;
  createdAt: string;
}

/**
 * Files the reporter's report of the subject; 409 `already-reported` while their earlier one is
 * open (also when two arrive at once: the unique index decides).
 */
export async function fileReport<Reason extends string>(
  tx: Ctx,
  reports: Reports,
  report: { subjectId: string; reporterId: string; reason: Reason; text?: string | null },
): Promise<ReportView<Reason>> {
  const { table } = reports;
  const [row] = await tx.db
    .insert(table)
    .values({ ...report, text: report.text || null })
    .onConflictDoNothing({
      target: [table.subjectId, table.reporterId],
      where: isNull(table.resolvedAt),
    })
    .returning();
  if (!row) {
    throw new Conflict(
      'already-reported',
      `You have reported this ${reports.subject} already; a moderator will look at it.`,
    );
  }
  const { id, text, createdAt } = row;
  return { id, reason: report.reason, text, createdAt: createdAt.toISOString() };
}

/**
 * The subject's open reports, oldest first, each with whether its reporter had a report of the
 * same subject answered by a moderator before (`heardBefore`): the module decides what counts.
 */
export async function openReports(
  db: Executor,
  reports: Reports,
  subjectId: string,
): Promise<{ reporterId: string; reason: string; heardBefore: boolean }[]> {
  const { table } = reports;
  const open = await db
    .select({ reporterId: sql<string>`${table.reporterId}`, reason: sql<string>`${table.reason}` })
    .from(table)
    .where(and(eq(table.subjectId, subjectId), isNull(table.resolvedAt)))
    .orderBy(table.createdAt, table.id);
  if (open.length === 0) return [];
  const heard = await db
    .selectDistinct({ reporterId: sql<string>`${table.reporterId}` })
    .from(table)
    .where(
      and(
        eq(table.subjectId, subjectId),
        isNotNull(table.resolvedAt),
        inArray(
          table.reporterId,
          open.map((r) => r.reporterId),
        ),
      ),
    );
  const before = new Set(heard.map((r) => r.reporterId));
  return open.map((r) => ({ ...r, heardBefore: before.has(r.reporterId) }));
}

/** How many open reports each subject has; subjects without any are left out. */
export async function openReportCounts(
  db: Executor,
  reports: Reports,
  subjectIds: readonly string[],
): Promise<Map<string, number>> {
  if (subjectIds.length === 0) return new Map();
  const { table } = reports;
  const rows = await db
    .select({ subjectId: sql<string>`${table.subjectId}`, n: count() })
    .from(table)
    .where(and(inArray(table.subjectId, [...subjectIds]), isNull(table.resolvedAt)))
    .groupBy(table.subjectId);
  return new Map(rows.map(({ subjectId, n }) => [subjectId, n]));
}

/** A condition: the subject whose id is `subjectId` (a column) has an open report. */
export function hasOpenReport(reports: Reports, subjectId: SQL | AnyPgColumn): SQL {
  const { table } = reports;
  return sql`exists (select 1 from ${table} where ${table.subjectId} = ${subjectId} and ${table.resolvedAt} is null)`;
}

/** A moderator decided: the subject's open reports are answered and no longer count. */
export async function resolveReports(
  db: Executor,
  reports: Reports,
  subjectId: string,
  now = new Date(),
): Promise<void> {
  const { table } = reports;
  await db
    .update(table)
    .set({ resolvedAt: now })
    .where(and(eq(table.subjectId, subjectId), isNull(table.resolvedAt)));
}

import { and, eq, gte, lte } from 'drizzle-orm';
import type { Ctx } from '../core/context.ts';
import { keysetPage, type Page, type PageInput } from '../core/paging.ts';
import { auditLog } from './tables.ts';

export type AuditRecord = typeof auditLog.$inferSelect;

export interface AuditFilter {
  actorId?: string | undefined;
  action?: string | undefined;
  resourceType?: string | undefined;
  resourceId?: string | undefined;
  /** Entries at or after this instant. */
  from?: Date | undefined;
  /** Entries at or before this instant. */
  to?: Date | undefined;
}

/** The audit log, newest first, narrowed by who, what, which object and when. */
export function listAuditLog(
  ctx: Ctx,
  filter: AuditFilter,
  page: PageInput,
): Promise<Page<AuditRecord>> {
  const conditions = and(
    filter.actorId ? eq(auditLog.actorId, filter.actorId) : undefined,
    filter.action ? eq(auditLog.action, filter.action) : undefined,
    filter.resourceType ? eq(auditLog.resourceType, filter.resourceType) : undefined,
    filter.resourceId ? eq(auditLog.resourceId, filter.resourceId) : undefined,
    filter.from ? gte(auditLog.occurredAt, filter.from) : undefined,
    filter.to ? lte(auditLog.occurredAt, filter.to) : undefined,
  );
  return keysetPage(ctx, {
    scope: 'audit-log',
    keys: [
      { column: auditLog.occurredAt, direction: 'desc', value: (e) => e.occurredAt },
      { column: auditLog.id, direction: 'desc', value: (e) => e.id },
    ],
    page,
    fetch: ({ where, orderBy, limit }) =>
      ctx.db
        .select()
        .from(auditLog)
        .where(and(conditions, where))
        .orderBy(...orderBy)
        .limit(limit),
  });
}

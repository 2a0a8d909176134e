import type { Ctx } from '../core/context.ts';
import { auditLog } from './tables.ts';

export interface AuditEntry {
  /** What happened, as `noun.verb`: `auth.login`, `user.suspended`, `events.delivery_retried`. */
  action: string;
  resource: { type: string; id?: string | null };
  /** Who acted; by default the signed-in actor, null for a guest or the system. */
  actorId?: string | null;
  before?: unknown;
  after?: unknown;
  metadata?: Record<string, unknown>;
}

/**
 * Records `entry` with the request's address, user agent and id. It goes through `ctx.db`, so
 * inside withTransaction it commits or rolls back with the change it describes.
 */
export async function audit(ctx: Ctx, entry: AuditEntry): Promise<void> {
  await ctx.db.insert(auditLog).values({
    actorId: entry.actorId === undefined ? (ctx.actor?.userId ?? null) : entry.actorId,
    action: entry.action,
    resourceType: entry.resource.type,
    resourceId: entry.resource.id ?? null,
    ip: ctx.client?.ip ?? null,
    userAgent: ctx.client?.userAgent?.slice(0, 512) ?? null,
    requestId: ctx.requestId,
    before: entry.before ?? null,
    after: entry.after ?? null,
    metadata: entry.metadata ?? null,
  });
}

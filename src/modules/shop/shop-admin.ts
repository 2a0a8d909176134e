import { and, count, eq, isNotNull, isNull, or, sql } from 'drizzle-orm';
import { audit } from '../../platform/audit/audit.ts';
import type { Ctx } from '../../platform/core/context.ts';
import { Conflict, Forbidden, NotFound } from '../../platform/core/errors.ts';
import { keysetPage, type Page, type PageInput } from '../../platform/core/paging.ts';
import { actsAsAdmin, assertMayUndo, requireActor } from '../../platform/core/permissions.ts';
import { withTransaction } from '../../platform/db/transaction.ts';
import { publish } from '../../platform/events/events.ts';
import { shopApproved, shopReinstated, shopSuspended } from './events.ts';
import { products, type ShopRow, shops } from './tables.ts';
import { type ShopView, shopView } from './views.ts';
import type { ShopStatus } from './vocabulary.ts';

/** Reviewers' list of shops and their decisions: approve, suspend, reinstate. */

export interface ShopListPage extends Page<ShopView> {
  /** Shops matching the filter, on every page. */
  total: number;
}

/**
 * Shops in a status (or all of them), with or without a rename waiting. A queue (pending shops,
 * or renames waiting) oldest first, worked from its head; any other list newest first.
 */
export async function listShops(
  ctx: Ctx,
  filters: { status?: ShopStatus | undefined; renamePending?: boolean | undefined },
  page: PageInput,
): Promise<ShopListPage> {
  const { status, renamePending } = filters;
  const queue = status === 'pending' || renamePending === true;
  const direction = queue ? 'asc' : 'desc';
  const filter = and(
    status === undefined ? undefined : eq(shops.status, status),
    renamePending === undefined
      ? undefined
      : renamePending
        ? or(isNotNull(shops.pendingName), isNotNull(shops.pendingSlug))
        : and(isNull(shops.pendingName), isNull(shops.pendingSlug)),
  );
  const found = await keysetPage<ShopRow>(ctx, {
    scope: `admin-shops:${status ?? 'all'}:${renamePending ?? 'any'}`,
    keys: [
      { column: shops.createdAt, direction, value: (r) => r.createdAt },
      { column: shops.id, direction, value: (r) => r.id },
    ],
    page,
    fetch: ({ where, orderBy, limit }) =>
      ctx.db
        .select()
        .from(shops)
        .where(and(filter, where))
        .orderBy(...orderBy)
        .limit(limit),
  });
  const [counted] = await ctx.db.select({ n: count() }).from(shops).where(filter);
  return {
    items: await Promise.all(found.items.map((row) => shopView(ctx.storage, row))),
    nextCursor: found.nextCursor,
    total: counted?.n ?? 0,
  };
}

/** A reviewer's decision; suspending and reinstating say why, for the seller. */
export type ShopDecision =
  | { kind: 'approve' }
  | { kind: 'suspend'; reason: string }
  | { kind: 'reinstate'; reason: string };

interface Move {
  from: readonly ShopStatus[];
  to: ShopStatus;
  /** The past tense, for the audit action and the refusal. */
  done: string;
}

const MOVES: Record<ShopDecision['kind'], Move> = {
  approve: { from: ['pending'], to: 'active', done: 'approved' },
  suspend: { from: ['pending', 'active'], to: 'suspended', done: 'suspended' },
  reinstate: { from: ['suspended'], to: 'active', done: 'reinstated' },
};

/** Publishes the decision's event in the transaction that makes it. */
async function announce(ctx: Ctx, decision: ShopDecision, shop: ShopRow, by: string) {
  const aggregateId = shop.id;
  const ref = { shopId: shop.id, ownerId: shop.ownerId, by };
  switch (decision.kind) {
    case 'approve':
      return publish(ctx, shopApproved, { aggregateId, payload: ref });
    case 'suspend':
      return publish(ctx, shopSuspended, {
        aggregateId,
        payload: { ...ref, reason: decision.reason },
      });
    case 'reinstate':
      return publish(ctx, shopReinstated, {
        aggregateId,
        payload: { ...ref, reason: decision.reason },
      });
  }
}

/**
 * Applies a reviewer's decision to the shop, locked so two decisions on it cannot both apply,
 * and to its products with it: they are on sale only while it is active, from the same commit
 * on. Audited; 409 `invalid-transition` from a status the decision does not apply to, 403
 * `own-shop` to a reviewer who owns it.
 */
export async function decideShop(ctx: Ctx, id: string, decision: ShopDecision): Promise<ShopView> {
  const by = requireActor(ctx).userId;
  const move = MOVES[decision.kind];
  const reason = 'reason' in decision ? decision.reason : null;
  const after = await withTransaction(ctx, async (tx) => {
    const [before] = await tx.db.select().from(shops).where(eq(shops.id, id)).for('update');
    if (!before) throw new NotFound('shop');
    if (before.ownerId === by) {
      throw new Forbidden('Another reviewer decides on your own shop.', 'own-shop');
    }
    if (!move.from.includes(before.status)) {
      throw new Conflict(
        'invalid-transition',
        `The shop is ${before.status}; only a ${move.from.join(' or ')} shop can be ${move.done}.`,
      );
    }
    if (decision.kind === 'reinstate') assertMayUndo(tx, before.suspendedByAdmin, 'suspension');
    const active = move.to === 'active';
    const [updated] = await tx.db
      .update(shops)
      .set({
        status: move.to,
        statusReason: move.to === 'suspended' ? reason : null,
        suspendedByAdmin: move.to === 'suspended' && actsAsAdmin(tx),
        approvedAt: before.approvedAt ?? (active ? new Date() : null),
      })
      .where(eq(shops.id, id))
      .returning();
    if (!updated) throw new NotFound('shop');
    await tx.db
      .update(products)
      // A copy kept in step is no change of the product: its updatedAt stays.
      .set({ shopActive: active, updatedAt: sql`${products.updatedAt}` })
      .where(eq(products.shopId, id));
    await announce(tx, decision, updated, by);
    await audit(tx, {
      action: `shop.${move.done}`,
      resource: { type: 'shop', id },
      before: { status: before.status, statusReason: before.statusReason },
      after: { status: updated.status, statusReason: updated.statusReason },
      metadata: { ownerId: before.ownerId, ...(reason === null ? {} : { reason }) },
    });
    return updated;
  });
  return shopView(ctx.storage, after);
}

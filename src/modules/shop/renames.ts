import { eq } from 'drizzle-orm';
import { audit } from '../../platform/audit/audit.ts';
import type { Ctx } from '../../platform/core/context.ts';
import { Conflict, Forbidden, NotFound } from '../../platform/core/errors.ts';
import { requireActor } from '../../platform/core/permissions.ts';
import { isUniqueViolation } from '../../platform/db/client.ts';
import { withTransaction } from '../../platform/db/transaction.ts';
import { renameProducts } from './shops.ts';
import { shops } from './tables.ts';
import { type ShopView, shopView } from './views.ts';

/**
 * A moderator's decision on the name and address an approved shop asked for: approved, they
 * replace the shop's (its products' copies too); rejected, they are dropped and the seller keeps
 * the approved ones. Audited either way, with the reason of a rejection.
 */
export async function decideRename(
  ctx: Ctx,
  id: string,
  decision: { approve: true } | { approve: false; reason: string },
): Promise<ShopView> {
  const by = requireActor(ctx).userId;
  const row = await withTransaction(ctx, (tx) => decide(tx, id, by, decision)).catch((error) => {
    // Another shop took the address since it was asked for.
    if (isUniqueViolation(error)) {
      throw new Conflict('slug-taken', 'Another shop has this address now; reject the rename.');
    }
    throw error;
  });
  return shopView(ctx.storage, row);
}

async function decide(
  tx: Ctx,
  id: string,
  by: string,
  decision: { approve: true } | { approve: false; reason: string },
) {
  const [before] = await tx.db.select().from(shops).where(eq(shops.id, id)).for('update');
  if (!before) throw new NotFound('shop');
  if (before.ownerId === by) {
    throw new Forbidden('Another reviewer decides on your own shop.', 'own-shop');
  }
  if (before.pendingName === null && before.pendingSlug === null) {
    throw new Conflict('no-rename', 'The shop has asked for no new name or address.');
  }
  const [after] = await tx.db
    .update(shops)
    .set({
      ...(decision.approve
        ? { name: before.pendingName ?? before.name, slug: before.pendingSlug ?? before.slug }
        : {}),
      pendingName: null,
      pendingSlug: null,
    })
    .where(eq(shops.id, id))
    .returning();
  if (!after) throw new NotFound('shop');
  if (after.name !== before.name) await renameProducts(tx.db, id, after.name);
  await audit(tx, {
    action: decision.approve ? 'shop.rename_approved' : 'shop.rename_rejected',
    resource: { type: 'shop', id },
    before: { name: before.name, slug: before.slug },
    after: decision.approve
      ? { name: after.name, slug: after.slug }
      : { name: before.pendingName, slug: before.pendingSlug },
    metadata: { ownerId: before.ownerId, ...(decision.approve ? {} : { reason: decision.reason }) },
  });
  return after;
}

import { and, eq, lte } from 'drizzle-orm';
import { audit } from '../../platform/audit/audit.ts';
import { inBatches } from '../../platform/db/batches.ts';
import { withTransaction } from '../../platform/db/transaction.ts';
import { publish } from '../../platform/events/events.ts';
import { requireActor } from '../../platform/http/auth.ts';
import type { Ctx } from '../../platform/http/context.ts';
import { Conflict, Invalid, NotFound } from '../../platform/http/errors.ts';
import { recordSales, returnStock, sellerShop } from '../shop/index.ts';
import { orderCancelled, orderStatusChanged } from './events.ts';
import { releaseVoucher } from './redemptions.ts';
import { type OrderRow, orderHistory, orderItems, orders } from './tables.ts';
import { type OrderView, orderView } from './views.ts';
import type { OrderStatus } from './vocabulary.ts';

/**
 * The order state machine, in one place: which moves exist, who may make each, and what a move
 * does besides changing the status (history, events, audit, stock and voucher use given back on
 * cancel, sales counted on completion). Every move locks the order row first, so two moves of
 * one order queue and the second sees the first's result.
 */

export type OrderActorRole = 'buyer' | 'seller' | 'admin' | 'system';

/**
 * From each status, the statuses it may move to and who may move it there. `system` pays
 * (pending_payment -> placed, when online payments come) and expires unpaid orders; an admin
 * may make any move.
 */
const MOVES: Record<OrderStatus, Partial<Record<OrderStatus, readonly OrderActorRole[]>>> = {
  pending_payment: {
    placed: ['system', 'admin'],
    cancelled: ['buyer', 'system', 'admin'],
  },
  placed: { confirmed: ['seller', 'admin'], cancelled: ['buyer', 'seller', 'admin'] },
  confirmed: { shipped: ['seller', 'admin'], cancelled: ['seller', 'admin'] },
  shipped: { delivered: ['seller', 'admin'] },
  delivered: { completed: ['admin'] },
  completed: {},
  cancelled: {},
};

/** The statuses `role` may move an order in `from` to, in the machine's order. */
export function nextStatuses(from: OrderStatus, role: OrderActorRole): OrderStatus[] {
  return Object.entries(MOVES[from])
    .filter(([, roles]) => roles?.includes(role))
    .map(([to]) => to as OrderStatus);
}

export interface OrderMove {
  to: OrderStatus;
  note?: string | null | undefined;
  /** Why it was cancelled: buyers and sellers must say. */
  reason?: string | undefined;
  /** Shipping needs both. */
  carrier?: string | undefined;
  trackingNumber?: string | undefined;
}

interface Mover {
  /** Null for the system. */
  id: string | null;
  role: OrderActorRole;
}

const label = (status: OrderStatus) => status.replace('_', ' ');

function refuse(row: OrderRow, to: OrderStatus, role: OrderActorRole): Conflict {
  const allowed = nextStatuses(row.status, role);
  const choices = allowed.length > 0 ? allowed.join(', ') : 'none';
  return new Conflict(
    'invalid-transition',
    `The order is ${label(row.status)}: it cannot be moved to ${label(to)} by the ${role}. ` +
      `Allowed next: ${choices}.`,
    { errors: [{ path: 'body.status', message: `current: ${row.status}; allowed: ${choices}` }] },
  );
}

/** What a move needs besides being allowed: shipping says how, cancelling (but by an admin) why. */
function checkDetails(move: OrderMove, role: OrderActorRole): void {
  const missing: { path: string; message: string }[] = [];
  if (move.to === 'shipped') {
    if (!move.carrier) missing.push({ path: 'body.carrier', message: 'required to ship' });
    if (!move.trackingNumber) {
      missing.push({ path: 'body.trackingNumber', message: 'required to ship' });
    }
  }
  if (move.to === 'cancelled' && (role === 'buyer' || role === 'seller') && !move.reason) {
    missing.push({ path: 'body.reason', message: 'required to cancel' });
  }
  if (missing.length > 0) {
    throw new Invalid('missing-details', `Moving the order to ${label(move.to)} needs more.`, {
      errors: missing,
    });
  }
}

async function lockedOrder(ctx: Ctx, id: string): Promise<OrderRow | undefined> {
  const [row] = await ctx.db.select().from(orders).where(eq(orders.id, id)).for('update');
  return row;
}

/**
 * Gives the order's stock and voucher use back, once: `releasedAt` is read and set under the
 * row's lock, so no second cancellation (or a retry of one) can give it back again.
 */
async function release(tx: Ctx, row: OrderRow, now: Date): Promise<void> {
  if (row.releasedAt) return;
  const items = await tx.db
    .select({ variantId: orderItems.variantId, quantity: orderItems.quantity })
    .from(orderItems)
    .where(eq(orderItems.orderId, row.id));
  await returnStock(
    tx.db,
    items.flatMap((item) =>
      item.variantId ? [{ variantId: item.variantId, quantity: item.quantity }] : [],
    ),
  );
  if (row.voucherId) await releaseVoucher(tx, row.id);
  await tx.db.update(orders).set({ releasedAt: now }).where(eq(orders.id, row.id));
}

async function countSales(tx: Ctx, orderId: string): Promise<void> {
  const items = await tx.db
    .select({ productId: orderItems.productId, quantity: orderItems.quantity })
    .from(orderItems)
    .where(eq(orderItems.orderId, orderId));
  const sold = new Map<string, number>();
  for (const item of items)
    sold.set(item.productId, (sold.get(item.productId) ?? 0) + item.quantity);
  await recordSales(
    tx.db,
    [...sold].map(([productId, quantity]) => ({ productId, quantity })),
  );
}

/** Makes one move of a locked order, with everything it entails; `tx` is a transaction. */
async function moveOrder(
  tx: Ctx,
  row: OrderRow,
  mover: Mover,
  move: OrderMove,
  now: Date,
): Promise<OrderRow> {
  if (!MOVES[row.status][move.to]?.includes(mover.role)) throw refuse(row, move.to, mover.role);
  checkDetails(move, mover.role);
  const cancelled = move.to === 'cancelled';
  const note = (cancelled ? move.reason : undefined) ?? move.note ?? null;
  if (cancelled) await release(tx, row, now);
  if (move.to === 'completed') await countSales(tx, row.id);
  const [updated] = await tx.db
    .update(orders)
    .set({
      status: move.to,
      ...(row.status === 'pending_payment' ? { holdExpiresAt: null } : {}),
      ...(move.to === 'shipped'
        ? { carrier: move.carrier, trackingNumber: move.trackingNumber }
        : {}),
      ...(cancelled ? { cancelReason: note } : {}),
    })
    .where(eq(orders.id, row.id))
    .returning();
  if (!updated) throw new NotFound('order');
  await tx.db.insert(orderHistory).values({
    orderId: row.id,
    fromStatus: row.status,
    toStatus: move.to,
    actorId: mover.id,
    actorRole: mover.role,
    note,
  });
  const ref = {
    orderId: row.id,
    checkoutId: row.checkoutId,
    shopId: row.shopId,
    buyerId: row.buyerId,
  };
  await publish(tx, orderStatusChanged, {
    aggregateId: row.id,
    payload: { ...ref, from: row.status, to: move.to, by: mover.id, note },
  });
  if (cancelled) {
    await publish(tx, orderCancelled, {
      aggregateId: row.id,
      payload: { ...ref, by: mover.id, reason: note },
    });
  }
  if (mover.role === 'seller' || mover.role === 'admin') {
    await audit(tx, {
      action: `order.${move.to}`,
      resource: { type: 'order', id: row.id },
      before: { status: row.status },
      after: {
        status: move.to,
        note,
        ...(move.to === 'shipped'
          ? { carrier: move.carrier, trackingNumber: move.trackingNumber }
          : {}),
      },
      metadata: { role: mover.role, shopId: row.shopId, buyerId: row.buyerId },
    });
  }
  return updated;
}

/**
 * Locks the order, checks the caller may see it (404 otherwise, so others' orders don't leak),
 * moves it and answers its view.
 */
async function moveVisible(
  ctx: Ctx,
  id: string,
  role: OrderActorRole,
  move: OrderMove,
  visible: (tx: Ctx, row: OrderRow) => Promise<boolean> | boolean,
): Promise<OrderView> {
  const by = requireActor(ctx).userId;
  return withTransaction(ctx, async (tx) => {
    const row = await lockedOrder(tx, id);
    if (!row || !(await visible(tx, row))) throw new NotFound('order');
    const updated = await moveOrder(tx, row, { id: by, role }, move, new Date());
    return orderView(tx.db, tx.storage, updated);
  });
}

/** The buyer cancels their own order before the shop confirmed it. */
export function cancelAsBuyer(ctx: Ctx, id: string, reason: string): Promise<OrderView> {
  const by = requireActor(ctx).userId;
  return moveVisible(
    ctx,
    id,
    'buyer',
    { to: 'cancelled', reason },
    (_tx, row) => row.buyerId === by,
  );
}

/** The seller moves an order of their own shop. */
export function moveAsSeller(ctx: Ctx, id: string, move: OrderMove): Promise<OrderView> {
  return moveVisible(
    ctx,
    id,
    'seller',
    move,
    async (tx, row) => row.shopId === (await sellerShop(tx)).id,
  );
}

/** An admin makes any legal move of any order (audited). */
export function moveAsAdmin(ctx: Ctx, id: string, move: OrderMove): Promise<OrderView> {
  return moveVisible(ctx, id, 'admin', move, () => true);
}

/**
 * One order per expiry transaction. A cancellation gives stock back to its variants in id
 * order, which keeps one order's release from deadlocking with another's; but a transaction
 * holding several orders would update variants shared with another worker's orders in crossing
 * orders, and deadlock.
 */
const EXPIRY_BATCH = 1;

/**
 * Cancels the `pending_payment` orders whose hold ran out by `now`, giving their stock back.
 * SKIP LOCKED shares the orders between two workers running this at once; the status is
 * read under the lock, so an order paid or cancelled meanwhile is no longer selected.
 */
export async function expireUnpaidOrders(ctx: Ctx, now: Date): Promise<void> {
  await inBatches(ctx, EXPIRY_BATCH, async (tx) => {
    const rows = await tx.db
      .select()
      .from(orders)
      .where(and(eq(orders.status, 'pending_payment'), lte(orders.holdExpiresAt, now)))
      .orderBy(orders.holdExpiresAt)
      .limit(EXPIRY_BATCH)
      .for('update', { skipLocked: true });
    for (const row of rows) {
      await moveOrder(
        tx,
        row,
        { id: null, role: 'system' },
        { to: 'cancelled', reason: 'The payment did not arrive in time.' },
        now,
      );
    }
    return rows.length;
  });
}

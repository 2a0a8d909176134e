import { and, eq, isNull, lte } from 'drizzle-orm';
import { audit } from '../../platform/audit/audit.ts';
import type { Ctx } from '../../platform/core/context.ts';
import { Conflict, Invalid, NotFound } from '../../platform/core/errors.ts';
import { publish } from '../../platform/events/events.ts';
import { sellerShop } from '../shop/index.ts';
import { orderCancelled, orderStatusChanged } from './events.ts';
import { confirmDeadline } from './placing.ts';
import { type OrderRow, orderHistory, orderItems, orders } from './tables.ts';
import type { OrderStatus } from './vocabulary.ts';

/**
 * The order state machine, in one place: which moves exist, who may make each, and what a move
 * records besides the status (history, events, audit). Every move locks the order row first, so
 * two moves of one order queue and the second sees the first's result.
 */

export type OrderActorRole = 'buyer' | 'seller' | 'admin' | 'system';

/**
 * From each status, the statuses it may move to and who may move it there. `system` pays
 * (pending_payment -> placed, when online payments come), expires unpaid orders and cancels
 * those a shop did not confirm in time; an admin may make any move.
 */
const MOVES: Record<OrderStatus, Partial<Record<OrderStatus, readonly OrderActorRole[]>>> = {
  pending_payment: {
    placed: ['system', 'admin'],
    cancelled: ['buyer', 'system', 'admin'],
  },
  placed: { confirmed: ['seller', 'admin'], cancelled: ['buyer', 'seller', 'system', 'admin'] },
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

export interface Mover {
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
    { fields: [{ path: 'status', message: `current: ${row.status}; allowed: ${choices}` }] },
  );
}

/** What a move needs besides being allowed: shipping says how, cancelling (but by an admin) why. */
function checkDetails(move: OrderMove, role: OrderActorRole): void {
  const missing: { path: string; message: string }[] = [];
  if (move.to === 'shipped') {
    if (!move.carrier) missing.push({ path: 'carrier', message: 'required to ship' });
    if (!move.trackingNumber) {
      missing.push({ path: 'trackingNumber', message: 'required to ship' });
    }
  }
  if (move.to === 'cancelled' && (role === 'buyer' || role === 'seller') && !move.reason) {
    missing.push({ path: 'reason', message: 'required to cancel' });
  }
  if (missing.length > 0) {
    throw new Invalid('missing-details', `Moving the order to ${label(move.to)} needs more.`, {
      fields: missing,
    });
  }
}

/**
 * Makes one move of an order locked by `lockOrderFor`, if the machine allows it: the status,
 * its history, its events, and the audit of a seller's or admin's move. What the move means to
 * other modules (stock and voucher use back on cancel, sales counted on completion) is the
 * workflow's (src/workflows/order-moves.ts), in the same transaction.
 */
export async function moveOrder(
  tx: Ctx,
  row: OrderRow,
  mover: Mover,
  move: OrderMove,
): Promise<OrderRow> {
  if (!MOVES[row.status][move.to]?.includes(mover.role)) throw refuse(row, move.to, mover.role);
  checkDetails(move, mover.role);
  const cancelled = move.to === 'cancelled';
  const note = (cancelled ? move.reason : undefined) ?? move.note ?? null;
  const [updated] = await tx.db
    .update(orders)
    .set({
      status: move.to,
      ...(row.status === 'pending_payment' ? { holdExpiresAt: null } : {}),
      confirmBy: move.to === 'placed' ? confirmDeadline(tx, new Date()) : null,
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
 * The order, locked for a move, if `mover` may see it: a buyer their own, a seller their
 * shop's, an admin or the system any. Others' orders are not found, so they don't leak.
 */
export async function lockOrderFor(tx: Ctx, id: string, mover: Mover): Promise<OrderRow> {
  const [row] = await tx.db.select().from(orders).where(eq(orders.id, id)).for('update');
  const visible =
    row !== undefined &&
    (mover.role === 'buyer'
      ? row.buyerId === mover.id
      : mover.role === 'seller'
        ? row.shopId === (await sellerShop(tx)).id
        : true);
  if (!visible) throw new NotFound('order');
  return row;
}

/**
 * Claims the undoing of the order's checkout (its stock and voucher use given back), once:
 * `releasedAt` is set under the row's lock, so no second cancellation, or a retry of one, can
 * claim it again. True for the first claim.
 */
export async function claimRelease(tx: Ctx, orderId: string, now: Date): Promise<boolean> {
  const claimed = await tx.db
    .update(orders)
    .set({ releasedAt: now })
    .where(and(eq(orders.id, orderId), isNull(orders.releasedAt)))
    .returning({ id: orders.id });
  return claimed.length > 0;
}

/** What an order bought: the variants (null once deleted) and products, with quantities. */
export function orderLines(tx: Ctx, orderId: string) {
  return tx.db
    .select({
      variantId: orderItems.variantId,
      productId: orderItems.productId,
      quantity: orderItems.quantity,
    })
    .from(orderItems)
    .where(eq(orderItems.orderId, orderId));
}

/**
 * Locks up to `limit` `pending_payment` orders whose hold ran out by `now`. SKIP LOCKED shares
 * them between two workers running the expiry at once; the status is read under the lock, so an
 * order paid or cancelled meanwhile is no longer selected.
 */
export function lockExpiredUnpaid(tx: Ctx, now: Date, limit: number): Promise<OrderRow[]> {
  return tx.db
    .select()
    .from(orders)
    .where(and(eq(orders.status, 'pending_payment'), lte(orders.holdExpiresAt, now)))
    .orderBy(orders.holdExpiresAt)
    .limit(limit)
    .for('update', { skipLocked: true });
}

/** Like lockExpiredUnpaid, for `placed` orders whose shop did not confirm them by `now`. */
export function lockUnconfirmed(tx: Ctx, now: Date, limit: number): Promise<OrderRow[]> {
  return tx.db
    .select()
    .from(orders)
    .where(and(eq(orders.status, 'placed'), lte(orders.confirmBy, now)))
    .orderBy(orders.confirmBy)
    .limit(limit)
    .for('update', { skipLocked: true });
}

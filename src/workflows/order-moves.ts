import {
  lockExpiredUnpaid,
  lockOrderFor,
  lockUnconfirmed,
  type Mover,
  moveOrder,
  type OrderActorRole,
  type OrderMove,
  type OrderRow,
  type OrderView,
  orderLines,
  orderView,
} from '../modules/orders/index.ts';
import { recordSales } from '../modules/shop/index.ts';
import type { Ctx } from '../platform/core/context.ts';
import { requireActor } from '../platform/core/permissions.ts';
import { inBatches } from '../platform/db/batches.ts';
import { withTransaction } from '../platform/db/transaction.ts';
import type { Schedule } from '../platform/module.ts';
import { undoCheckout } from './checkout.ts';

/**
 * Order moves with what they mean beyond the order, in the move's transaction: a cancellation
 * undoes the order's checkout (its stock and voucher use go back, once), a completion counts
 * its sales on the products. The orders module's state machine decides which moves exist.
 */

/** Adds a completed order's quantities to its products' sales (best-selling sorts by them). */
async function countSales(tx: Ctx, orderId: string): Promise<void> {
  const sold = new Map<string, number>();
  for (const line of await orderLines(tx, orderId)) {
    sold.set(line.productId, (sold.get(line.productId) ?? 0) + line.quantity);
  }
  await recordSales(
    tx.db,
    [...sold].map(([productId, quantity]) => ({ productId, quantity })),
  );
}

/** Makes the move of an order locked for it, then its consequences elsewhere. */
async function moveWithConsequences(
  tx: Ctx,
  row: OrderRow,
  mover: Mover,
  move: OrderMove,
  now: Date,
): Promise<OrderRow> {
  const moved = await moveOrder(tx, row, mover, move);
  if (moved.status === 'cancelled') await undoCheckout(tx, moved, now);
  if (moved.status === 'completed') await countSales(tx, moved.id);
  return moved;
}

/** Locks the order if the caller may see it (404 otherwise), moves it and answers its view. */
function moveAs(ctx: Ctx, id: string, role: OrderActorRole, move: OrderMove): Promise<OrderView> {
  const mover = { id: requireActor(ctx).userId, role };
  return withTransaction(ctx, async (tx) => {
    const row = await lockOrderFor(tx, id, mover);
    const moved = await moveWithConsequences(tx, row, mover, move, new Date());
    return orderView(tx.db, tx.storage, moved);
  });
}

/** The buyer cancels their own order before the shop confirmed it. */
export function cancelAsBuyer(ctx: Ctx, id: string, reason: string): Promise<OrderView> {
  return moveAs(ctx, id, 'buyer', { to: 'cancelled', reason });
}

/** The seller moves an order of their own shop. */
export function moveAsSeller(ctx: Ctx, id: string, move: OrderMove): Promise<OrderView> {
  return moveAs(ctx, id, 'seller', move);
}

/** An admin makes any legal move of any order (audited). */
export function moveAsAdmin(ctx: Ctx, id: string, move: OrderMove): Promise<OrderView> {
  return moveAs(ctx, id, 'admin', move);
}

/**
 * One order per expiry transaction. A cancellation gives stock back to its variants in id
 * order, which keeps one order's release from deadlocking with another's; but a transaction
 * holding several orders would update variants shared with another worker's orders in crossing
 * orders, and deadlock.
 */
const EXPIRY_BATCH = 1;

/** Cancels, one order per transaction, what `lock` finds due at `now`, giving its stock back. */
async function cancelDue(
  ctx: Ctx,
  now: Date,
  lock: (tx: Ctx, now: Date, limit: number) => Promise<OrderRow[]>,
  reason: string,
): Promise<void> {
  await inBatches(ctx, EXPIRY_BATCH, async (tx) => {
    const rows = await lock(tx, now, EXPIRY_BATCH);
    for (const row of rows) {
      await moveWithConsequences(
        tx,
        row,
        { id: null, role: 'system' },
        { to: 'cancelled', reason },
        now,
      );
    }
    return rows.length;
  });
}

/** Cancels the `pending_payment` orders whose hold ran out by `now`, giving their stock back. */
export function expireUnpaidOrders(ctx: Ctx, now: Date): Promise<void> {
  return cancelDue(ctx, now, lockExpiredUnpaid, 'The payment did not arrive in time.');
}

/**
 * Cancels the `placed` orders their shop did not confirm within ORDER_CONFIRM_HOURS, so an
 * order nobody acts on (a buyer holding stock, a shop gone quiet) gives its stock back.
 */
export function cancelUnconfirmedOrders(ctx: Ctx, now: Date): Promise<void> {
  return cancelDue(ctx, now, lockUnconfirmed, 'The shop did not confirm the order in time.');
}

const EVERY_MINUTE = '0 * * * * *';

/** Unpaid and unconfirmed orders give their stock back. */
export const orderMoveSchedules: readonly Schedule[] = [
  { name: 'orders.expire-unpaid', cron: EVERY_MINUTE, run: expireUnpaidOrders },
  { name: 'orders.cancel-unconfirmed', cron: EVERY_MINUTE, run: cancelUnconfirmedOrders },
];

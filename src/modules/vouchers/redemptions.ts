import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Ctx } from '../../platform/core/context.ts';
import { Conflict } from '../../platform/core/errors.ts';
import { withTransaction } from '../../platform/db/transaction.ts';
import { assess, findVoucher, unknownCode, usesBy } from './rules.ts';
import { voucherRedemptions, vouchers } from './tables.ts';

/**
 * The contract between checkout and vouchers: checkout and cancellation call only these two; the
 * rules they apply are rules.ts's `assess`.
 */

export interface RedeemInput {
  /** As the buyer typed it; matched ignoring case, the shop's vouchers before the platform's. */
  code: string;
  shopId: string;
  userId: string;
  orderId: string;
  /** The order's subtotal before discount, in minor units of `currency`. */
  subtotal: number;
  currency: string;
  now: Date;
}

export interface Redeemed {
  voucherId: string;
  code: string;
  /** Minor units, at most the subtotal. */
  discount: number;
}

/**
 * Applies the voucher to one shop's order and counts the use, under the voucher row's lock so
 * concurrent checkouts can never pass its limits. Throws `Conflict('voucher-not-applicable',
 * reason, { fields: [{ path: 'vouchers.<shopId>', message: reason }] })` when it does not
 * apply (unknown, another shop's alike, inactive, not started, ended, another currency, under
 * the minimum subtotal, used up, used up by this user).
 */
export async function redeemVoucher(tx: Ctx, input: RedeemInput): Promise<Redeemed> {
  const { code, shopId, userId, orderId, subtotal, currency, now } = input;
  return withTransaction(tx, async (t) => {
    const voucher = await findVoucher(t.db, code, shopId, { lock: true });
    if (!voucher) throw notApplicable(shopId, unknownCode(code));
    // Under the voucher's lock: the same buyer's concurrent checkouts count one after another.
    const used = await usesBy(t.db, userId, [voucher.id]);
    const assessment = assess(voucher, {
      subtotal,
      currency,
      now,
      usedByBuyer: used.get(voucher.id) ?? 0,
    });
    if (!assessment.applicable) throw notApplicable(shopId, assessment.message);
    const { discount } = assessment;
    await t.db
      .insert(voucherRedemptions)
      .values({ voucherId: voucher.id, orderId, userId, discount });
    await t.db
      .update(vouchers)
      .set({ usedCount: sql`${vouchers.usedCount} + 1` })
      .where(eq(vouchers.id, voucher.id));
    return { voucherId: voucher.id, code: voucher.code, discount };
  });
}

function notApplicable(shopId: string, message: string): Conflict {
  return new Conflict('voucher-not-applicable', message, {
    fields: [{ path: `vouchers.${shopId}`, message }],
  });
}

/** Gives the order's voucher use back (a cancellation), once: a second call changes nothing. */
export async function releaseVoucher(tx: Ctx, orderId: string): Promise<void> {
  await withTransaction(tx, async (t) => {
    // The update takes the redemption's row lock; a concurrent second release waits for it,
    // then finds it released and matches nothing.
    const [released] = await t.db
      .update(voucherRedemptions)
      .set({ releasedAt: new Date() })
      .where(and(eq(voucherRedemptions.orderId, orderId), isNull(voucherRedemptions.releasedAt)))
      .returning({ voucherId: voucherRedemptions.voucherId });
    if (!released) return;
    await t.db
      .update(vouchers)
      .set({ usedCount: sql`${vouchers.usedCount} - 1` })
      .where(eq(vouchers.id, released.voucherId));
  });
}

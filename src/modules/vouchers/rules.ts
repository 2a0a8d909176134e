import { and, count, desc, eq, gt, inArray, isNull, lt, lte, or, sql } from 'drizzle-orm';
import type { Ctx } from '../../platform/core/context.ts';
import type { Amount } from '../../platform/core/money.ts';
import { requireActor } from '../../platform/core/permissions.ts';
import type { Executor } from '../../platform/db/client.ts';
import { type VoucherRow, voucherRedemptions, vouchers } from './tables.ts';
import type { VoucherType } from './vocabulary.ts';

/**
 * Whether a voucher applies and what it takes off: `assess` alone decides, for validation, the
 * available list and redemption alike; redemption (redemptions.ts) runs it under the voucher
 * row's lock. A code is looked for only among the vouchers that could apply to the order (the
 * shop's and the platform's): another shop's code is answered as no code at all, so codes,
 * unlisted ones above all, cannot be found by trying them on other shops.
 */

export interface VoucherOfferView {
  id: string;
  shopId: string | null;
  code: string;
  type: VoucherType;
  percent: number | null;
  amount: Amount | null;
  maxDiscount: Amount | null;
  minSubtotal: Amount | null;
  currency: string;
  startsAt: string | null;
  endsAt: string | null;
}

export function offerView(row: VoucherRow): VoucherOfferView {
  const money = (amount: number | null) =>
    amount === null ? null : { amount, currency: row.currency };
  return {
    id: row.id,
    shopId: row.shopId,
    code: row.code,
    type: row.type,
    percent: row.percent,
    amount: money(row.amount),
    maxDiscount: money(row.maxDiscount),
    minSubtotal: money(row.minSubtotal),
    currency: row.currency,
    startsAt: row.startsAt?.toISOString() ?? null,
    endsAt: row.endsAt?.toISOString() ?? null,
  };
}

export const REFUSALS = [
  'not-found',
  'inactive',
  'not-started',
  'ended',
  'currency',
  'min-subtotal',
  'used-up',
  'used-up-by-you',
] as const;
export type RefusalReason = (typeof REFUSALS)[number];

export type Assessment =
  | { applicable: true; discount: number }
  | { applicable: false; reason: RefusalReason; message: string };

/** Where a voucher would be used: an order of `subtotal` minor units of `currency`. */
export interface Occasion {
  subtotal: number;
  currency: string;
  now: Date;
  /** The buyer's redemptions of this voucher that were not released. */
  usedByBuyer: number;
}

const refuse = (reason: RefusalReason, message: string): Assessment => ({
  applicable: false,
  reason,
  message,
});

/**
 * Percent of the subtotal rounded down to minor units (in bigint: the product can pass 2^53),
 * capped by `maxDiscount`; a fixed amount; never more than the subtotal.
 */
function discountOf(voucher: VoucherRow, subtotal: number): number {
  const raw =
    voucher.type === 'percent'
      ? Math.min(
          Number((BigInt(subtotal) * BigInt(voucher.percent ?? 0)) / 100n),
          voucher.maxDiscount ?? Number.MAX_SAFE_INTEGER,
        )
      : (voucher.amount ?? 0);
  return Math.min(raw, subtotal);
}

/** The answer to a code no voucher of the order's shop or of the platform has. */
export const unknownCode = (code: string) => `No voucher ${code}.`;

/**
 * Whether `voucher`, the order's shop's or the platform's (as `findVoucher` and the available
 * list find them), applies on `occasion`, and what it takes off; the one place that decides.
 */
export function assess(voucher: VoucherRow, occasion: Occasion): Assessment {
  const { code } = voucher;
  if (!voucher.active) return refuse('inactive', `Voucher ${code} is no longer active.`);
  if (voucher.startsAt && occasion.now < voucher.startsAt) {
    return refuse('not-started', `Voucher ${code} applies from ${voucher.startsAt.toISOString()}.`);
  }
  if (voucher.endsAt && occasion.now >= voucher.endsAt) {
    return refuse('ended', `Voucher ${code} ended at ${voucher.endsAt.toISOString()}.`);
  }
  if (voucher.currency !== occasion.currency) {
    return refuse('currency', `Voucher ${code} applies only to orders in ${voucher.currency}.`);
  }
  if (voucher.minSubtotal !== null && occasion.subtotal < voucher.minSubtotal) {
    return refuse(
      'min-subtotal',
      `Voucher ${code} needs a subtotal of at least ${voucher.minSubtotal} ${voucher.currency} minor units.`,
    );
  }
  if (voucher.usageLimit !== null && voucher.usedCount >= voucher.usageLimit) {
    return refuse('used-up', `Voucher ${code} has been used up.`);
  }
  if (voucher.perUserLimit !== null && occasion.usedByBuyer >= voucher.perUserLimit) {
    return refuse('used-up-by-you', `You have used voucher ${code} as often as it allows.`);
  }
  return { applicable: true, discount: discountOf(voucher, occasion.subtotal) };
}

export const sameCode = (code: string) => eq(sql`lower(${vouchers.code})`, code.toLowerCase());

/**
 * The voucher `code` names for `shopId`'s order: the shop's, else the platform's (locked when
 * asked, as redemption does); null when neither has it, whether or not another shop does.
 */
export async function findVoucher(
  db: Executor,
  code: string,
  shopId: string,
  { lock = false } = {},
): Promise<VoucherRow | null> {
  for (const owner of [eq(vouchers.shopId, shopId), isNull(vouchers.shopId)]) {
    const query = db
      .select()
      .from(vouchers)
      .where(and(owner, sameCode(code)));
    const [row] = await (lock ? query.for('update') : query);
    if (row) return row;
  }
  return null;
}

/** The buyer's unreleased redemptions of each of `voucherIds`. */
export async function usesBy(
  db: Executor,
  userId: string,
  voucherIds: string[],
): Promise<Map<string, number>> {
  if (voucherIds.length === 0) return new Map();
  const rows = await db
    .select({ voucherId: voucherRedemptions.voucherId, n: count() })
    .from(voucherRedemptions)
    .where(
      and(
        eq(voucherRedemptions.userId, userId),
        inArray(voucherRedemptions.voucherId, voucherIds),
        isNull(voucherRedemptions.releasedAt),
      ),
    )
    .groupBy(voucherRedemptions.voucherId);
  return new Map(rows.map((row) => [row.voucherId, row.n]));
}

export interface ValidateInput {
  code: string;
  shopId: string;
  subtotal: Amount;
}

export type Validation =
  | { applicable: true; discount: Amount; voucher: VoucherOfferView }
  | { applicable: false; reason: RefusalReason; message: string };

/** Whether the caller could use `code` on an order of `shopId` now, and what it would take off. */
export async function validateVoucher(ctx: Ctx, input: ValidateInput): Promise<Validation> {
  const { userId } = requireActor(ctx);
  const voucher = await findVoucher(ctx.db, input.code, input.shopId);
  if (!voucher) return { applicable: false, reason: 'not-found', message: unknownCode(input.code) };
  const used = await usesBy(ctx.db, userId, [voucher.id]);
  const assessment = assess(voucher, {
    subtotal: input.subtotal.amount,
    currency: input.subtotal.currency,
    now: new Date(),
    usedByBuyer: used.get(voucher.id) ?? 0,
  });
  if (!assessment.applicable) return assessment;
  return {
    applicable: true,
    discount: { amount: assessment.discount, currency: voucher.currency },
    voucher: offerView(voucher),
  };
}

export interface AvailableInput {
  shopId: string;
  subtotal: number;
  currency: string;
}

export interface AvailableVoucher {
  voucher: VoucherOfferView;
  discount: Amount;
}

/** At most this many vouchers are looked at for the available list: the newest. */
const AVAILABLE_LIMIT = 100;

/**
 * The shop's and the platform's listed vouchers the caller could use now on an order of
 * `subtotal`, the largest discount first; unlisted ones are for those who know their code.
 */
export async function availableVouchers(
  ctx: Ctx,
  input: AvailableInput,
): Promise<{ items: AvailableVoucher[] }> {
  const { userId } = requireActor(ctx);
  const now = new Date();
  const rows = await ctx.db
    .select()
    .from(vouchers)
    .where(
      and(
        eq(vouchers.active, true),
        eq(vouchers.listed, true),
        eq(vouchers.currency, input.currency),
        or(eq(vouchers.shopId, input.shopId), isNull(vouchers.shopId)),
        or(isNull(vouchers.startsAt), lte(vouchers.startsAt, now)),
        or(isNull(vouchers.endsAt), gt(vouchers.endsAt, now)),
        or(isNull(vouchers.usageLimit), lt(vouchers.usedCount, vouchers.usageLimit)),
      ),
    )
    .orderBy(desc(vouchers.createdAt), desc(vouchers.id))
    .limit(AVAILABLE_LIMIT);
  const used = await usesBy(
    ctx.db,
    userId,
    rows.map((row) => row.id),
  );
  const items: AvailableVoucher[] = [];
  for (const row of rows) {
    const assessment = assess(row, {
      subtotal: input.subtotal,
      currency: input.currency,
      now,
      usedByBuyer: used.get(row.id) ?? 0,
    });
    if (assessment.applicable) {
      items.push({
        voucher: offerView(row),
        discount: { amount: assessment.discount, currency: row.currency },
      });
    }
  }
  items.sort((a, b) => b.discount.amount - a.discount.amount);
  return { items };
}

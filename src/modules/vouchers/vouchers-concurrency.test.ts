import { and, eq, isNull } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { createUser } from '../../../test/factories.ts';
import { createTestApp } from '../../../test/harness.ts';
import { DomainError } from '../../platform/core/errors.ts';
import { withTransaction } from '../../platform/db/transaction.ts';
import { createSeller, type Seller } from '../shop/shop.test-support.ts';
import { redeemVoucher, releaseVoucher } from './redemptions.ts';
import { voucherRedemptions, vouchers } from './tables.ts';
import { placedOrder, voucherRow } from './vouchers.test-support.ts';

/**
 * Redemptions racing each other on a real PostgreSQL (PGlite runs one statement at a time, so
 * only a server interleaves them): the voucher row's lock keeps every limit, and a release gives
 * a use back once however many cancellations race.
 */

const t = await createTestApp();
afterAll(() => t.close());

async function voucherOf(seller: Seller, limits: { usageLimit?: number; perUserLimit?: number }) {
  const [row] = await t.database.db
    .insert(vouchers)
    .values({
      shopId: seller.shop.id,
      code: `RACE-${seller.shop.id.slice(-8)}`,
      type: 'percent',
      percent: 10,
      currency: seller.shop.currency,
      createdBy: seller.user.id,
      ...limits,
    })
    .returning();
  if (!row) throw new Error('voucherOf inserted nothing');
  return row;
}

/** Each redemption in a transaction of its own, as concurrent checkouts run them. */
const redeemAlone = (seller: Seller, code: string, userId: string, orderId: string) =>
  withTransaction(t.ctx(), (tx) =>
    redeemVoucher(tx, {
      code,
      shopId: seller.shop.id,
      userId,
      orderId,
      subtotal: 10_000,
      currency: seller.shop.currency,
      now: new Date(),
    }),
  );

/** How many fulfilled; every refusal must be the contract's 409. */
function tally(results: PromiseSettledResult<unknown>[]): number {
  for (const result of results) {
    if (result.status === 'rejected') {
      expect(result.reason).toBeInstanceOf(DomainError);
      expect((result.reason as DomainError).code).toBe('voucher-not-applicable');
    }
  }
  return results.filter((result) => result.status === 'fulfilled').length;
}

async function liveRedemptions(voucherId: string) {
  return t.database.db
    .select()
    .from(voucherRedemptions)
    .where(and(eq(voucherRedemptions.voucherId, voucherId), isNull(voucherRedemptions.releasedAt)));
}

describe.runIf(process.env.TEST_DATABASE_URL)('vouchers under concurrency (PostgreSQL)', () => {
  it('lets exactly 5 of 50 concurrent redemptions through a voucher limited to 5', async () => {
    const seller = await createSeller(t);
    const voucher = await voucherOf(seller, { usageLimit: 5 });
    const buyers = await Promise.all(Array.from({ length: 50 }, () => createUser(t)));
    const orders = await Promise.all(buyers.map((b) => placedOrder(t, b.id, seller.shop)));
    const results = await Promise.allSettled(
      buyers.map((b, i) => redeemAlone(seller, voucher.code, b.id, orders[i] as string)),
    );
    expect(tally(results)).toBe(5);
    expect((await voucherRow(t, voucher.id)).usedCount).toBe(5);
    expect(await liveRedemptions(voucher.id)).toHaveLength(5);
  });

  it('lets one buyer’s 10 concurrent redemptions use a once-per-buyer voucher once', async () => {
    const seller = await createSeller(t);
    const voucher = await voucherOf(seller, { perUserLimit: 1 });
    const buyer = await createUser(t);
    const orders = await Promise.all(
      Array.from({ length: 10 }, () => placedOrder(t, buyer.id, seller.shop)),
    );
    const results = await Promise.allSettled(
      orders.map((orderId) => redeemAlone(seller, voucher.code, buyer.id, orderId)),
    );
    expect(tally(results)).toBe(1);
    expect((await voucherRow(t, voucher.id)).usedCount).toBe(1);
    expect(await liveRedemptions(voucher.id)).toHaveLength(1);
  });

  it('gives a use back once when two releases of the order race', async () => {
    const seller = await createSeller(t);
    const voucher = await voucherOf(seller, { usageLimit: 10 });
    const [first, second] = [await createUser(t), await createUser(t)];
    const kept = await placedOrder(t, first.id, seller.shop);
    const cancelled = await placedOrder(t, second.id, seller.shop);
    await redeemAlone(seller, voucher.code, first.id, kept);
    await redeemAlone(seller, voucher.code, second.id, cancelled);
    expect((await voucherRow(t, voucher.id)).usedCount).toBe(2);
    await Promise.all(
      [1, 2, 3].map(() => withTransaction(t.ctx(), (tx) => releaseVoucher(tx, cancelled))),
    );
    expect((await voucherRow(t, voucher.id)).usedCount).toBe(1);
    expect((await liveRedemptions(voucher.id)).map((r) => r.orderId)).toEqual([kept]);
  });
});

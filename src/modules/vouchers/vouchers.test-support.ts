import { eq } from 'drizzle-orm';
import type { TestApp } from '../../../test/harness.ts';
import { insertOrder } from '../orders/lifecycle.test-support.ts';
import type { ShopRow } from '../shop/tables.ts';
import { type VoucherRow, vouchers } from './tables.ts';

/**
 * Rows the voucher tests stand on, straight in the database: the orders a redemption points at
 * (checkout builds real ones; these only need to exist) and a voucher's stored state.
 */

/** A placed order of `buyerId` at `shop`, without lines, with one checkout of its own. */
export async function placedOrder(t: TestApp, buyerId: string, shop: ShopRow): Promise<string> {
  return (await insertOrder(t, buyerId, shop, { lines: [] })).id;
}

export async function voucherRow(t: TestApp, id: string): Promise<VoucherRow> {
  const [row] = await t.database.db.select().from(vouchers).where(eq(vouchers.id, id));
  if (!row) throw new Error(`no voucher ${id}`);
  return row;
}

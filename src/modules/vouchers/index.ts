import type { Module } from '../../platform/module.ts';
import { voucherPermissions } from './permissions.ts';
import { type Redeemed, redeemVoucher, releaseVoucher } from './redemptions.ts';
import { voucherRoutes } from './routes/vouchers.ts';

export { type Redeemed, redeemVoucher, releaseVoucher };

/**
 * Discount codes: a shop's for its own orders, the platform's for any. Checkout redeems them
 * and a cancellation gives the use back, through `redeemVoucher` and `releaseVoucher`.
 */
export const vouchersModule: Module = {
  name: 'vouchers',
  routes: voucherRoutes,
  permissions: voucherPermissions,
};

/** The kinds of vouchers. Columns hold text: adding a value is a code change, never a migration. */

export const VOUCHER_TYPES = ['percent', 'fixed'] as const;
export type VoucherType = (typeof VOUCHER_TYPES)[number];

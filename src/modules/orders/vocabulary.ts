/**
 * The states and kinds of the shop marketplace's orders, vouchers and reviews. Columns hold
 * text: adding a value is a code change, never a migration.
 */

export const ORDER_STATUSES = [
  'pending_payment',
  'placed',
  'confirmed',
  'shipped',
  'delivered',
  'completed',
  'cancelled',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/** `cod` (cash on delivery) now; online methods come with payments. */
export const PAYMENT_METHODS = ['cod'] as const;
export type PaymentMethod = (typeof PAYMENT_METHODS)[number];

export const VOUCHER_TYPES = ['percent', 'fixed'] as const;
export type VoucherType = (typeof VOUCHER_TYPES)[number];

export const REVIEW_STATUSES = ['visible', 'hidden'] as const;
export type ReviewStatus = (typeof REVIEW_STATUSES)[number];

export const REVIEW_REPORT_REASONS = ['spam', 'offensive', 'fake', 'off_topic', 'other'] as const;

/** A review may carry this many photos. */
export const MAX_REVIEW_PHOTOS = 5;
/** Its author may edit it this long after writing it. */
export const REVIEW_EDIT_DAYS = 30;
/** Stock at or below this shows as `low` in the cart. */
export const LOW_STOCK = 5;

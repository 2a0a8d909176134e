/**
 * The states and kinds of the shop marketplace's orders. Columns hold text: adding a value is
 * a code change, never a migration.
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

/** The statuses of an order whose buyer has the goods. */
export const RECEIVED: readonly OrderStatus[] = ['delivered', 'completed'];

/** `cod` (cash on delivery) now; online methods come with payments. */
export const PAYMENT_METHODS = ['cod'] as const;
export type PaymentMethod = (typeof PAYMENT_METHODS)[number];

/** Stock at or below this shows as `low` in the cart. */
export const LOW_STOCK = 5;

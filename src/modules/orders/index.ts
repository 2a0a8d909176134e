import type { Module } from '../../platform/module.ts';
import { orderPermissions } from './permissions.ts';
import { routes } from './routes/index.ts';

export {
  claimRelease,
  lockExpiredUnpaid,
  lockOrderFor,
  lockUnconfirmed,
  type Mover,
  moveOrder,
  type OrderActorRole,
  type OrderMove,
  orderLines,
} from './lifecycle.ts';
export { orderItemOf } from './order-lists.ts';
export {
  announceOrder,
  applyDiscount,
  createOrder,
  lockCartLines,
  openCheckout,
  openCodQuantities,
  removeFromCart,
} from './placing.ts';
export { Order, OrderParams, orderResponse } from './schemas.ts';
export type { AddressSnapshot, OrderRow } from './tables.ts';
export { type OrderView, orderView, orderViews } from './views.ts';
export {
  ORDER_STATUSES,
  type OrderStatus,
  PAYMENT_METHODS,
  type PaymentMethod,
  RECEIVED,
} from './vocabulary.ts';

/**
 * Buying in the shop marketplace: the cart, the orders a checkout splits into, and their
 * states. Checkout and the moves that reach other modules are workflows (src/workflows/).
 */
export const ordersModule: Module = {
  name: 'orders',
  routes,
  permissions: orderPermissions,
};

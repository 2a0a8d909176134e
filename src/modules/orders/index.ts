import { createRouter } from '../../platform/http/router.ts';
import type { Module } from '../../platform/module.ts';
import { registerReviewJobs } from './review-photos.ts';
import { cartRoutes } from './routes/cart.ts';
import { checkoutRoutes } from './routes/checkout.ts';
import { orderRoutes } from './routes/orders.ts';
import { reviewRoutes } from './routes/reviews.ts';
import { voucherRoutes } from './routes/vouchers.ts';
import { orderSchedules } from './schedules.ts';

const routes = createRouter();
for (const part of [cartRoutes, checkoutRoutes, orderRoutes, voucherRoutes, reviewRoutes]) {
  routes.route('/', part);
}

/**
 * Buying in the shop marketplace: the cart, checkout split per shop without overselling,
 * orders and their states, vouchers, verified-purchase reviews.
 */
export const ordersModule: Module = {
  name: 'orders',
  routes,
  schedules: orderSchedules,
  registerJobs: registerReviewJobs,
};

import type { Module } from '../platform/module.ts';
import { orderMoveSchedules } from './order-moves.ts';
import { routes } from './routes/index.ts';

/**
 * The flows that span modules, mounted as the app's last part: they call modules through their
 * `index.ts`, and no module calls them. Checkout and the order moves that reach other modules.
 */
export const workflows: Module = {
  name: 'workflows',
  routes,
  schedules: orderMoveSchedules,
};

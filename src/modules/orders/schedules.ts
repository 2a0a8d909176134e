import type { Schedule } from '../../platform/module.ts';
import { expireUnpaidOrders } from './lifecycle.ts';

const EVERY_MINUTE = '0 * * * * *';

/** The orders module's timed work: unpaid orders give their held stock back. */
export const orderSchedules: readonly Schedule[] = [
  { name: 'orders.expire-unpaid', cron: EVERY_MINUTE, run: expireUnpaidOrders },
];

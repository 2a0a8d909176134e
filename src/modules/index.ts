import type { Module } from '../platform/module.ts';
import { workflows } from '../workflows/index.ts';
import { identityModule } from './identity/index.ts';
import { ledgerModule } from './ledger/index.ts';
import { listingsModule } from './listings/index.ts';
import { ordersModule } from './orders/index.ts';
import { professionalsModule } from './professionals/index.ts';
import { reviewsModule } from './reviews/index.ts';
import { shopModule } from './shop/index.ts';
import { vouchersModule } from './vouchers/index.ts';

/**
 * Every module the app mounts, in seeding order, then the workflows that span them. Adding a
 * module is one folder under src/modules/ and one line here (see the README's "How to add a
 * module").
 */
export const modules: readonly Module[] = [
  identityModule,
  listingsModule,
  professionalsModule,
  shopModule,
  vouchersModule,
  ordersModule,
  reviewsModule,
  ledgerModule,
  workflows,
];

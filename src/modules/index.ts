import type { Module } from '../platform/module.ts';
import { identityModule } from './identity/index.ts';
import { listingsModule } from './listings/index.ts';
import { ordersModule } from './orders/index.ts';
import { professionalsModule } from './professionals/index.ts';
import { shopModule } from './shop/index.ts';

/**
 * Every module the app mounts, in seeding order. Adding a module is one folder under
 * src/modules/ and one line here (see the README's "How to add a module").
 */
export const modules: readonly Module[] = [
  identityModule,
  listingsModule,
  professionalsModule,
  shopModule,
  ordersModule,
];

/**
 * Every table the app knows, for Drizzle's relational queries and for drizzle-kit.
 * A new module adds one line here: `export * from '../../modules/<name>/tables.ts';`
 */

export * from '../../modules/identity/tables.ts';
export * from '../../modules/listings/tables.ts';
export * from '../../modules/orders/tables.ts';
export * from '../../modules/professionals/tables.ts';
export * from '../../modules/shop/tables.ts';
export * from '../audit/tables.ts';
export * from '../events/tables.ts';
export * from '../messaging/tables.ts';
export * from './tables.ts';

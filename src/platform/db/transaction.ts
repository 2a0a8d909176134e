import { PgTransaction } from 'drizzle-orm/pg-core';
import type { Executor, Tx } from './client.ts';

/**
 * Runs `fn` in a transaction. When `ctx.db` is already a transaction, `fn` joins it, so
 * services compose and a whole flow commits or rolls back together.
 */
export async function withTransaction<C extends { db: Executor }, T>(
  ctx: C,
  fn: (ctx: C & { db: Tx }) => Promise<T>,
): Promise<T> {
  if (ctx.db instanceof PgTransaction) return fn(ctx as C & { db: Tx });
  return ctx.db.transaction((tx) => fn({ ...ctx, db: tx }));
}

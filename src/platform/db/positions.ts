import { type SQL, sql } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import type { Executor } from './client.ts';

/**
 * Rows kept in a contiguous order from 0 within a scope (a listing's photos, a product's
 * images): the shifts that keep it contiguous when one moves or goes.
 */
export interface Ordering {
  table: PgTable;
  position: PgColumn;
  /** The rows that share the order, e.g. `eq(images.productId, id)`. */
  scope: SQL;
}

/**
 * Makes room for the row at `from` to move to `to`: the rows between shift one step towards
 * `from`. The caller then sets the moved row's position.
 */
export async function shiftForMove(
  db: Executor,
  { table, position, scope }: Ordering,
  from: number,
  to: number,
): Promise<void> {
  if (from === to) return;
  const column = sql.identifier(position.name);
  const [step, low, high] = to < from ? [1, to, from - 1] : [-1, from + 1, to];
  await db.execute(
    sql`update ${table} set ${column} = ${column} + ${step} where ${scope} and ${position} between ${low} and ${high}`,
  );
}

/** After the row at `removed` went: the rows after it move up one. */
export async function closeGap(
  db: Executor,
  { table, position, scope }: Ordering,
  removed: number,
): Promise<void> {
  const column = sql.identifier(position.name);
  await db.execute(
    sql`update ${table} set ${column} = ${column} - 1 where ${scope} and ${position} > ${removed}`,
  );
}

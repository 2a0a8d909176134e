import type { ExtractTablesWithRelations, SQLWrapper } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';

/**
 * The database as services query it: SQL builders over the tables each module owns. No
 * relational schema is registered, so the platform names no module's table.
 */
export type Db = PgDatabase<PgQueryResultHKT>;
type NoRelations = Record<string, never>;
export type Tx = PgTransaction<
  PgQueryResultHKT,
  NoRelations,
  ExtractTablesWithRelations<NoRelations>
>;
/** What services query through: the database, or the transaction they were handed. */
export type Executor = Db | Tx;

/** An open database, whichever backend serves it. */
export interface Database {
  readonly db: Db;
  readonly kind: 'pglite' | 'postgres';
  /** Applies the SQL migrations found in `folder` that have not run yet. */
  migrate(folder: string): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** undefined: PGlite stored under dataDir; 'memory://': PGlite in memory; else a server URL. */
  url: string | undefined;
  dataDir: string;
  poolSize: number;
}

/** Opens the backend the configuration names; each driver is loaded only when used. */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.url === undefined || options.url === 'memory://') {
    const { openPglite } = await import('./pglite.ts');
    return openPglite(options.url === undefined ? { dataDir: `${options.dataDir}/pglite` } : {});
  }
  const { openPostgres } = await import('./postgres.ts');
  return openPostgres(options.url, options.poolSize);
}

/**
 * The rows of a raw `db.execute(sql)`: postgres.js returns them as an array, PGlite inside a
 * result object. Services use this so raw SQL behaves the same on both backends.
 */
export async function selectRows<T extends Record<string, unknown>>(
  db: Executor,
  query: SQLWrapper,
): Promise<T[]> {
  const result = (await db.execute(query)) as unknown as T[] | { rows: T[] };
  return Array.isArray(result) ? result : result.rows;
}

/**
 * Whether `error` (or an error it wraps, as Drizzle wraps the driver's) is a unique violation:
 * the loser of a race for a unique key, to be answered with a 409 rather than a 500.
 */
export function isUniqueViolation(error: unknown): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    if ((e as { code?: unknown }).code === '23505') return true;
  }
  return false;
}

import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/postgres-js';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import type { Database, Db } from './client.ts';

export async function openPostgres(url: string, poolSize: number): Promise<Database> {
  const client = postgres(url, {
    max: poolSize,
    onnotice: () => {},
    connection: {
      application_name: 'mercato',
      TimeZone: 'UTC',
      // A prepared statement's generic plan made a full-text query ordered by date take
      // seconds instead of a millisecond (TOOLCHAIN.md); plan each execution instead.
      plan_cache_mode: 'force_custom_plan',
    },
  });
  const db = drizzle({ client });
  return {
    db: db as unknown as Db,
    kind: 'postgres',
    migrate: (folder) => migrate(db, { migrationsFolder: folder }),
    ping: async () => {
      await db.execute(sql`select 1`);
    },
    close: () => client.end({ timeout: 5 }),
  };
}

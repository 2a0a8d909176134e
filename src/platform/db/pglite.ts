import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { cube } from '@electric-sql/pglite/contrib/cube';
import { earthdistance } from '@electric-sql/pglite/contrib/earthdistance';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/pglite';
import { migrate } from 'drizzle-orm/pglite/migrator';
import type { Database, Db } from './client.ts';

/** The contrib extensions the migrations enable; the server has them as packages. */
const pgliteExtensions = { pg_trgm, cube, earthdistance };

export interface PgliteOptions {
  /** A directory to keep the data in; in memory when absent. */
  dataDir?: string;
  /** A tarball from `dumpDataDir()` to start from (the test harness clones a migrated one). */
  loadDataDir?: Blob;
}

/**
 * PGlite is one process's database: two processes opening the same directory corrupt it.
 * PGlite's own postmaster.pid holds no real pid, so we keep ours beside the directory; the
 * backup and restore scripts read it too.
 */
export function pgliteLockPath(dataDir: string): string {
  return `${dataDir}.pid`;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function acquireLock(dataDir: string): () => void {
  const lockPath = pgliteLockPath(dataDir);
  mkdirSync(dirname(lockPath), { recursive: true });
  let holder = Number.NaN;
  try {
    holder = Number.parseInt(readFileSync(lockPath, 'utf8'), 10);
  } catch {
    // no lock yet
  }
  if (Number.isInteger(holder) && holder !== process.pid && isRunning(holder)) {
    throw new Error(
      `the embedded database in ${dataDir} is in use by process ${holder}; stop that process first`,
    );
  }
  writeFileSync(lockPath, String(process.pid));
  return () => rmSync(lockPath, { force: true });
}

export interface PgliteDatabase extends Database {
  readonly kind: 'pglite';
  readonly client: PGlite;
}

export async function openPglite(options: PgliteOptions = {}): Promise<PgliteDatabase> {
  const release = options.dataDir ? acquireLock(options.dataDir) : () => {};
  try {
    const client = await PGlite.create({
      ...(options.dataDir ? { dataDir: options.dataDir } : {}),
      ...(options.loadDataDir ? { loadDataDir: options.loadDataDir } : {}),
      extensions: pgliteExtensions,
    });
    const db = drizzle({ client });
    return {
      db: db as unknown as Db,
      kind: 'pglite',
      client,
      migrate: (folder) => migrate(db, { migrationsFolder: folder }),
      ping: async () => {
        await db.execute(sql`select 1`);
      },
      close: async () => {
        await client.close();
        release();
      },
    };
  } catch (error) {
    release();
    throw error;
  }
}

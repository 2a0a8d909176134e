import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { selectRows } from '../src/platform/db/client.ts';
import { openPglite } from '../src/platform/db/pglite.ts';
import { openPostgres } from '../src/platform/db/postgres.ts';
import { databaseUrlFor } from './databases.ts';
import { run, runNode, tempDir } from './processes.ts';

const backup = (args: string[], env: Record<string, string>) => run('scripts/backup', args, env);
const restore = (args: string[], env: Record<string, string>) => run('scripts/restore', args, env);

async function markers(dataDir: string): Promise<string[]> {
  const database = await openPglite({ dataDir: join(dataDir, 'pglite') });
  try {
    const rows = await selectRows<{ key: string }>(
      database.db,
      sql`select key from platform_meta order by key`,
    );
    return rows.map((r) => r.key);
  } finally {
    await database.close();
  }
}

async function writeMarker(dataDir: string, key: string): Promise<void> {
  const database = await openPglite({ dataDir: join(dataDir, 'pglite') });
  await database.db.execute(sql`insert into platform_meta (key, value) values (${key}, '1')`);
  await database.close();
}

// Real processes, each opening a database: seconds apiece, more on a busy CI machine.
describe('scripts/backup and scripts/restore', { timeout: 90_000 }, () => {
  it('print usage with --help, and refuse misuse with exit code 2', async () => {
    const help = await backup(['--help'], {});
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: scripts/backup');
    expect((await restore(['--help'], {})).stdout).toContain('Usage: scripts/restore FILE');

    const unknown = await backup(['--frobnicate'], {});
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("Unknown option '--frobnicate'");
    const noFile = await restore([], {});
    expect(noFile.code).toBe(2);
    expect(noFile.stderr).toContain('expected exactly one backup file');
    const memory = await backup([], { DATABASE_URL: 'memory://' });
    expect(memory.code).toBe(2);
    expect(memory.stderr).toContain('in-memory database');
  });

  it('back up and restore the embedded database', async () => {
    const dataDir = await tempDir();
    const env = { DATA_DIR: dataDir, LOG_LEVEL: 'warn' };
    expect((await runNode('scripts/migrate.ts', [], env)).code).toBe(0);
    await writeMarker(dataDir, 'before-backup');

    const file = join(dataDir, 'backup.tar.gz');
    const made = await backup(['--output', file], env);
    expect(made.code, made.stderr).toBe(0);
    expect(made.stderr).toMatch(
      /backing up the embedded database in .*\n.*done: .*backup\.tar\.gz \(\d/,
    );

    await writeMarker(dataDir, 'after-backup');
    const refused = await restore([file], env);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('pass --force to replace it');

    const restored = await restore([file, '--force'], env);
    expect(restored.code, restored.stderr).toBe(0);
    expect(await markers(dataDir)).toEqual(['before-backup']);
    // The replaced data directory is kept, not deleted.
    expect(readdirSync(dataDir).some((name) => name.startsWith('pglite.before-restore-'))).toBe(
      true,
    );
  });

  it('refuse an embedded database that a running process holds', async () => {
    const dataDir = await tempDir();
    const env = { DATA_DIR: dataDir };
    expect((await runNode('scripts/migrate.ts', [], { ...env, LOG_LEVEL: 'warn' })).code).toBe(0);
    const file = join(dataDir, 'b.tar.gz');
    expect((await backup(['-o', file], env)).code).toBe(0);
    // This test process plays the running server: it holds the lock.
    writeFileSync(join(dataDir, 'pglite.pid'), String(process.pid));

    const busyBackup = await backup(['-o', join(dataDir, 'c.tar.gz')], env);
    expect(busyBackup.code).toBe(2);
    expect(busyBackup.stderr).toContain(`is in use by process ${process.pid}`);
    expect(busyBackup.stderr).toContain('need the server stopped');
    const busyRestore = await restore([file, '--force'], env);
    expect(busyRestore.code).toBe(2);
    expect(busyRestore.stderr).toContain('restoring needs the server stopped');
    expect(existsSync(join(dataDir, 'pglite'))).toBe(true);
  });

  it('refuse a backup of the other kind of database', async () => {
    const dataDir = await tempDir();
    const file = join(dataDir, 'x.dump');
    writeFileSync(file, 'not really');
    const result = await restore([file, '--force'], { DATA_DIR: dataDir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      'is a backup of a PostgreSQL database, but the configured one is the embedded',
    );
  });

  it.runIf(process.env.TEST_DATABASE_URL)('back up and restore a PostgreSQL database', async () => {
    const adminUrl = process.env.TEST_DATABASE_URL as string;
    const name = `mercato_backup_${Date.now().toString(36)}`;
    const url = databaseUrlFor(adminUrl, name);
    const admin = await openPostgres(adminUrl, 1);
    await admin.db.execute(sql.raw(`CREATE DATABASE "${name}"`));
    try {
      const env = { NODE_ENV: 'development', DATABASE_URL: url, LOG_LEVEL: 'warn' };
      expect((await runNode('scripts/migrate.ts', [], env)).code).toBe(0);
      const database = await openPostgres(url, 1);
      await database.db.execute(sql`insert into platform_meta (key, value) values ('kept', '1')`);
      const file = join(await tempDir(), 'server.dump');
      const made = await backup(['-o', file], env);
      expect(made.code, made.stderr).toBe(0);
      await database.db.execute(sql`insert into platform_meta (key, value) values ('lost', '1')`);
      expect((await restore([file], env)).stderr).toContain('pass --force');
      const restored = await restore([file, '--force'], env);
      expect(restored.code, restored.stderr).toBe(0);
      const rows = await selectRows<{ key: string }>(
        database.db,
        sql`select key from platform_meta order by key`,
      );
      expect(rows.map((r) => r.key)).toEqual(['kept']);
      await database.close();
    } finally {
      await admin.db.execute(sql.raw(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
      await admin.close();
    }
  });
});

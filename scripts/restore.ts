import { existsSync, readFileSync, renameSync } from 'node:fs';
import { openPglite, pgliteLockPath } from '../src/platform/db/pglite.ts';
import {
  describeTarget,
  kindOfFile,
  progress,
  runCli,
  runTool,
  targetOf,
  UsageError,
} from './backup-support.ts';

const USAGE = `Usage: scripts/restore FILE [--force]

Restores a backup made by scripts/backup into the configured database (DATABASE_URL, or the
embedded one under DATA_DIR).
  FILE.tar.gz  into the embedded database; the server must be stopped. An existing data
               directory is kept beside it, renamed <dir>.before-restore-<date>.
  FILE.dump    into the PostgreSQL database with pg_restore --clean (objects in the backup
               are dropped and recreated).

Options:
  -f, --force  replace an existing database (required when there is one)
  -h, --help   show this help`;

await runCli(USAGE, { force: { type: 'boolean', short: 'f' } }, async (args, config) => {
  const [file, extra] = args.positionals;
  if (!file || extra) throw new UsageError(`expected exactly one backup file\n\n${USAGE}`);
  if (!existsSync(file)) throw new UsageError(`${file}: no such file`);
  const target = targetOf(config);
  const kind = kindOfFile(file);
  if (kind !== target.kind) {
    throw new UsageError(
      kind
        ? `${file} is a backup of ${kind === 'pglite' ? 'an embedded' : 'a PostgreSQL'} database, but the configured one is ${describeTarget(target)}`
        : `${file}: not a backup (expected .tar.gz for the embedded database or .dump for PostgreSQL)`,
    );
  }
  const force = Boolean(args.values.force);
  const started = Date.now();

  if (target.kind === 'pglite') {
    if (existsSync(target.dataDir)) {
      if (!force)
        throw new UsageError(`${describeTarget(target)} exists; pass --force to replace it`);
      // Take the lock before moving anything, so a running server is never pulled from under.
      const current = await openPglite({ dataDir: target.dataDir }).catch((error: Error) => {
        throw new UsageError(`${error.message}; restoring needs the server stopped`);
      });
      await current.close();
      const aside = `${target.dataDir}.before-restore-${new Date().toISOString().replaceAll(/[:.]/g, '-')}`;
      renameSync(target.dataDir, aside);
      progress(`kept the current data directory as ${aside}`);
    }
    progress(`restoring ${file} into ${describeTarget(target)} ...`);
    const database = await openPglite({
      dataDir: target.dataDir,
      loadDataDir: new Blob([readFileSync(file)]),
    });
    await database.close();
    if (existsSync(pgliteLockPath(target.dataDir)))
      throw new Error('the database did not close cleanly');
  } else {
    if (!force)
      throw new UsageError(
        `restoring replaces objects in ${describeTarget(target)}; pass --force to go ahead`,
      );
    progress(`restoring ${file} into ${describeTarget(target)} ...`);
    await runTool('pg_restore', [
      '--clean',
      '--if-exists',
      '--no-owner',
      '--no-privileges',
      '--single-transaction',
      `--dbname=${target.url}`,
      file,
    ]);
  }
  progress(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
});

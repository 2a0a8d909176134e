import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { openPglite } from '../src/platform/db/pglite.ts';
import {
  describeTarget,
  humanSize,
  kindOfFile,
  progress,
  runCli,
  runTool,
  targetOf,
  UsageError,
} from './backup-support.ts';

const USAGE = `Usage: scripts/backup [--output FILE]

Backs up the configured database (DATABASE_URL, or the embedded one under DATA_DIR).
  embedded (PGlite): a consistent copy of the data directory, FILE ending in .tar.gz;
                     the server must be stopped first.
  PostgreSQL:        pg_dump's custom format, FILE ending in .dump; safe while running.

Options:
  -o, --output FILE  where to write (default: backups/mercato-<date>.tar.gz or .dump)
  -h, --help         show this help`;

await runCli(USAGE, { output: { type: 'string', short: 'o' } }, async (args, config) => {
  if (args.positionals.length > 0)
    throw new UsageError(`unexpected argument: ${args.positionals[0]}\n\n${USAGE}`);
  const target = targetOf(config);
  const stamp = new Date().toISOString().replaceAll(/[:.]/g, '-');
  const output =
    (args.values.output as string | undefined) ??
    `backups/mercato-${stamp}.${target.kind === 'pglite' ? 'tar.gz' : 'dump'}`;
  if (kindOfFile(output) !== target.kind) {
    throw new UsageError(
      `${output}: a backup of ${describeTarget(target)} must end in ${target.kind === 'pglite' ? '.tar.gz' : '.dump'}`,
    );
  }
  mkdirSync(dirname(output), { recursive: true });
  const started = Date.now();
  progress(`backing up ${describeTarget(target)} to ${output} ...`);

  if (target.kind === 'pglite') {
    let database: Awaited<ReturnType<typeof openPglite>>;
    try {
      statSync(target.dataDir);
      // Opening takes the database's lock, so a running server makes this fail, not a torn copy.
      database = await openPglite({ dataDir: target.dataDir });
    } catch (error) {
      throw new UsageError(
        (error as NodeJS.ErrnoException).code === 'ENOENT'
          ? `there is no embedded database in ${target.dataDir} (is DATA_DIR right?)`
          : `${(error as Error).message}; backups of the embedded database need the server stopped`,
      );
    }
    try {
      const tarball = await database.client.dumpDataDir('gzip');
      writeFileSync(output, Buffer.from(await tarball.arrayBuffer()));
    } finally {
      await database.close();
    }
  } else {
    await runTool('pg_dump', [
      '--format=custom',
      '--no-owner',
      '--no-privileges',
      `--file=${output}`,
      target.url,
    ]);
  }
  progress(
    `done: ${output} (${humanSize(statSync(output).size)} in ${((Date.now() - started) / 1000).toFixed(1)} s)`,
  );
});

import { spawn } from 'node:child_process';
import { type ParseArgsOptionsConfig, parseArgs } from 'node:util';
import type { Config } from '../src/config.ts';
import { loadConfigOrExit } from '../src/runtimes/bootstrap.ts';

/** What scripts/backup and scripts/restore share: arguments, messages, the target database. */

export class UsageError extends Error {}

export type Target = { kind: 'pglite'; dataDir: string } | { kind: 'postgres'; url: string };

export function targetOf(config: Config): Target {
  if (config.databaseUrl === 'memory://') {
    throw new UsageError(
      'DATABASE_URL=memory:// is an in-memory database: there is nothing to back up or restore',
    );
  }
  return config.databaseUrl
    ? { kind: 'postgres', url: config.databaseUrl }
    : { kind: 'pglite', dataDir: `${config.dataDir}/pglite` };
}

export function describeTarget(target: Target): string {
  if (target.kind === 'pglite') return `the embedded database in ${target.dataDir}`;
  const url = new URL(target.url);
  return `PostgreSQL database ${url.pathname.slice(1) || '(default)'} on ${url.host}`;
}

/** Backups of the embedded database are PGlite data-dir tarballs; of a server, pg_dump archives. */
export function kindOfFile(file: string): Target['kind'] | undefined {
  if (/\.(tar\.gz|tgz)$/.test(file)) return 'pglite';
  if (/\.dump$/.test(file)) return 'postgres';
  return undefined;
}

export function progress(message: string): void {
  process.stderr.write(`${message}\n`);
}

export function humanSize(bytes: number): string {
  return bytes < 1024 * 1024
    ? `${(bytes / 1024).toFixed(1)} KiB`
    : `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** Runs a PostgreSQL client tool, with a clear error when it is not installed. */
export function runTool(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'ENOENT'
          ? new UsageError(
              `${command} is not installed; install the PostgreSQL client tools (Debian: postgresql-client)`,
            )
          : error,
      ),
    );
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`${command} exited with code ${code}`)),
    );
  });
}

/** Parses the arguments and runs `main`, turning misuse into a message and exit code 2. */
export async function runCli(
  usage: string,
  options: ParseArgsOptionsConfig,
  main: (args: ReturnType<typeof parseArgs>, config: Config) => Promise<void>,
): Promise<void> {
  let args: ReturnType<typeof parseArgs>;
  try {
    args = parseArgs({
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
    });
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${usage}`);
    process.exit(2);
  }
  if (args.values.help) {
    process.stdout.write(`${usage}\n`);
    return;
  }
  try {
    await main(args, loadConfigOrExit());
  } catch (error) {
    console.error(`error: ${(error as Error).message}`);
    process.exit(error instanceof UsageError ? 2 : 1);
  }
}

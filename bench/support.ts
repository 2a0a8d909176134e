import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import postgres from 'postgres';

/** What the load benchmarks share: settings from the environment, scratch databases, processes. */

export function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  const value = raw === undefined || raw === '' ? fallback : Number(raw.replaceAll('_', ''));
  if (!Number.isInteger(value) || value < 0) {
    console.error(`${name} must be a whole number, not ${raw}`);
    process.exit(2);
  }
  return value;
}

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  return port;
}

/** A scratch database on the server, migrated, dropped by `drop()`. */
export async function scratchDatabase(serverUrl: string) {
  const name = `mercato_bench_${Date.now()}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database "${name}"`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      await admin.unsafe(`drop database if exists "${name}" with (force)`);
      await admin.end();
    },
  };
}

export interface Started {
  child: ChildProcess;
  url: string;
  stop(): Promise<void>;
}

/** Runs `args` with node and waits until `readyPath` answers 200; its output goes to `logFile`. */
export async function startProcess(
  args: string[],
  env: Record<string, string>,
  readyPath: string,
  logFile: string,
  cwd: string,
): Promise<Started> {
  const port = await freePort();
  const out = openSync(logFile, 'w');
  const child = spawn(process.execPath, args, {
    cwd,
    env: { PATH: process.env.PATH, ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', out, out],
  });
  closeSync(out);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(
        `${args.join(' ')} exited with ${child.exitCode}:\n${readFileSync(logFile, 'utf8').slice(-2_000)}`,
      );
    }
    const res = await fetch(`${url}${readyPath}`).catch(() => undefined);
    if (res?.ok) break;
    if (Date.now() > deadline) throw new Error(`${args.join(' ')} did not answer within 60 s`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    child,
    url,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/**
 * The real server (src/runtimes/node.ts, a process of its own as deployed) on `dataDir` or the
 * server database `databaseUrl`, already migrated and loaded; logging at BENCH_LOG_LEVEL (info,
 * as in production), without the global rate limit getting in the way.
 */
export function startApp(root: string, dataDir: string, databaseUrl: string | undefined) {
  return startProcess(
    [join(root, 'src/runtimes/node.ts')],
    {
      NODE_ENV: 'development',
      DATA_DIR: dataDir,
      ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
      SEED_DEMO: 'false',
      MIGRATE_ON_START: 'false',
      LOG_PRETTY: 'false',
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL || 'info',
      RATE_LIMIT_PER_MINUTE: '1000000',
    },
    '/healthz',
    join(dataDir, 'app.log'),
    dataDir,
  );
}

import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parseEnv } from 'node:util';
import { type Config, ConfigError, parseConfig } from '../config.ts';
import { type Database, openDatabase } from '../platform/db/client.ts';
import type { Ctx } from '../platform/http/context.ts';
import { createLogger, type Logger } from '../platform/logger.ts';
import type { Services } from '../platform/services.ts';

/** What the Node entry points (server, scripts) share: config, logger, database. */

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations', import.meta.url));

/** process.env over the entries of ./.env, when that file exists. */
export function loadConfig(envFile = '.env'): Config {
  const fromFile = existsSync(envFile) ? parseEnv(readFileSync(envFile, 'utf8')) : {};
  return parseConfig({ ...fromFile, ...process.env });
}

/** Parses the config or stops the process with one line per problem. */
export function loadConfigOrExit(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`mercato: ${error.message}`);
    process.exit(78);
  }
}

export function openConfiguredDatabase(config: Config): Promise<Database> {
  return openDatabase({
    url: config.databaseUrl,
    dataDir: config.dataDir,
    poolSize: config.databasePoolSize,
  });
}

export function loggerFor(config: Config): Logger {
  return createLogger({ level: config.logLevel, pretty: config.logPretty });
}

/** A context for work that no request started (start-up, jobs, relayed events, scripts). */
export function systemCtx(
  parts: { config: Config; database: Database; log: Logger; services: Services },
  name: string,
): Ctx {
  const { cache, jobs, pubsub, storage } = parts.services;
  return {
    db: parts.database.db,
    actor: null,
    requestId: name,
    log: parts.log,
    config: parts.config,
    cache,
    jobs,
    pubsub,
    storage,
  };
}

/**
 * The API reference page's script: @scalar/api-reference's browser bundle. That package is a
 * development dependency; the Docker image copies just this file to the same place.
 */
export const DOCS_SCRIPT = fileURLToPath(
  new URL('../../node_modules/@scalar/api-reference/dist/browser/standalone.js', import.meta.url),
);

export function loadDocsScript(): Promise<string> {
  return readFile(DOCS_SCRIPT, 'utf8');
}

/**
 * On SIGTERM or SIGINT, runs `stop` once and exits 0; exits 1 if it has not finished within
 * `timeoutMs` (a connection that hangs must not keep a deployment from rolling).
 */
export function handleShutdown(log: Logger, timeoutMs: number, stop: () => Promise<void>): void {
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down: finishing the work in flight');
    setTimeout(() => {
      log.error({ timeoutMs }, 'shutdown timed out; exiting');
      process.exit(1);
    }, timeoutMs).unref();
    try {
      await stop();
      log.info('stopped');
      process.exit(0);
    } catch (error) {
      log.error({ err: error }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

/** Runs an entry point's main, logging a failure to start and exiting 1. */
export function runMain(log: Logger, main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    log.fatal({ err: error }, 'failed to start');
    process.exitCode = 1;
    setTimeout(() => process.exit(1), 100).unref();
  });
}

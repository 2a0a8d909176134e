import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parseEnv } from 'node:util';
import type { Redis } from 'ioredis';
import { type Config, ConfigError, parseConfig } from '../config.ts';
import type { Ctx } from '../platform/core/context.ts';
import { type Database, openDatabase } from '../platform/db/client.ts';
import type { ErrorTracker } from '../platform/error-tracker.ts';
import { createLogger, type Logger } from '../platform/logger.ts';
import type { Module } from '../platform/module.ts';
import { createRedis } from '../platform/redis.ts';
import { closeServices, createServices, type Services } from '../platform/services.ts';

/** What the Node entry points (server, scripts) share: config, logger, database. */

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations', import.meta.url));

/** process.env over the entries of ./.env, when that file exists. */
function loadConfig(envFile = '.env'): Config {
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

/** One process's parts: what the server, the worker, the scripts and the tests all build. */
export interface Assembled {
  readonly config: Config;
  readonly log: Logger;
  readonly database: Database;
  readonly redis: Redis | undefined;
  readonly services: Services;
  /** A context for work that no request started (start-up, jobs, relayed events, scripts). */
  ctx(name: string): Ctx;
  /** Jobs in flight finish first, then Redis and the database close. */
  close(): Promise<void>;
}

/** Connects Redis when configured and builds the services on an open database. */
export function assemble(parts: {
  config: Config;
  log: Logger;
  database: Database;
  modules: readonly Module[];
  /** Hears of jobs that failed for good. */
  errorTracker?: ErrorTracker;
}): Assembled {
  const { config, log, database, modules, errorTracker } = parts;
  const redis = config.redisUrl
    ? createRedis(config.redisUrl, log, { commandTimeoutMs: config.redisCommandTimeoutMs })
    : undefined;
  const services = createServices({ config, db: database.db, log, redis, modules, errorTracker });
  const { cache, grants, jobs, pubsub, storage } = services;
  return {
    config,
    log,
    database,
    redis,
    services,
    ctx: (name) => ({
      db: database.db,
      actor: null,
      requestId: name,
      log,
      config,
      grants,
      cache,
      jobs,
      pubsub,
      storage,
    }),
    close: async () => {
      await closeServices(services);
      // With Redis down, quit() would fail; there is nothing left to flush, so drop it.
      await redis?.quit().catch(() => redis.disconnect());
      await database.close();
    },
  };
}

/**
 * The API reference page's script: @scalar/api-reference's browser bundle. That package is a
 * development dependency; the Docker image copies just this file to the same place.
 */
const DOCS_SCRIPT = fileURLToPath(
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

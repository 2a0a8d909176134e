import { v7 as uuidv7 } from 'uuid';
import { expect } from 'vitest';
import { type AppDeps, createApp } from '../src/app.ts';
import { type Config, parseConfig } from '../src/config.ts';
import { modules as allModules } from '../src/modules/index.ts';
import type { Ctx } from '../src/platform/core/context.ts';
import type { Database } from '../src/platform/db/client.ts';
import { createErrorTracker } from '../src/platform/error-tracker.ts';
import { createLogger } from '../src/platform/logger.ts';
import type { Module } from '../src/platform/module.ts';
import { redisReady } from '../src/platform/redis.ts';
import type { Services } from '../src/platform/services.ts';
import { assemble, loadDocsScript } from '../src/runtimes/bootstrap.ts';
import { createTestDatabase } from './databases.ts';

export interface TestAppOptions {
  /** Environment variables on top of NODE_ENV=test. */
  env?: Record<string, string>;
  modules?: readonly Module[];
  checks?: AppDeps['checks'];
}

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

/** A test file's app: its own migrated database, real config, captured log lines. */
export interface TestApp {
  app: ReturnType<typeof createApp>;
  database: Database;
  config: Config;
  logs: LogLine[];
  services: Services;
  /** A service context on the test database, as a request would build it. */
  ctx(): Ctx;
  request(path: string, init?: RequestInit): Promise<Response>;
  /** Sends `body` as JSON. */
  json(
    method: string,
    path: string,
    body: unknown,
    headers?: Record<string, string>,
  ): Promise<Response>;
  close(): Promise<void>;
}

export async function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const database = await createTestDatabase();
  // The services suite sets REDIS_URL; the app then uses the real Redis, as in production,
  // under a prefix of its own so parallel test files never share counters or caches.
  const config = parseConfig({
    NODE_ENV: 'test',
    // Tests read codes from the dev outbox, which production refuses to serve.
    DEV_OUTBOX: options.env?.NODE_ENV === 'production' ? 'false' : 'true',
    REDIS_URL: process.env.REDIS_URL,
    REDIS_PREFIX: `mercato:test:${uuidv7()}:`,
    // Accounts made by factories are seconds old, and tests list in bursts at prices of their
    // choosing: the moderation tests turn these rules on.
    MODERATION_NEW_ACCOUNT_HOURS: '0',
    MODERATION_MAX_LISTINGS_PER_HOUR: '100000',
    MODERATION_PRICE_FACTOR: '1000',
    ...options.env,
  });
  const logs: LogLine[] = [];
  const log = createLogger({
    level: 'info',
    pretty: false,
    destination: { write: (line: string) => void logs.push(JSON.parse(line) as LogLine) },
  });
  const modules = options.modules ?? allModules;
  // Reports nothing unless the test sets SENTRY_DSN (to a fake ingest server).
  const errorTracker = await createErrorTracker(config.sentry);
  const parts = assemble({ config, log, database, modules, errorTracker });
  const { redis, services } = parts;
  if (redis) await redisReady(redis, 2000);
  const app = createApp({
    config,
    database,
    log,
    services,
    modules,
    errorTracker,
    ...(redis ? { redis } : {}),
    docsScript: loadDocsScript,
    ...(options.checks ? { checks: options.checks } : {}),
  });
  return {
    app,
    database,
    config,
    logs,
    services,
    ctx: () => parts.ctx('test'),
    request: async (path, init) => app.request(path, init),
    json: async (method, path, body, headers = {}) =>
      app.request(path, {
        method,
        headers: { 'Content-Type': 'application/json', ...headers },
        body: JSON.stringify(body),
      }),
    close: async () => {
      // Jobs stop first, so nothing writes under the prefix while it is cleared.
      await services.jobs.close();
      if (redis?.status === 'ready') {
        for await (const keys of redis.scanStream({
          match: `${config.redisPrefix}*`,
          count: 500,
        })) {
          if ((keys as string[]).length > 0) await redis.unlink(...(keys as string[]));
        }
      }
      await parts.close();
      await errorTracker.close();
    },
  };
}

/** Reads a problem+json response, checking the media type on the way. */
export async function problemOf(res: Response) {
  if (res.headers.get('content-type') !== 'application/problem+json') {
    throw new Error(
      `expected problem+json, got ${res.headers.get('content-type')} (${res.status})`,
    );
  }
  return (await res.json()) as {
    type: string;
    title: string;
    status: number;
    detail: string;
    code: string;
    requestId: string;
    errors?: { path: string; message: string }[];
    [key: string]: unknown;
  };
}

/** Expects `status` (200 by default) and returns the JSON body; a wrong status shows the body. */
export async function ok<T>(res: Response, status = 200): Promise<T> {
  expect(res.status, await res.clone().text()).toBe(status);
  return (await res.json()) as T;
}

/**
 * Expects a problem with `status` and `code`, naming exactly `paths` (in any order) when given,
 * and returns it.
 */
export async function expectProblem(res: Response, status: number, code: string, paths?: string[]) {
  expect(res.status, await res.clone().text()).toBe(status);
  const problem = await problemOf(res);
  expect(problem.code).toBe(code);
  if (paths) expect(problem.errors?.map((e) => e.path).sort()).toEqual([...paths].sort());
  return problem;
}

/** Expects a 400 `validation-failed` naming exactly `paths` (in any order). */
export async function expectInvalid(res: Response, paths: string[]): Promise<void> {
  expect(res.status).toBe(400);
  const problem = await problemOf(res);
  expect(problem.code).toBe('validation-failed');
  expect(problem.errors?.map((e) => e.path).sort()).toEqual([...paths].sort());
}

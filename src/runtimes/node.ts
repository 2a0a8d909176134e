import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import { getConnInfo } from '@hono/node-server/conninfo';
import { createApp } from '../app.ts';
import { modules } from '../modules/index.ts';
import { createErrorTracker } from '../platform/error-tracker.ts';
import { createMetrics } from '../platform/metrics.ts';
import { redisReady } from '../platform/redis.ts';
import { seedDemoData } from '../platform/seed.ts';
import { startWorker } from '../platform/services.ts';
import {
  assemble,
  handleShutdown,
  loadConfigOrExit,
  loadDocsScript,
  loggerFor,
  MIGRATIONS_DIR,
  openConfiguredDatabase,
  runMain,
} from './bootstrap.ts';
import { afterBody, answerProtocolErrors } from './refusals.ts';

/** The HTTP server: `make run`, `npm start`, the Docker image's command. */

const config = loadConfigOrExit();
const log = loggerFor(config);

async function main() {
  const errorTracker = await createErrorTracker(config.sentry);
  const database = await openConfiguredDatabase(config);
  log.info(
    {
      database:
        database.kind === 'pglite'
          ? `embedded (${config.databaseUrl ?? config.dataDir})`
          : 'postgres',
    },
    'database open',
  );
  if (config.migrateOnStart) {
    await database.migrate(MIGRATIONS_DIR);
    log.info('migrations applied');
  }
  const parts = assemble({ config, log, database, modules, errorTracker });
  const { redis, services } = parts;
  if (redis) await redisReady(redis, 2000);
  for (const module of modules) await module.onStart?.(parts.ctx('start'));
  if (config.seedDemo) await seedDemoData(parts.ctx('seed'), modules);
  if (config.jobsInProcess) await startWorker(services, parts.ctx('jobs'));

  const app = createApp({
    config,
    database,
    log,
    services,
    ...(redis ? { redis } : {}),
    remoteAddress: (c) => getConnInfo(c).remote.address,
    metrics: createMetrics({ processMetrics: true }),
    errorTracker,
    docsScript: loadDocsScript,
  });

  const server = serve(
    {
      fetch: (request, env) => afterBody(app.fetch(request, env), env.incoming),
      port: config.port,
      hostname: config.host,
    },
    (info) => {
      const base = config.publicUrl;
      log.info(
        { port: info.port, docs: `${base}/docs`, openapi: `${base}/openapi.json` },
        `Mercato is listening on ${base}: API reference ${base}/docs, OpenAPI ${base}/openapi.json`,
      );
    },
  );
  // serve() makes a plain http.Server when not asked for HTTPS or HTTP/2.
  answerProtocolErrors(server as Server);

  handleShutdown(log, config.shutdownTimeoutMs, async () => {
    // close() stops accepting, drops idle keep-alive sockets and resolves once the requests
    // in flight are answered; then the jobs in flight finish before their connections go.
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await parts.close();
    await errorTracker.close();
  });
}

runMain(log, main);

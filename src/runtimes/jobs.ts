import { modules } from '../modules/index.ts';
import { createErrorTracker } from '../platform/error-tracker.ts';
import { redisReady } from '../platform/redis.ts';
import { startWorker } from '../platform/services.ts';
import {
  assemble,
  handleShutdown,
  loadConfigOrExit,
  loggerFor,
  openConfiguredDatabase,
  runMain,
} from './bootstrap.ts';

/**
 * A worker process: runs jobs and relays events, serves no HTTP. Start any number of them
 * beside API processes started with JOBS_IN_PROCESS=false; they share the BullMQ queue in Redis.
 */

const config = loadConfigOrExit();
const log = loggerFor(config);

async function main() {
  if (!config.redisUrl) {
    log.fatal('a separate jobs worker needs REDIS_URL; without Redis, jobs run inside the API');
    process.exit(78);
  }
  const errorTracker = await createErrorTracker(config.sentry);
  const database = await openConfiguredDatabase(config);
  const parts = assemble({ config, log, database, modules, errorTracker });
  if (parts.redis) await redisReady(parts.redis, 2000);
  await startWorker(parts.services, parts.ctx('jobs'));
  log.info('jobs worker started');
  handleShutdown(log, config.shutdownTimeoutMs, async () => {
    await parts.close();
    await errorTracker.close();
  });
}

runMain(log, main);

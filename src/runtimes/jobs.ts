import { modules } from '../modules/index.ts';
import { createRedis } from '../platform/redis.ts';
import { closeServices, createServices, startWorker } from '../platform/services.ts';
import {
  handleShutdown,
  loadConfigOrExit,
  loggerFor,
  openConfiguredDatabase,
  runMain,
  systemCtx,
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
  const database = await openConfiguredDatabase(config);
  const redis = createRedis(config.redisUrl, log);
  const services = createServices({ config, db: database.db, log, redis, modules });
  await startWorker(services, systemCtx({ config, database, log, services }, 'jobs'));
  log.info('jobs worker started');

  handleShutdown(log, config.shutdownTimeoutMs, async () => {
    await closeServices(services);
    await redis.quit().catch(() => redis.disconnect());
    await database.close();
  });
}

runMain(log, main);

import { modules } from '../src/modules/index.ts';
import { createRedis } from '../src/platform/redis.ts';
import { seedDemoData } from '../src/platform/seed.ts';
import { closeServices, createServices } from '../src/platform/services.ts';
import {
  loadConfigOrExit,
  loggerFor,
  openConfiguredDatabase,
  systemCtx,
} from '../src/runtimes/bootstrap.ts';

/** `make seed`: loads the demo data into a migrated database, unless it was loaded before. */
const config = loadConfigOrExit();
const log = loggerFor(config);
const database = await openConfiguredDatabase(config);
const redis = config.redisUrl ? createRedis(config.redisUrl, log) : undefined;
const services = createServices({ config, db: database.db, log, redis, modules });
try {
  const loaded = await seedDemoData(
    systemCtx({ config, database, log, services }, 'seed'),
    modules,
  );
  if (!loaded) log.info('demo data was loaded before; nothing to do');
} finally {
  await closeServices(services);
  await redis?.quit();
  await database.close();
}

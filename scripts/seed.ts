import { modules } from '../src/modules/index.ts';
import { seedDemoData } from '../src/platform/seed.ts';
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
try {
  const loaded = await seedDemoData(systemCtx(config, database, log, 'seed'), modules);
  if (!loaded) log.info('demo data was loaded before; nothing to do');
} finally {
  await database.close();
}

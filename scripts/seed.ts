import { modules } from '../src/modules/index.ts';
import { seedDemoData } from '../src/platform/seed.ts';
import {
  assemble,
  loadConfigOrExit,
  loggerFor,
  openConfiguredDatabase,
} from '../src/runtimes/bootstrap.ts';

/** `make seed`: loads the demo data into a migrated database, unless it was loaded before. */
const config = loadConfigOrExit();
const log = loggerFor(config);
const parts = assemble({ config, log, database: await openConfiguredDatabase(config), modules });
try {
  const loaded = await seedDemoData(parts.ctx('seed'), modules);
  if (!loaded) log.info('demo data was loaded before; nothing to do');
} finally {
  await parts.close();
}

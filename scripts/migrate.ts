import {
  loadConfigOrExit,
  loggerFor,
  MIGRATIONS_DIR,
  openConfiguredDatabase,
} from '../src/runtimes/bootstrap.ts';

/** `make migrate`: applies pending migrations to the configured database, then exits. */
const config = loadConfigOrExit();
const log = loggerFor(config);
const database = await openConfiguredDatabase(config);
try {
  await database.migrate(MIGRATIONS_DIR);
  log.info({ database: database.kind }, 'migrations applied');
} finally {
  await database.close();
}

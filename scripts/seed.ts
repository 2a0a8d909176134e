import { parseArgs } from 'node:util';
import { modules } from '../src/modules/index.ts';
import { loadListings } from '../src/modules/listings/seed.ts';
import { seedDemoData } from '../src/platform/seed.ts';
import {
  assemble,
  loadConfigOrExit,
  loggerFor,
  openConfiguredDatabase,
} from '../src/runtimes/bootstrap.ts';
import { progress } from './progress.ts';

/**
 * `make seed`: loads the demo data into a migrated database, unless it was loaded before.
 * `make seed ARGS="--listings 100000"`: adds that many generated, published listings instead,
 * every time it runs.
 */

const USAGE = 'usage: node scripts/seed.ts [--listings N]   (N from 1 to 10,000,000)';
const MAX_LISTINGS = 10_000_000;

function listingsWanted(): number | undefined {
  try {
    const { values } = parseArgs({ options: { listings: { type: 'string' } }, strict: true });
    if (values.listings === undefined) return undefined;
    const count = Number(values.listings.replaceAll('_', ''));
    if (Number.isInteger(count) && count >= 1 && count <= MAX_LISTINGS) return count;
  } catch {
    // An unknown option or a missing value: the usage line says what is expected.
  }
  console.error(USAGE);
  process.exit(2);
}

const count = listingsWanted();
const config = loadConfigOrExit();
const log = loggerFor(config);
const parts = assemble({ config, log, database: await openConfiguredDatabase(config), modules });
try {
  if (count === undefined) {
    const loaded = await seedDemoData(parts.ctx('seed'), modules);
    if (!loaded) log.info('demo data was loaded before; nothing to do');
  } else {
    const bar = progress('listings', count);
    await loadListings(parts.ctx('seed'), { count, seed: Date.now(), onProgress: bar.update });
    bar.finish();
    log.info({ listings: count }, 'generated listings loaded');
  }
} finally {
  await parts.close();
}

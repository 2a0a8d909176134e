import { parseArgs } from 'node:util';
import { modules } from '../src/modules/index.ts';
import { loadListings } from '../src/modules/listings/seed.ts';
import { loadProducts } from '../src/modules/shop/seed.ts';
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
 * `make seed ARGS="--listings 100000 --products 100000"`: adds that many generated listings
 * and products on sale instead (either or both), every time it runs.
 */

const USAGE =
  'usage: node scripts/seed.ts [--listings N] [--products N]   (each N from 1 to 10,000,000)';
const MAX_COUNT = 10_000_000;

function countsWanted(): { listings?: number; products?: number } {
  try {
    const { values } = parseArgs({
      options: { listings: { type: 'string' }, products: { type: 'string' } },
      strict: true,
    });
    const counts: { listings?: number; products?: number } = {};
    for (const name of ['listings', 'products'] as const) {
      const raw = values[name];
      if (raw === undefined) continue;
      const count = Number(raw.replaceAll('_', ''));
      if (!Number.isInteger(count) || count < 1 || count > MAX_COUNT) throw new RangeError(name);
      counts[name] = count;
    }
    return counts;
  } catch {
    // An unknown option, a missing value or a count out of range: the usage line says what is
    // expected.
  }
  console.error(USAGE);
  process.exit(2);
}

const counts = countsWanted();
const config = loadConfigOrExit();
const log = loggerFor(config);
const parts = assemble({ config, log, database: await openConfiguredDatabase(config), modules });
try {
  if (counts.listings === undefined && counts.products === undefined) {
    const loaded = await seedDemoData(parts.ctx('seed'), modules);
    if (!loaded) log.info('demo data was loaded before; nothing to do');
  }
  const loaders = [
    { name: 'listings', count: counts.listings, load: loadListings },
    { name: 'products', count: counts.products, load: loadProducts },
  ] as const;
  for (const { name, count, load } of loaders) {
    if (count === undefined) continue;
    const bar = progress(name, count);
    await load(parts.ctx('seed'), { count, seed: Date.now(), onProgress: bar.update });
    bar.finish();
    log.info({ [name]: count }, `generated ${name} loaded`);
  }
} finally {
  await parts.close();
}

import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon, { type Result } from 'autocannon';
import { sql } from 'drizzle-orm';
import { progress } from '../scripts/progress.ts';
import { parseConfig } from '../src/config.ts';
import { modules } from '../src/modules/index.ts';
import { marketOf } from '../src/modules/listings/generate/markets.ts';
import { loadListings } from '../src/modules/listings/seed.ts';
import { priceIn } from '../src/modules/shop/generate.ts';
import { loadProducts } from '../src/modules/shop/seed.ts';
import { minorUnits } from '../src/platform/core/money.ts';
import { openDatabase, selectRows } from '../src/platform/db/client.ts';
import { CITIES } from '../src/platform/demo/cities.ts';
import { createLogger } from '../src/platform/logger.ts';
import { assemble, MIGRATIONS_DIR } from '../src/runtimes/bootstrap.ts';
import { envInt, type Started, scratchDatabase, startApp, startProcess } from './support.ts';

/**
 * The browse endpoints under load, listings and products: the real app (src/runtimes/node.ts,
 * its own process, as deployed) against a bare node:http server answering a fixed JSON, both
 * driven by autocannon from this process in the same run. The ratio says what the framework,
 * validation, logging and the database cost per request on this machine.
 *
 *   make bench-api                                100,000 listings and 100,000 products on PGlite
 *   make bench-listings                           the listings alone (BENCH_PRODUCTS=0)
 *   BENCH_LISTINGS=1000000 BENCH_PRODUCTS=0 make bench-api    a million listings, no products
 *   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres make bench-api
 *     (a scratch database is created on that server and dropped at the end)
 *
 * BENCH_LISTINGS and BENCH_PRODUCTS (rows to load; 0 leaves that part out), BENCH_DURATION
 * (seconds per scenario, 10), BENCH_WARMUP (seconds before each, 2), BENCH_CONNECTIONS (10),
 * BENCH_LOG_LEVEL (the app's, info as in production).
 */

const ROOT = join(import.meta.dirname, '..');

const LISTINGS = envInt('BENCH_LISTINGS', 100_000);
const PRODUCTS = envInt('BENCH_PRODUCTS', 100_000);
const DURATION = envInt('BENCH_DURATION', 10);
const WARMUP = envInt('BENCH_WARMUP', 2);
const CONNECTIONS = envInt('BENCH_CONNECTIONS', 10);
const SERVER_URL = process.env.BENCH_DATABASE_URL || undefined;
const SAMPLE_IDS = 1_000;

interface Sample {
  listings: string[];
  products: string[];
}

/** Migrates, loads the listings and products, and picks ids for the single-row scenarios. */
async function prepare(databaseUrl: string | undefined, dataDir: string): Promise<Sample> {
  const config = parseConfig({
    NODE_ENV: 'development',
    DATABASE_URL: databaseUrl,
    DATA_DIR: dataDir,
  });
  const log = createLogger({ level: 'warn', pretty: false });
  const database = await openDatabase({ url: databaseUrl, dataDir, poolSize: 2 });
  const parts = assemble({ config, log, database, modules });
  try {
    await database.migrate(MIGRATIONS_DIR);
    const loaders = [
      { table: 'listings', count: LISTINGS, load: loadListings },
      { table: 'products', count: PRODUCTS, load: loadProducts },
    ] as const;
    const sample: Sample = { listings: [], products: [] };
    for (const { table, count, load } of loaders) {
      if (count === 0) continue;
      const bar = progress(`loading ${table} into ${database.kind}`, count);
      await load(parts.ctx('bench'), { count, onProgress: bar.update });
      bar.finish();
      const rows = await selectRows<{ id: string }>(
        database.db,
        sql`select id from ${sql.identifier(table)} order by random() limit ${SAMPLE_IDS}`,
      );
      sample[table] = rows.map((r) => r.id);
    }
    return sample;
  } finally {
    await parts.close();
  }
}

/** What a minimal Node server answers: the baseline for the ratio. */
const BARE_SERVER = `
import { createServer } from 'node:http';
const body = JSON.stringify({ id: '01936f0e-7c1a-7000-8000-000000000000', title: 'Bare', price: { amount: 1250000, currency: 'ETB' } });
createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}).listen(Number(process.env.PORT), process.env.HOST);
`;

const pick = <T>(values: readonly T[]): T => values[Math.floor(Math.random() * values.length)] as T;

interface Scenario {
  name: string;
  path: () => string;
}

function listingScenarios(ids: readonly string[]): Scenario[] {
  const words = [
    'apartment',
    'villa garden',
    'furnished studio',
    'penthouse',
    'toyota',
    'corolla',
    'hilux',
    'honda',
    'bole',
    'kilimani',
    'thao dien',
    'alfama',
  ];
  return [
    { name: 'GET /listings/{id}', path: () => `/api/v1/listings/${pick(ids)}` },
    {
      name: 'GET /listings kind+city+price',
      path: () => {
        const city = pick(CITIES);
        const min = minorUnits(marketOf(city).perM2.sale * 60, city.currency);
        const max = minorUnits(marketOf(city).perM2.sale * 150, city.currency);
        return `/api/v1/listings?kind=property&purpose=sale&city=${encodeURIComponent(city.name)}&currency=${city.currency}&priceMin=${min}&priceMax=${max}`;
      },
    },
    {
      name: 'GET /listings q=…',
      path: () => `/api/v1/listings?q=${encodeURIComponent(pick(words))}`,
    },
    {
      name: 'GET /listings near, 2 km',
      path: () => {
        const place = pick(pick(CITIES).neighbourhoods);
        return `/api/v1/listings?near=${place.lat},${place.lng}&radiusKm=2`;
      },
    },
  ];
}

function productScenarios(ids: readonly string[]): Scenario[] {
  const categories = ['electronics', 'phones', 'fashion', 'shoes', 'home', 'kitchen', 'sports'];
  const sorts = ['newest', 'price_asc', 'price_desc', 'rating', 'best_selling'];
  const words = [
    'smartphone',
    'samsung galaxy',
    'sneakers',
    'wrap dress',
    'headphones',
    'coffee pot',
    'yoga mat',
    'sofa',
    'perfume',
    'laptop 16 gb',
    'mountain bike',
    'nairobi',
  ];
  return [
    { name: 'GET /products/{id}', path: () => `/api/v1/products/${pick(ids)}` },
    {
      name: 'GET /products category+price+sort',
      path: () => {
        const { currency } = pick(CITIES);
        return `/api/v1/products?category=${pick(categories)}&currency=${currency}&priceMin=${priceIn(20, currency)}&priceMax=${priceIn(400, currency)}&sort=${pick(sorts)}`;
      },
    },
    {
      name: 'GET /products/search?q=…',
      path: () => `/api/v1/products/search?q=${encodeURIComponent(pick(words))}`,
    },
  ];
}

async function load(url: string, path: () => string, seconds: number): Promise<Result> {
  return autocannon({
    url,
    connections: CONNECTIONS,
    duration: seconds,
    requests: [{ setupRequest: (request) => ({ ...request, path: path() }) }],
  });
}

interface Row {
  name: string;
  result?: Result;
  note?: string;
}

async function measure(url: string, scenario: Scenario): Promise<Row> {
  const probe = await fetch(`${url}${scenario.path()}`);
  if (probe.status !== 200) {
    const detail = (await probe.text()).slice(0, 200);
    return { name: scenario.name, note: `not measured: answered ${probe.status} ${detail}` };
  }
  if (WARMUP > 0) await load(url, scenario.path, WARMUP);
  const result = await load(url, scenario.path, DURATION);
  const failed = result.non2xx + result.errors + result.timeouts;
  return failed > 0
    ? {
        name: scenario.name,
        result,
        note: `${failed.toLocaleString('en')} failed (non-2xx, errors or timeouts)`,
      }
    : { name: scenario.name, result };
}

const NAME_WIDTH = 34;

function table(rows: Row[], bare: number): string {
  const head = `${'scenario'.padEnd(NAME_WIDTH)} ${'req/s'.padStart(9)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'bare/ours'.padStart(10)}`;
  const lines = rows.map(({ name, result, note }) => {
    if (!result) return `${name.padEnd(NAME_WIDTH)} ${note}`;
    const rate = result.requests.average;
    const cells = `${name.padEnd(NAME_WIDTH)} ${Math.round(rate).toLocaleString('en').padStart(9)} ${result.latency.p50.toFixed(1).padStart(8)} ${result.latency.p99.toFixed(1).padStart(8)} ${`${(bare / rate).toFixed(1)}x`.padStart(10)}`;
    return note ? `${cells}  ${note}` : cells;
  });
  return [head, ...lines].join('\n');
}

const work = await mkdtemp(join(tmpdir(), 'mercato-bench-'));
const scratch = SERVER_URL ? await scratchDatabase(SERVER_URL) : undefined;
const started: Started[] = [];
try {
  const loadStarted = performance.now();
  const sample = await prepare(scratch?.url, work);
  const loadSeconds = (performance.now() - loadStarted) / 1000;

  const app = await startApp(ROOT, work, scratch?.url);
  started.push(app);
  const bareServer = await startProcess(
    ['--input-type=module', '-e', BARE_SERVER],
    {},
    '/',
    join(work, 'bare.log'),
    work,
  );
  started.push(bareServer);

  const cpu = cpus();
  console.info(
    `listings: ${LISTINGS.toLocaleString('en')}, products: ${PRODUCTS.toLocaleString('en')} on ${scratch ? 'PostgreSQL' : 'PGlite'} (loaded in ${loadSeconds.toFixed(0)} s); ` +
      `${CONNECTIONS} connections, ${DURATION} s per scenario after ${WARMUP} s of warm-up; ` +
      `Node ${process.version}, ${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown CPU'}`,
  );
  const bare = await measure(bareServer.url, {
    name: 'bare node:http, fixed JSON',
    path: () => '/',
  });
  const bareRate = bare.result?.requests.average ?? Number.NaN;
  const rows = [bare];
  const measured = [
    ...(LISTINGS > 0 ? listingScenarios(sample.listings) : []),
    ...(PRODUCTS > 0 ? productScenarios(sample.products) : []),
  ];
  for (const scenario of measured) {
    console.error(`measuring ${scenario.name}…`);
    rows.push(await measure(app.url, scenario));
  }
  console.info(table(rows, bareRate));
} finally {
  for (const server of started) await server.stop();
  await scratch?.drop();
  await rm(work, { recursive: true, force: true });
}

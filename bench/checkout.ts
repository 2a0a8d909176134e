import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq, inArray, sql } from 'drizzle-orm';
import { parseConfig } from '../src/config.ts';
import { ensureSeedAccounts } from '../src/modules/identity/index.ts';
import { startSession } from '../src/modules/identity/sessions.ts';
import { addresses, users } from '../src/modules/identity/tables.ts';
import { modules } from '../src/modules/index.ts';
import { orderItems, orders } from '../src/modules/orders/tables.ts';
import { loadProducts } from '../src/modules/shop/seed.ts';
import { productVariants } from '../src/modules/shop/tables.ts';
import { type Database, openDatabase, selectRows } from '../src/platform/db/client.ts';
import { createLogger } from '../src/platform/logger.ts';
import { assemble, MIGRATIONS_DIR } from '../src/runtimes/bootstrap.ts';
import { envInt, type Started, scratchDatabase, startApp } from './support.ts';

/**
 * Checkout under contention: many buyers, few variants. The real server runs in its own process
 * (src/runtimes/node.ts, as deployed); BENCH_CONNECTIONS workers each send POST /orders for a
 * random buyer and variant, one after another, for BENCH_DURATION seconds. It reports committed
 * orders per second, refusals (409: out of stock) and latency, then checks the books: each
 * variant's stock went down by exactly what its order lines hold, and never below zero.
 *
 *   make bench-checkout
 *   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres make bench-checkout
 *
 * BENCH_BUYERS (200), BENCH_VARIANTS (5), BENCH_STOCK (per variant, 200), BENCH_DURATION (10),
 * BENCH_CONNECTIONS (20).
 */

const ROOT = join(import.meta.dirname, '..');
const BUYERS = envInt('BENCH_BUYERS', 200);
const VARIANTS = envInt('BENCH_VARIANTS', 5);
const STOCK = envInt('BENCH_STOCK', 200);
const DURATION = envInt('BENCH_DURATION', 10);
const CONNECTIONS = envInt('BENCH_CONNECTIONS', 20);
const SERVER_URL = process.env.BENCH_DATABASE_URL || undefined;

interface Buyer {
  token: string;
  addressId: string;
}

interface Prepared {
  buyers: Buyer[];
  variantIds: string[];
}

/** Migrates, loads products, sets the contended variants' stock, and signs the buyers in. */
async function prepare(database: Database, dataDir: string, url: string | undefined) {
  const config = parseConfig({ NODE_ENV: 'development', DATABASE_URL: url, DATA_DIR: dataDir });
  const parts = assemble({
    config,
    log: createLogger({ level: 'warn', pretty: false }),
    database,
    modules,
  });
  await database.migrate(MIGRATIONS_DIR);
  const ctx = parts.ctx('bench');
  await loadProducts(ctx, { count: VARIANTS });
  const variants = await selectRows<{ id: string }>(
    database.db,
    sql`select distinct on (product_id) id from ${productVariants} order by product_id, position limit ${VARIANTS}`,
  );
  const variantIds = variants.map((v) => v.id);
  await database.db
    .update(productVariants)
    .set({ stock: STOCK })
    .where(inArray(productVariants.id, variantIds));
  const actors = await ensureSeedAccounts(
    ctx,
    Array.from({ length: BUYERS }, (_, i) => ({
      email: `buyer-${i}@bench.mercato.example`,
      fullName: `Bench Buyer ${i}`,
      roles: [],
    })),
  );
  const buyers: Buyer[] = [];
  for (const actor of actors) {
    // Cash on delivery needs a proven phone.
    const [user] = await database.db
      .update(users)
      .set({
        phone: `+25191${String(buyers.length).padStart(7, '0')}`,
        phoneVerifiedAt: new Date(),
      })
      .where(eq(users.id, actor.userId))
      .returning();
    if (!user) throw new Error(`no buyer ${actor.userId}`);
    const { accessToken } = await startSession(ctx, user, 'bench');
    const [address] = await database.db
      .insert(addresses)
      .values({
        userId: user.id,
        label: 'Home',
        recipient: user.fullName,
        phone: '+251911000000',
        line1: 'Bole Road',
        city: 'Addis Ababa',
        countryCode: 'ET',
      })
      .returning({ id: addresses.id });
    if (!address) throw new Error('no address');
    buyers.push({ token: accessToken, addressId: address.id });
  }
  return { buyers, variantIds } satisfies Prepared;
}

const pick = <T>(values: readonly T[]): T => values[Math.floor(Math.random() * values.length)] as T;

interface Tally {
  placed: number;
  refused: number;
  failed: string[];
  latencies: number[];
}

/** One worker: checkouts back to back until `until`. */
async function worker(url: string, prepared: Prepared, until: number, tally: Tally) {
  while (Date.now() < until) {
    const buyer = pick(prepared.buyers);
    const started = performance.now();
    const res = await fetch(`${url}/api/v1/orders`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${buyer.token}`,
        'content-type': 'application/json',
        'idempotency-key': crypto.randomUUID(),
      },
      body: JSON.stringify({
        addressId: buyer.addressId,
        paymentMethod: 'cod',
        items: [
          { variantId: pick(prepared.variantIds), quantity: 1 + Math.floor(Math.random() * 3) },
        ],
      }),
    });
    tally.latencies.push(performance.now() - started);
    if (res.status === 201) tally.placed++;
    else if (res.status === 409) tally.refused++;
    else tally.failed.push(`${res.status} ${(await res.text()).slice(0, 200)}`);
    if (res.status === 409 || res.status === 201) await res.arrayBuffer().catch(() => undefined);
  }
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? Number.NaN;

/** Stock taken equals stock sold, per variant, and none is negative. */
async function audit(database: Database, prepared: Prepared, placed: number) {
  const stock = await database.db
    .select({ id: productVariants.id, stock: productVariants.stock })
    .from(productVariants)
    .where(inArray(productVariants.id, prepared.variantIds));
  const sold = await selectRows<{ variant_id: string; sold: string }>(
    database.db,
    sql`select variant_id, sum(quantity) as sold from ${orderItems} group by variant_id`,
  );
  const soldOf = new Map(sold.map((row) => [row.variant_id, Number(row.sold)]));
  const [counted] = await selectRows<{ n: string }>(
    database.db,
    sql`select count(*) as n from ${orders}`,
  );
  const wrong = stock.filter((v) => v.stock < 0 || STOCK - v.stock !== (soldOf.get(v.id) ?? 0));
  return {
    orders: Number(counted?.n ?? 0),
    left: stock.reduce((sum, v) => sum + v.stock, 0),
    sold: [...soldOf.values()].reduce((sum, n) => sum + n, 0),
    exact: wrong.length === 0 && Number(counted?.n ?? 0) === placed,
  };
}

const work = await mkdtemp(join(tmpdir(), 'mercato-bench-checkout-'));
const scratch = SERVER_URL ? await scratchDatabase(SERVER_URL) : undefined;
let app: Started | undefined;
try {
  const open = () => openDatabase({ url: scratch?.url, dataDir: work, poolSize: 2 });
  const setup = await open();
  const prepared = await prepare(setup, work, scratch?.url).finally(() => setup.close());
  app = await startApp(ROOT, work, scratch?.url);
  const tally: Tally = { placed: 0, refused: 0, failed: [], latencies: [] };
  const until = Date.now() + DURATION * 1000;
  const url = app.url;
  await Promise.all(Array.from({ length: CONNECTIONS }, () => worker(url, prepared, until, tally)));
  await app.stop();
  app = undefined;
  const check = await open();
  const books = await audit(check, prepared, tally.placed).finally(() => check.close());
  const sorted = [...tally.latencies].sort((a, b) => a - b);
  const cpu = cpus();
  console.info(
    `checkout: ${BUYERS} buyers, ${VARIANTS} variants of ${STOCK} each, ${CONNECTIONS} workers for ${DURATION} s on ${scratch ? 'PostgreSQL' : 'PGlite'}; Node ${process.version}, ${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown CPU'}`,
  );
  console.info(
    `orders placed ${tally.placed} (${(tally.placed / DURATION).toFixed(1)}/s), refused out of stock ${tally.refused}, failed ${tally.failed.length}; latency p50 ${percentile(sorted, 50).toFixed(0)} ms, p99 ${percentile(sorted, 99).toFixed(0)} ms`,
  );
  console.info(
    `books: ${books.orders} orders in the database, ${books.sold} units sold, ${books.left} left of ${STOCK * VARIANTS}: ${books.exact ? 'exact' : 'WRONG'}`,
  );
  for (const failure of tally.failed.slice(0, 5)) console.error(`failed: ${failure}`);
  if (!books.exact || tally.failed.length > 0) process.exitCode = 1;
} finally {
  await app?.stop();
  await scratch?.drop();
  await rm(work, { recursive: true, force: true });
}

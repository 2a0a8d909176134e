import { desc, sql } from 'drizzle-orm';
import { pgTable, timestamp, uuid } from 'drizzle-orm/pg-core';
import { encodeCursor, keysetPage } from '../src/platform/core/paging.ts';
import { type Database, openDatabase, selectRows } from '../src/platform/db/client.ts';

/**
 * Deep pages: the keyset page (what every list in the API uses) against OFFSET, on the same
 * rows, one run, both timed alike. On PGlite by default; BENCH_DATABASE_URL=postgres://... for
 * a server (the table is created and dropped there).
 *   make bench                      BENCH_ROWS=200000 make bench
 */

const ROWS = Number(process.env.BENCH_ROWS ?? 100_000);
const DEPTHS = [1_000, Math.floor(ROWS / 2), ROWS - 100];
const REPEATS = Number(process.env.BENCH_REPEATS ?? 15);
const LIMIT = 20;
const SECRET = 'bench-secret';
/** What signs the cursors: the one setting keysetPage reads. */
const signer = { config: { cursorSecret: SECRET } };

const items = pgTable('bench_items', {
  id: uuid('id').primaryKey(),
  createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull(),
});
type Item = typeof items.$inferSelect;

const keys = [
  { column: items.createdAt, direction: 'desc' as const, value: (r: Item) => r.createdAt },
  { column: items.id, direction: 'desc' as const, value: (r: Item) => r.id },
];

async function setUp(database: Database): Promise<void> {
  await database.db.execute(sql`drop table if exists bench_items`);
  await database.db.execute(
    sql`create table bench_items (id uuid primary key, created_at timestamp(3) with time zone not null)`,
  );
  // Many rows share a timestamp (one per 10), as real lists do, so the id breaks ties.
  await database.db.execute(sql`
    insert into bench_items
    select gen_random_uuid(), timestamp with time zone '2026-01-01' + ((g / 10) * interval '1 second')
    from generate_series(1, ${ROWS}) g`);
  await database.db.execute(sql`create index on bench_items (created_at desc, id desc)`);
  await database.db.execute(sql`analyze bench_items`);
}

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

async function time(fn: () => Promise<unknown>): Promise<number> {
  await fn();
  const samples: number[] = [];
  for (let i = 0; i < REPEATS; i++) {
    const started = performance.now();
    await fn();
    samples.push(performance.now() - started);
  }
  return median(samples);
}

const database = await openDatabase({
  url: process.env.BENCH_DATABASE_URL ?? 'memory://',
  dataDir: '',
  poolSize: 2,
});
try {
  const started = performance.now();
  await setUp(database);
  console.info(
    `pagination: ${ROWS.toLocaleString()} rows on ${database.kind} (loaded in ${((performance.now() - started) / 1000).toFixed(1)} s), page of ${LIMIT}, median of ${REPEATS}`,
  );
  console.info('depth        offset ms   keyset ms   offset/keyset');
  for (const depth of DEPTHS) {
    const [before] = await selectRows<{ id: string; created_at: string }>(
      database.db,
      sql`select id, created_at from bench_items order by created_at desc, id desc offset ${depth - 1} limit 1`,
    );
    if (!before) throw new Error(`no row at depth ${depth}`);
    const cursor = await encodeCursor(SECRET, 'bench', [new Date(before.created_at), before.id]);
    const offset = await time(() =>
      database.db
        .select()
        .from(items)
        .orderBy(desc(items.createdAt), desc(items.id))
        .offset(depth)
        .limit(LIMIT),
    );
    const keyset = await time(() =>
      keysetPage(signer, {
        scope: 'bench',
        keys,
        page: { limit: LIMIT, cursor },
        fetch: ({ where, orderBy, limit }) =>
          database.db
            .select()
            .from(items)
            .where(where)
            .orderBy(...orderBy)
            .limit(limit),
      }),
    );
    console.info(
      `${depth.toLocaleString().padEnd(12)} ${offset.toFixed(2).padStart(9)}   ${keyset.toFixed(2).padStart(9)}   ${(offset / keyset).toFixed(1).padStart(13)}x`,
    );
  }
  await database.db.execute(sql`drop table bench_items`);
} finally {
  await database.close();
}

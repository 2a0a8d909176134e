import { eq, sql } from 'drizzle-orm';
import type { Ctx } from './core/context.ts';
import { platformMeta } from './db/tables.ts';
import { withTransaction } from './db/transaction.ts';
import type { Module } from './module.ts';

const DEMO_SEEDED = 'demo-seeded';

/**
 * Loads every module's demo data once, the first time the database is used; later starts see
 * the marker and leave the data alone. All or nothing: one transaction.
 */
export async function seedDemoData(ctx: Ctx, modules: readonly Module[]): Promise<boolean> {
  return withTransaction(ctx, async (tx) => {
    // Several instances may start at once; one seeds, the others then see the marker.
    await tx.db.execute(sql`select pg_advisory_xact_lock(hashtext('mercato:seed-demo'))`);
    const [done] = await tx.db
      .select({ key: platformMeta.key })
      .from(platformMeta)
      .where(eq(platformMeta.key, DEMO_SEEDED));
    if (done) return false;
    const seeded: string[] = [];
    for (const module of modules) {
      if (!module.seed) continue;
      await module.seed(tx);
      seeded.push(module.name);
    }
    await tx.db.insert(platformMeta).values({
      key: DEMO_SEEDED,
      value: { at: new Date().toISOString(), modules: seeded },
    });
    ctx.log.info({ modules: seeded }, 'demo data loaded');
    return true;
  });
}

/** What a module's bulk loader takes (`make seed ARGS="--listings N --products N"`). */
export interface BulkLoad {
  count: number;
  /** The same seed gives the same rows. */
  seed?: number;
  /** Called after each batch with the rows loaded so far. */
  onProgress?: (loaded: number) => void;
}

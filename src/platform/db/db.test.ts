import { eq, sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestApp } from '../../../test/harness.ts';
import { selectRows } from './client.ts';
import { platformMeta } from './tables.ts';
import { withTransaction } from './transaction.ts';

const t = await createTestApp();
afterAll(() => t.close());

async function metaKeys(): Promise<string[]> {
  const rows = await t.database.db.select({ key: platformMeta.key }).from(platformMeta);
  return rows.map((r) => r.key).sort();
}

describe('migrations', () => {
  it('enable pg_trgm, cube and earthdistance', async () => {
    const rows = await selectRows<{ extname: string }>(
      t.database.db,
      sql`select extname from pg_extension order by extname`,
    );
    const names = rows.map((r) => r.extname);
    expect(names).toEqual(expect.arrayContaining(['cube', 'earthdistance', 'pg_trgm']));
  });

  it('make the extensions usable', async () => {
    const [row] = await selectRows<{ km: number; sim: number }>(
      t.database.db,
      sql`select round((earth_distance(ll_to_earth(9.0054, 38.7636), ll_to_earth(8.9806, 38.7578)) / 1000)::numeric, 1)::float8 as km,
                 similarity('Bole apartment', 'bole apartmnet')::float8 as sim`,
    );
    expect(row?.km).toBeCloseTo(2.8, 1);
    expect(row?.sim).toBeGreaterThan(0.4);
  });
});

describe('withTransaction', () => {
  it('commits when the function returns', async () => {
    await withTransaction(t.ctx(), (ctx) =>
      ctx.db.insert(platformMeta).values({ key: 'tx-commit', value: 1 }),
    );
    expect(await metaKeys()).toContain('tx-commit');
  });

  it('rolls everything back when the function throws', async () => {
    await expect(
      withTransaction(t.ctx(), async (ctx) => {
        await ctx.db.insert(platformMeta).values({ key: 'tx-rollback', value: 1 });
        throw new Error('step two failed');
      }),
    ).rejects.toThrow('step two failed');
    expect(await metaKeys()).not.toContain('tx-rollback');
  });

  it('joins a transaction already in ctx, so an outer failure undoes the inner work', async () => {
    let innerDb: unknown;
    let outerDb: unknown;
    await expect(
      withTransaction(t.ctx(), async (outer) => {
        outerDb = outer.db;
        await withTransaction(outer, async (inner) => {
          innerDb = inner.db;
          await inner.db.insert(platformMeta).values({ key: 'tx-nested', value: 1 });
        });
        throw new Error('later step failed');
      }),
    ).rejects.toThrow('later step failed');
    expect(innerDb).toBe(outerDb);
    expect(await metaKeys()).not.toContain('tx-nested');
  });
});

describe('shared columns', () => {
  it('stamp created and updated times at millisecond precision', async () => {
    await t.database.db.insert(platformMeta).values({ key: 'stamped', value: { a: 1 } });
    const before = await t.database.db
      .select()
      .from(platformMeta)
      .where(eq(platformMeta.key, 'stamped'));
    expect(before[0]?.createdAt).toBeInstanceOf(Date);
    const [precision] = await selectRows<{ p: number }>(
      t.database.db,
      sql`select datetime_precision as p from information_schema.columns
          where table_name = 'platform_meta' and column_name = 'created_at'`,
    );
    expect(precision?.p).toBe(3);
    await new Promise((r) => setTimeout(r, 5));
    await t.database.db
      .update(platformMeta)
      .set({ value: { a: 2 } })
      .where(eq(platformMeta.key, 'stamped'));
    const [after] = await t.database.db
      .select()
      .from(platformMeta)
      .where(eq(platformMeta.key, 'stamped'));
    expect(after?.updatedAt.getTime()).toBeGreaterThan(before[0]?.updatedAt.getTime() ?? Infinity);
  });
});

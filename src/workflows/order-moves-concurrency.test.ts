import { and, count, eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SignedIn, signedInUser } from '../../test/factories.ts';
import { createTestApp } from '../../test/harness.ts';
import { insertOrder, stockOf } from '../modules/orders/lifecycle.test-support.ts';
import { orderHistory, orders } from '../modules/orders/tables.ts';
import {
  createCategory,
  createProduct,
  createSeller,
  type Seller,
} from '../modules/shop/shop.test-support.ts';
import type { VariantRow } from '../modules/shop/tables.ts';
import { outboxEvents } from '../platform/events/tables.ts';
import { workflows } from './index.ts';

/**
 * Cancellations racing each other on a real PostgreSQL (PGlite runs one statement at a time, so
 * only a server interleaves them): an order's stock goes back exactly once, whoever cancels it
 * and however many times at once.
 */

const t = await createTestApp();
afterAll(() => t.close());

const db = t.database.db;

async function cancellations(orderIds: string[]): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(orderHistory)
    .where(and(inArray(orderHistory.orderId, orderIds), eq(orderHistory.toStatus, 'cancelled')));
  return row?.n ?? -1;
}

async function cancelledEvents(orderIds: string[]): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(outboxEvents)
    .where(
      and(eq(outboxEvents.name, 'order.cancelled'), inArray(outboxEvents.aggregateId, orderIds)),
    );
  return row?.n ?? -1;
}

const expireUnpaid = () => {
  const schedule = workflows.schedules?.find((s) => s.name === 'orders.expire-unpaid');
  if (!schedule) throw new Error('no schedule orders.expire-unpaid');
  return schedule;
};

describe.runIf(process.env.TEST_DATABASE_URL)('cancelling at once (PostgreSQL)', () => {
  let seller: Seller;
  let buyer: SignedIn;
  let admin: SignedIn;
  let categoryId: string;

  beforeAll(async () => {
    seller = await createSeller(t);
    buyer = await signedInUser(t);
    admin = await signedInUser(t, { roles: ['admin'] });
    categoryId = (await createCategory(t)).id;
  });

  async function variantWithStock(stock: number): Promise<VariantRow> {
    const { variants } = await createProduct(t, seller.shop, {
      categoryId,
      variants: [{ stock }],
    });
    return variants[0] as VariantRow;
  }

  it('an order cancelled by its buyer, its seller and an admin at once returns its stock once', async () => {
    const variant = await variantWithStock(10);
    const made = [];
    for (let round = 0; round < 5; round++) {
      made.push(
        await insertOrder(t, buyer.user.id, seller.shop, { lines: [{ variant, quantity: 2 }] }),
      );
    }
    expect(await stockOf(t, variant.id)).toBe(0);
    for (const order of made) {
      const responses = await Promise.all([
        t.json('POST', `/api/v1/orders/${order.id}/cancel`, { reason: 'Mine' }, buyer.headers),
        t.json('POST', `/api/v1/orders/${order.id}/cancel`, { reason: 'Again' }, buyer.headers),
        t.json(
          'POST',
          `/api/v1/seller/orders/${order.id}/status`,
          { status: 'cancelled', reason: 'Theirs' },
          seller.headers,
        ),
        t.json(
          'POST',
          `/api/v1/admin/orders/${order.id}/status`,
          { status: 'cancelled' },
          admin.headers,
        ),
      ]);
      expect(responses.map((r) => r.status).sort()).toEqual([200, 409, 409, 409]);
    }
    expect(await stockOf(t, variant.id)).toBe(10);
    const ids = made.map((o) => o.id);
    expect(await cancellations(ids)).toBe(made.length);
    expect(await cancelledEvents(ids)).toBe(made.length);
  });

  it('the expiry job run twice at the same time releases each expired order once', async () => {
    const variants = [await variantWithStock(40), await variantWithStock(40)];
    const now = new Date(Date.now() + 3_600_000);
    const expired = [];
    for (let i = 0; i < 40; i++) {
      expired.push(
        await insertOrder(t, buyer.user.id, seller.shop, {
          status: 'pending_payment',
          holdExpiresAt: new Date(now.getTime() - i * 1000),
          lines: [{ variant: variants[i % 2] as VariantRow, quantity: 1 }],
        }),
      );
    }
    const waiting = await insertOrder(t, buyer.user.id, seller.shop, {
      status: 'pending_payment',
      holdExpiresAt: new Date(now.getTime() + 1000),
      lines: [{ variant: variants[0] as VariantRow, quantity: 1 }],
    });
    expect([
      await stockOf(t, variants[0]?.id ?? ''),
      await stockOf(t, variants[1]?.id ?? ''),
    ]).toEqual([19, 20]);
    await Promise.all([expireUnpaid().run(t.ctx(), now), expireUnpaid().run(t.ctx(), now)]);
    expect([
      await stockOf(t, variants[0]?.id ?? ''),
      await stockOf(t, variants[1]?.id ?? ''),
    ]).toEqual([39, 40]);
    const ids = expired.map((o) => o.id);
    expect(await cancellations(ids)).toBe(expired.length);
    expect(await cancelledEvents(ids)).toBe(expired.length);
    const [still] = await db.select().from(orders).where(eq(orders.id, waiting.id));
    expect(still?.status).toBe('pending_payment');
  });

  it('a buyer’s cancel racing the expiry job returns the stock once', async () => {
    const variant = await variantWithStock(10);
    const now = new Date(Date.now() + 3_600_000);
    const order = await insertOrder(t, buyer.user.id, seller.shop, {
      status: 'pending_payment',
      holdExpiresAt: new Date(now.getTime() - 1),
      lines: [{ variant, quantity: 4 }],
    });
    const [res] = await Promise.all([
      t.json('POST', `/api/v1/orders/${order.id}/cancel`, { reason: 'Too slow' }, buyer.headers),
      expireUnpaid().run(t.ctx(), now),
    ]);
    expect([200, 409]).toContain(res.status);
    expect(await stockOf(t, variant.id)).toBe(10);
    expect(await cancellations([order.id])).toBe(1);
  });
});

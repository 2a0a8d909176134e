import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createTestApp } from '../../../test/harness.ts';
import type { Ctx } from '../core/context.ts';
import { platformMeta } from '../db/tables.ts';
import { withTransaction } from '../db/transaction.ts';
import { listDeadDeliveries, retryDeadDelivery } from './dead-deliveries.ts';
import { type DomainEvent, defineEvent, EventBus, once, publish } from './events.ts';
import { eventDeliveries, eventHandlers, outboxEvents, processedEvents } from './tables.ts';

const t = await createTestApp();
afterAll(() => t.close());

const OrderPlaced = defineEvent(
  'order.placed',
  z.object({ orderId: z.string(), total: z.number().int() }),
);
const OrderShipped = defineEvent('order.shipped', z.object({ orderId: z.string() }));

let ctx: Ctx;
beforeEach(async () => {
  ctx = t.ctx();
  await ctx.db.delete(eventDeliveries);
  await ctx.db.delete(outboxEvents);
  await ctx.db.delete(processedEvents);
  await ctx.db.delete(eventHandlers);
});

/** Relays until nothing is due, as a running relay would over time. */
async function drain(bus: EventBus) {
  for (let i = 0; i < 50; i++) {
    const report = await bus.relayOnce(ctx);
    if (report.dispatched + report.delivered + report.failed + report.dead === 0) return;
  }
  throw new Error('the relay never settled');
}

describe('publish', () => {
  it('validates the payload before writing anything', async () => {
    await expect(
      publish(ctx, OrderPlaced, { aggregateId: 'o-1', payload: { orderId: 'o-1', total: 1.5 } }),
    ).rejects.toThrow();
    expect(await ctx.db.select().from(outboxEvents)).toEqual([]);
  });

  it('never delivers an event whose transaction rolled back', async () => {
    const seen: string[] = [];
    const bus = new EventBus();
    bus.subscribe(OrderPlaced, 'test.rollback', async (e) => {
      seen.push(e.aggregateId);
    });
    await expect(
      withTransaction(ctx, async (tx) => {
        await publish(tx, OrderPlaced, {
          aggregateId: 'o-rolled-back',
          payload: { orderId: 'x', total: 1 },
        });
        throw new Error('the order could not be saved');
      }),
    ).rejects.toThrow('the order could not be saved');
    await publish(ctx, OrderPlaced, {
      aggregateId: 'o-committed',
      payload: { orderId: 'y', total: 2 },
    });
    await drain(bus);
    expect(seen).toEqual(['o-committed']);
  });
});

describe('the relay', () => {
  it('delivers an event committed while no relay ran, to every subscriber of its name only', async () => {
    const placed: DomainEvent[] = [];
    const shipped: DomainEvent[] = [];
    await publish(ctx, OrderPlaced, {
      aggregateId: 'o-1',
      payload: { orderId: 'o-1', total: 1250000 },
    });

    const bus = new EventBus();
    bus.subscribe(OrderPlaced, 'test.placed', async (e) => {
      placed.push(e);
    });
    bus.subscribe(OrderShipped, 'test.shipped', async (e) => {
      shipped.push(e);
    });
    await drain(bus);
    expect(placed).toHaveLength(1);
    expect(placed[0]).toMatchObject({
      name: 'order.placed',
      aggregateId: 'o-1',
      payload: { orderId: 'o-1', total: 1250000 },
      occurredAt: expect.any(Date),
    });
    expect(shipped).toEqual([]);
    expect((await bus.relayOnce(ctx)).delivered).toBe(0);
  });

  it('retries a failing handler with backoff, then parks it as dead', async () => {
    const bus = new EventBus({ maxAttempts: 3, backoffBaseMs: 0 });
    let calls = 0;
    bus.subscribe(OrderPlaced, 'test.always-fails', async () => {
      calls += 1;
      throw new Error(`mail server down (${calls})`);
    });
    await publish(ctx, OrderPlaced, { aggregateId: 'o-2', payload: { orderId: 'o-2', total: 5 } });
    await drain(bus);
    expect(calls).toBe(3);
    const [delivery] = await ctx.db.select().from(eventDeliveries);
    expect(delivery).toMatchObject({
      status: 'dead',
      attempts: 3,
      lastError: 'mail server down (3)',
    });

    const dead = await listDeadDeliveries(ctx, { limit: 20 });
    expect(dead.items).toEqual([
      expect.objectContaining({
        id: delivery?.id,
        eventName: 'order.placed',
        handler: 'test.always-fails',
        aggregateId: 'o-2',
        attempts: 3,
        payload: { orderId: 'o-2', total: 5 },
      }),
    ]);
  });

  it('waits out the backoff before retrying', async () => {
    const bus = new EventBus({ maxAttempts: 5, backoffBaseMs: 60_000 });
    let calls = 0;
    bus.subscribe(OrderPlaced, 'test.slow-retry', async () => {
      calls += 1;
      throw new Error('down');
    });
    await publish(ctx, OrderPlaced, { aggregateId: 'o-3', payload: { orderId: 'o-3', total: 5 } });
    await drain(bus);
    expect(calls).toBe(1);
    const [delivery] = await ctx.db.select().from(eventDeliveries);
    expect(delivery?.nextAttemptAt.getTime()).toBeGreaterThan(Date.now() + 55_000);
  });

  it('lets an admin put a dead delivery back in line', async () => {
    const bus = new EventBus({ maxAttempts: 1, backoffBaseMs: 0 });
    let healthy = false;
    const delivered: string[] = [];
    bus.subscribe(OrderPlaced, 'test.recovers', async (e) => {
      if (!healthy) throw new Error('down');
      delivered.push(e.aggregateId);
    });
    await publish(ctx, OrderPlaced, { aggregateId: 'o-4', payload: { orderId: 'o-4', total: 5 } });
    await drain(bus);
    const [dead] = (await listDeadDeliveries(ctx, { limit: 20 })).items;
    healthy = true;
    await retryDeadDelivery(ctx, dead?.id as string);
    await drain(bus);
    expect(delivered).toEqual(['o-4']);
    await expect(retryDeadDelivery(ctx, dead?.id as string)).rejects.toMatchObject({
      kind: 'not-found',
    });
  });

  it('delivers in order per aggregate: a failing event holds back the later ones', async () => {
    const bus = new EventBus({ maxAttempts: 5, backoffBaseMs: 0 });
    const order: string[] = [];
    let failFirst = true;
    bus.subscribe(OrderPlaced, 'test.ordered', async (e) => {
      const { orderId } = e.payload as { orderId: string };
      if (orderId === 'a-1' && failFirst) {
        failFirst = false;
        throw new Error('transient');
      }
      order.push(orderId);
    });
    for (const orderId of ['a-1', 'a-2', 'a-3']) {
      await publish(ctx, OrderPlaced, {
        aggregateId: 'aggregate-a',
        payload: { orderId, total: 1 },
      });
    }
    await publish(ctx, OrderPlaced, {
      aggregateId: 'aggregate-b',
      payload: { orderId: 'b-1', total: 1 },
    });

    const first = await bus.relayOnce(ctx);
    // Only the heads of the two chains were taken: a-1 failed, b-1 went through.
    expect(first).toMatchObject({ dispatched: 4, delivered: 1, failed: 1 });
    expect(order).toEqual(['b-1']);
    await drain(bus);
    expect(order).toEqual(['b-1', 'a-1', 'a-2', 'a-3']);
  });

  it('redelivers a delivery whose relay died, once its lease lapses', async () => {
    const bus = new EventBus({ leaseMs: 1 });
    const seen: string[] = [];
    bus.subscribe(OrderPlaced, 'test.lease', async (e) => {
      seen.push(e.id);
    });
    const id = await publish(ctx, OrderPlaced, {
      aggregateId: 'o-5',
      payload: { orderId: 'o-5', total: 1 },
    });
    await drain(bus);
    // Simulate a relay that claimed the delivery and crashed before recording the outcome.
    await ctx.db
      .update(eventDeliveries)
      .set({ status: 'pending', leasedUntil: new Date(Date.now() - 1000) })
      .where(eq(eventDeliveries.eventId, id));
    await drain(bus);
    expect(seen).toEqual([id, id]);
  });
});

describe('the idempotency guard', () => {
  it('runs a handler once per event even when the event is delivered twice', async () => {
    const bus = new EventBus({ leaseMs: 1 });
    bus.subscribe(OrderPlaced, 'test.counter', async (event, handlerCtx) => {
      await once(handlerCtx, event, 'test.counter', async (tx) => {
        await tx.db
          .insert(platformMeta)
          .values({ key: 'orders-counted', value: 1 })
          .onConflictDoUpdate({
            target: platformMeta.key,
            set: { value: sql`(platform_meta.value::int + 1)::text::jsonb` },
          });
      });
    });
    const id = await publish(ctx, OrderPlaced, {
      aggregateId: 'o-6',
      payload: { orderId: 'o-6', total: 1 },
    });
    await drain(bus);
    await ctx.db
      .update(eventDeliveries)
      .set({ status: 'pending' })
      .where(eq(eventDeliveries.eventId, id));
    await drain(bus);
    const [counter] = await ctx.db
      .select()
      .from(platformMeta)
      .where(eq(platformMeta.key, 'orders-counted'));
    expect(counter?.value).toBe(1);
    const processed = await ctx.db
      .select()
      .from(processedEvents)
      .where(eq(processedEvents.eventId, id));
    expect(processed).toHaveLength(1);
  });

  it('records nothing when the guarded work fails, so a retry runs it', async () => {
    const event = {
      id: crypto.randomUUID(),
      name: 'order.placed',
      aggregateId: 'o-7',
      payload: {},
      occurredAt: new Date(),
    };
    await expect(
      once(ctx, event, 'test.fails-once', async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    let ran = false;
    expect(
      await once(ctx, event, 'test.fails-once', async () => {
        ran = true;
      }),
    ).toBe(true);
    expect(ran).toBe(true);
  });
});

describe.runIf(process.env.TEST_DATABASE_URL)('relays running at once (PostgreSQL)', () => {
  it('deliver each event once between them', async () => {
    const delivered: string[] = [];
    const buses = [new EventBus(), new EventBus(), new EventBus()];
    for (const bus of buses) {
      bus.subscribe(OrderPlaced, 'test.concurrent', async (e) => {
        await new Promise((r) => setTimeout(r, 2));
        delivered.push(e.id);
      });
    }
    const ids: string[] = [];
    for (let i = 0; i < 60; i++) {
      ids.push(
        await publish(ctx, OrderPlaced, {
          aggregateId: `c-${i % 7}`,
          payload: { orderId: `c-${i}`, total: i },
        }),
      );
    }
    await Promise.all(buses.map((bus) => drain(bus)));
    await Promise.all(buses.map((bus) => drain(bus)));
    expect(delivered.sort()).toEqual(ids.sort());
  });
});

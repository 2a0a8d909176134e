import { eq } from 'drizzle-orm';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createTestApp } from '../../../test/harness.ts';
import type { Ctx } from '../core/context.ts';
import { listDeadDeliveries } from './dead-deliveries.ts';
import { type DomainEvent, defineEvent, EventBus, publish } from './events.ts';
import { eventDeliveries, eventHandlers, outboxEvents } from './tables.ts';

/**
 * During a rolling deploy, processes of two versions relay the same outbox: which one
 * dispatches an event must not decide who hears it.
 */
const t = await createTestApp();
afterAll(() => t.close());

const ListingSold = defineEvent('test.listing-sold', z.object({ listingId: z.string() }));

let ctx: Ctx;
beforeEach(async () => {
  ctx = t.ctx();
  await ctx.db.delete(eventDeliveries);
  await ctx.db.delete(outboxEvents);
  await ctx.db.delete(eventHandlers);
});

const sold = (listingId: string) =>
  publish(ctx, ListingSold, { aggregateId: listingId, payload: { listingId } });

/** A process of some version: the handlers its code subscribes, recording what they hear. */
function processWith(...handlers: string[]) {
  const heard: Record<string, string[]> = {};
  const bus = new EventBus();
  for (const handler of handlers) {
    heard[handler] = [];
    bus.subscribe(ListingSold, handler, async (e: DomainEvent<{ listingId: string }>) => {
      heard[handler]?.push(e.payload.listingId);
    });
  }
  return { bus, heard };
}

async function deliveriesOf(handler: string) {
  return ctx.db.select().from(eventDeliveries).where(eq(eventDeliveries.handler, handler));
}

describe('event delivery across versions', () => {
  it('delivers to a handler only the new version has, when the old version dispatches', async () => {
    const old = processWith('test.notify-owner');
    const next = processWith('test.notify-owner', 'test.update-stats');
    await next.bus.relayOnce(ctx);
    await old.bus.relayOnce(ctx);

    await sold('l-1');
    const report = await old.bus.relayOnce(ctx);
    expect(report).toMatchObject({ dispatched: 1, delivered: 1, failed: 0, dead: 0 });
    expect(old.heard['test.notify-owner']).toEqual(['l-1']);
    // The old relay leaves the new handler's delivery alone: no failed attempt, no error.
    expect(await deliveriesOf('test.update-stats')).toEqual([
      expect.objectContaining({ status: 'pending', attempts: 0, lastError: null }),
    ]);

    await next.bus.relayOnce(ctx);
    expect(next.heard['test.update-stats']).toEqual(['l-1']);
    expect(next.heard['test.notify-owner']).toEqual([]);
    expect(await deliveriesOf('test.update-stats')).toEqual([
      expect.objectContaining({ status: 'delivered', attempts: 1 }),
    ]);
  });

  it('retires a handler no relay has run for a day: its pending deliveries die, no new ones', async () => {
    const old = new EventBus({ backoffBaseMs: 60_000 });
    old.subscribe(ListingSold, 'test.legacy-export', async () => {
      throw new Error('export service down');
    });
    await sold('l-2');
    expect(await old.relayOnce(ctx)).toMatchObject({ dispatched: 1, failed: 1 });
    // The old version is gone before its retry; a day passes.
    await ctx.db
      .update(eventHandlers)
      .set({ seenAt: new Date(Date.now() - 25 * 60 * 60 * 1000) })
      .where(eq(eventHandlers.handler, 'test.legacy-export'));

    const next = processWith('test.notify-owner');
    const report = await next.bus.relayOnce(ctx);
    expect(report.dead).toBe(1);
    const dead = await listDeadDeliveries(ctx, { limit: 10 });
    expect(dead.items).toEqual([
      expect.objectContaining({
        handler: 'test.legacy-export',
        lastError: 'handler retired: no relay runs it',
      }),
    ]);

    await sold('l-3');
    await next.bus.relayOnce(ctx);
    expect(next.heard['test.notify-owner']).toEqual(['l-3']);
    expect(await deliveriesOf('test.legacy-export')).toHaveLength(1);
  });
});

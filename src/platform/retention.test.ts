import { sql } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestApp } from '../../test/harness.ts';
import { idempotencyKeys } from './db/tables.ts';
import { eventDeliveries, outboxEvents, processedEvents } from './events/tables.ts';
import { pruneExpired, retentionSchedule } from './retention.ts';

const t = await createTestApp({
  env: { EVENT_RETENTION_DAYS: '7', IDEMPOTENCY_RETENTION_HOURS: '24' },
});
afterAll(() => t.close());

const db = t.database.db;
const now = new Date('2026-12-04T12:00:00.000Z');
const DAY = 24 * 60 * 60 * 1000;
const eventCutoff = new Date(now.getTime() - 7 * DAY);
const keyCutoff = new Date(now.getTime() - DAY);
const justBefore = (at: Date) => new Date(at.getTime() - 1);

/** A dispatched event with one delivery of `status` (none when null). */
async function event(dispatchedAt: Date | null, status: 'pending' | 'delivered' | 'dead' | null) {
  const [row] = await db
    .insert(outboxEvents)
    .values({ name: 'probe.happened', aggregateId: 'a', payload: {}, dispatchedAt })
    .returning({ id: outboxEvents.id, occurredAt: outboxEvents.occurredAt });
  if (!row) throw new Error('no event');
  if (status) {
    await db.insert(eventDeliveries).values({
      eventId: row.id,
      handler: 'probe.handler',
      eventName: 'probe.happened',
      aggregateId: 'a',
      occurredAt: row.occurredAt,
      status,
    });
  }
  return row.id;
}

async function idsOf(table: typeof outboxEvents) {
  return new Set((await db.select({ id: table.id }).from(table)).map((r) => r.id));
}

describe('pruning what grows forever', () => {
  it('deletes delivered events past their retention, keeping pending and dead ones', async () => {
    const gone = await event(justBefore(eventCutoff), 'delivered');
    const unheard = await event(justBefore(eventCutoff), null);
    const atCutoff = await event(eventCutoff, 'delivered');
    const pending = await event(justBefore(eventCutoff), 'pending');
    const dead = await event(justBefore(eventCutoff), 'dead');
    const undispatched = await event(null, null);
    const pruned = await pruneExpired(t.ctx(), now);
    expect(pruned.events).toBe(2);
    const left = await idsOf(outboxEvents);
    expect([gone, unheard].filter((id) => left.has(id))).toEqual([]);
    for (const kept of [atCutoff, pending, dead, undispatched]) expect(left.has(kept)).toBe(true);
    const deliveries = await db.select({ eventId: eventDeliveries.eventId }).from(eventDeliveries);
    expect(deliveries.some((d) => d.eventId === gone)).toBe(false);
  });

  it('forgets handlers’ records and idempotency keys past theirs, at the boundary', async () => {
    const [oldEvent, newEvent] = [uuidv7(), uuidv7()];
    await db.insert(processedEvents).values([
      { eventId: oldEvent, handler: 'probe', processedAt: justBefore(eventCutoff) },
      { eventId: newEvent, handler: 'probe', processedAt: eventCutoff },
    ]);
    const key = (k: string, createdAt: Date) => ({
      scope: 'probe',
      key: k,
      requestHash: 'h',
      response: {},
      createdAt,
    });
    await db
      .insert(idempotencyKeys)
      .values([key('old', justBefore(keyCutoff)), key('boundary', keyCutoff)]);
    const pruned = await pruneExpired(t.ctx(), now);
    expect(pruned).toMatchObject({ processed: 1, idempotencyKeys: 1 });
    const processed = await db.select({ eventId: processedEvents.eventId }).from(processedEvents);
    expect(processed.map((p) => p.eventId)).toContain(newEvent);
    expect(processed.map((p) => p.eventId)).not.toContain(oldEvent);
    const keys = await db.select({ key: idempotencyKeys.key }).from(idempotencyKeys);
    expect(keys.map((k) => k.key)).toEqual(['boundary']);
  });

  it('works through more rows than one delete takes', async () => {
    await db.execute(sql`
      insert into idempotency_keys (scope, key, request_hash, response, created_at)
      select 'bulk', g::text, 'h', '{}'::jsonb, ${justBefore(keyCutoff).toISOString()}::timestamptz
      from generate_series(1, 2345) g`);
    const pruned = await pruneExpired(t.ctx(), now);
    expect(pruned.idempotencyKeys).toBe(2345);
    const [left] = await db
      .select({ n: sql<number>`count(*)::int` })
      .from(idempotencyKeys)
      .where(sql`scope = 'bulk'`);
    expect(left?.n).toBe(0);
  });

  it('runs hourly, as every process that runs jobs schedules it', () => {
    expect(retentionSchedule.cron).toBe('0 17 * * * *');
    expect(t.services.schedules.map((s) => s.name)).toContain(retentionSchedule.name);
  });
});

import { and, eq, gt, inArray, isNull, lte, sql } from 'drizzle-orm';
import type { z } from 'zod';
import type { Ctx } from '../core/context.ts';
import { selectRows } from '../db/client.ts';
import { withTransaction } from '../db/transaction.ts';
import { eventDeliveries, eventHandlers, outboxEvents, processedEvents } from './tables.ts';

/** A kind of domain event: its name and the Zod schema of its payload. */
export interface EventType<P> {
  readonly name: string;
  readonly schema: z.ZodType<P>;
}

/** Every event type defined in this process: what `unheardEvents` is checked against. */
const defined = new Set<string>();

export function defineEvent<P>(name: string, schema: z.ZodType<P>): EventType<P> {
  defined.add(name);
  return { name, schema };
}

/** The names of every event type defined in this process (by the modules it loaded). */
export function definedEvents(): string[] {
  return [...defined].sort();
}

export interface DomainEvent<P = unknown> {
  readonly id: string;
  readonly name: string;
  readonly aggregateId: string;
  readonly payload: P;
  readonly occurredAt: Date;
}

/**
 * Records an event in the caller's transaction (or on its own when there is none): it is
 * delivered if and only if that transaction commits. An invalid payload is a programming
 * error and throws before anything is written.
 */
export async function publish<P>(
  ctx: Ctx,
  type: EventType<P>,
  event: { aggregateId: string; payload: P },
): Promise<string> {
  const payload = type.schema.parse(event.payload);
  const [row] = await ctx.db
    .insert(outboxEvents)
    .values({ name: type.name, aggregateId: event.aggregateId, payload })
    .returning({ id: outboxEvents.id });
  if (!row) throw new Error(`publishing ${type.name} wrote no row`);
  return row.id;
}

/**
 * Runs `fn` once per event and handler: the event is recorded as processed in the same
 * transaction as `fn`'s writes, so a second delivery (the relay delivers at least once) is
 * skipped and `false` returned.
 */
export function once(
  ctx: Ctx,
  event: DomainEvent,
  handler: string,
  fn: (ctx: Ctx) => Promise<void>,
): Promise<boolean> {
  return withTransaction(ctx, async (tx) => {
    const inserted = await tx.db
      .insert(processedEvents)
      .values({ eventId: event.id, handler })
      .onConflictDoNothing()
      .returning({ eventId: processedEvents.eventId });
    if (inserted.length === 0) return false;
    await fn(tx);
    return true;
  });
}

type Handler = (event: DomainEvent, ctx: Ctx) => Promise<void>;

export interface RelayOptions {
  /** Attempts before a delivery is parked as dead (default 8). */
  maxAttempts?: number;
  /** The first retry waits this long, each next one twice as long, up to an hour. */
  backoffBaseMs?: number;
  /** How long a claimed delivery stays with the relay that claimed it (default 5 min). */
  leaseMs?: number;
  batchSize?: number;
  /** A handler no relay has run for this long is retired: its pending deliveries die (1 day). */
  retireAfterMs?: number;
}

export interface RelayReport {
  dispatched: number;
  delivered: number;
  failed: number;
  dead: number;
}

const MAX_BACKOFF_MS = 60 * 60 * 1000;

/** How often a relay renews its handlers' registration (and retires others'). */
const HEARTBEAT_MS = 60 * 1000;

/** A delivery the relay has leased, with the event it carries. */
interface Claimed {
  id: string;
  handler: string;
  attempts: number;
  event: DomainEvent;
}

/**
 * Subscribers, and the relay that delivers committed events to them: at least once, in order
 * per aggregate and handler, with retries and exponential backoff, parking a delivery that
 * keeps failing as dead. Any number of relays may run at once (in several processes): each
 * claims deliveries with a lease, and a chain's next event waits until the one before it is
 * delivered or dead. Relays register their handlers in the database and fan events out to
 * every registered handler, not only their own, so processes of different versions (a rolling
 * deploy) deliver alike; each relay delivers only to the handlers it runs.
 */
export class EventBus {
  readonly #handlers = new Map<string, { event: string; fn: Handler }>();
  readonly #options: Required<RelayOptions>;
  #heartbeatAt = 0;

  constructor(options: RelayOptions = {}) {
    this.#options = {
      maxAttempts: options.maxAttempts ?? 8,
      backoffBaseMs: options.backoffBaseMs ?? 1000,
      leaseMs: options.leaseMs ?? 5 * 60 * 1000,
      batchSize: options.batchSize ?? 100,
      retireAfterMs: options.retireAfterMs ?? 24 * 60 * 60 * 1000,
    };
  }

  /**
   * Registers `fn` for events of `type` under a stable `handler` name (deliveries and the
   * idempotency guard are keyed by it: renaming a handler re-delivers to it).
   */
  subscribe<P>(
    type: EventType<P>,
    handler: string,
    fn: (event: DomainEvent<P>, ctx: Ctx) => Promise<void>,
  ): void {
    if (this.#handlers.has(handler))
      throw new Error(`an event handler named ${handler} is already registered`);
    this.#handlers.set(handler, { event: type.name, fn: fn as Handler });
  }

  /** The events some handler is subscribed to. */
  subscribedEvents(): Set<string> {
    return new Set([...this.#handlers.values()].map((handler) => handler.event));
  }

  /**
   * Registers this relay's handlers (at most once a minute), dispatches committed events, then
   * delivers what is due to its handlers; returns what it did.
   */
  async relayOnce(ctx: Ctx): Promise<RelayReport> {
    const retired = await this.#heartbeat(ctx);
    const dispatched = await this.#dispatch(ctx);
    const report = { dispatched, delivered: 0, failed: 0, dead: retired };
    for (const delivery of await this.#claim(ctx)) {
      const outcome = await this.#deliver(ctx, delivery);
      report[outcome] += 1;
    }
    return report;
  }

  /**
   * Renews this relay's handlers in the registry, and parks as dead the pending deliveries of
   * handlers no relay has renewed within the retirement window (a handler a deploy removed);
   * how many it parked.
   */
  async #heartbeat(ctx: Ctx): Promise<number> {
    if (Date.now() - this.#heartbeatAt < HEARTBEAT_MS) return 0;
    const now = new Date();
    const mine = [...this.#handlers].map(([handler, { event }]) => ({
      handler,
      eventName: event,
      seenAt: now,
    }));
    if (mine.length > 0) {
      await ctx.db
        .insert(eventHandlers)
        .values(mine)
        .onConflictDoUpdate({
          target: eventHandlers.handler,
          set: { eventName: sql`excluded.event_name`, seenAt: sql`excluded.seen_at` },
        });
    }
    const retiredBefore = new Date(now.getTime() - this.#options.retireAfterMs);
    const parked = await ctx.db
      .update(eventDeliveries)
      .set({ status: 'dead', leasedUntil: null, lastError: 'handler retired: no relay runs it' })
      .where(
        and(
          eq(eventDeliveries.status, 'pending'),
          inArray(
            eventDeliveries.handler,
            ctx.db
              .select({ handler: eventHandlers.handler })
              .from(eventHandlers)
              .where(lte(eventHandlers.seenAt, retiredBefore)),
          ),
        ),
      )
      .returning({ id: eventDeliveries.id });
    this.#heartbeatAt = now.getTime();
    return parked.length;
  }

  /** Turns each committed, undispatched event into one delivery per registered handler. */
  async #dispatch(ctx: Ctx): Promise<number> {
    return withTransaction(ctx, async (tx) => {
      const events = await tx.db
        .select()
        .from(outboxEvents)
        .where(isNull(outboxEvents.dispatchedAt))
        .orderBy(outboxEvents.occurredAt, outboxEvents.id)
        .limit(this.#options.batchSize)
        .for('update', { skipLocked: true });
      if (events.length === 0) return 0;
      const retiredBefore = new Date(Date.now() - this.#options.retireAfterMs);
      const handlers = await tx.db
        .select({ handler: eventHandlers.handler, event: eventHandlers.eventName })
        .from(eventHandlers)
        .where(
          and(
            inArray(eventHandlers.eventName, [...new Set(events.map((e) => e.name))]),
            gt(eventHandlers.seenAt, retiredBefore),
          ),
        );
      const rows = events.flatMap((event) =>
        handlers
          .filter((h) => h.event === event.name)
          .map(({ handler }) => ({
            eventId: event.id,
            handler,
            eventName: event.name,
            aggregateId: event.aggregateId,
            occurredAt: event.occurredAt,
          })),
      );
      if (rows.length > 0) await tx.db.insert(eventDeliveries).values(rows).onConflictDoNothing();
      await tx.db
        .update(outboxEvents)
        .set({ dispatchedAt: new Date() })
        .where(
          inArray(
            outboxEvents.id,
            events.map((e) => e.id),
          ),
        );
      return events.length;
    });
  }

  /**
   * Leases the due deliveries that head their chain (no earlier delivery of the same aggregate
   * to the same handler is still pending), each with its event.
   */
  async #claim(ctx: Ctx): Promise<Claimed[]> {
    if (this.#handlers.size === 0) return [];
    const leaseSeconds = this.#options.leaseMs / 1000;
    const mine = sql.join(
      [...this.#handlers.keys()].map((handler) => sql`${handler}`),
      sql`, `,
    );
    const rows = await selectRows<{
      id: string;
      handler: string;
      attempts: number;
      event_id: string;
      name: string;
      aggregate_id: string;
      payload: unknown;
      occurred_at: Date | string;
    }>(
      ctx.db,
      sql`
        update event_deliveries d
        set leased_until = now() + make_interval(secs => ${leaseSeconds})
        from outbox_events o
        where o.id = d.event_id and d.id in (
          select c.id from event_deliveries c
          where c.status = 'pending'
            and c.handler in (${mine})
            and c.next_attempt_at <= now()
            and (c.leased_until is null or c.leased_until < now())
            and not exists (
              select 1 from event_deliveries e
              where e.handler = c.handler and e.aggregate_id = c.aggregate_id
                and e.status = 'pending'
                and (e.occurred_at, e.event_id) < (c.occurred_at, c.event_id))
          order by c.occurred_at, c.event_id
          limit ${this.#options.batchSize}
          for update skip locked)
        returning d.id, d.handler, d.attempts,
          o.id as event_id, o.name, o.aggregate_id, o.payload, o.occurred_at`,
    );
    return rows.map((r) => ({
      id: r.id,
      handler: r.handler,
      attempts: r.attempts,
      event: {
        id: r.event_id,
        name: r.name,
        aggregateId: r.aggregate_id,
        payload: r.payload,
        occurredAt: new Date(r.occurred_at),
      },
    }));
  }

  async #deliver(ctx: Ctx, delivery: Claimed): Promise<'delivered' | 'failed' | 'dead'> {
    const attempts = delivery.attempts + 1;
    const byId = eq(eventDeliveries.id, delivery.id);
    try {
      const handler = this.#handlers.get(delivery.handler);
      if (!handler) throw new Error(`no handler named ${delivery.handler} is registered`);
      const { event } = delivery;
      await handler.fn(event, { ...ctx, requestId: `event:${event.id}` });
      await ctx.db
        .update(eventDeliveries)
        .set({
          status: 'delivered',
          attempts,
          deliveredAt: new Date(),
          leasedUntil: null,
          lastError: null,
        })
        .where(byId);
      return 'delivered';
    } catch (error) {
      const dead = attempts >= this.#options.maxAttempts;
      const backoff = Math.min(MAX_BACKOFF_MS, this.#options.backoffBaseMs * 2 ** (attempts - 1));
      const message = error instanceof Error ? error.message : String(error);
      await ctx.db
        .update(eventDeliveries)
        .set({
          status: dead ? 'dead' : 'pending',
          attempts,
          nextAttemptAt: new Date(Date.now() + backoff),
          leasedUntil: null,
          lastError: message.slice(0, 2000),
        })
        .where(byId);
      ctx.log[dead ? 'error' : 'warn'](
        { err: error, handler: delivery.handler, eventId: delivery.event.id, attempts },
        dead ? 'event delivery is dead' : 'event delivery failed; will retry',
      );
      return dead ? 'dead' : 'failed';
    }
  }
}

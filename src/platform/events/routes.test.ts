import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type SignedIn, signedInUser } from '../../../test/factories.ts';
import { createTestApp, problemOf } from '../../../test/harness.ts';
import { securityCases } from '../../../test/security.ts';
import { auditLog } from '../audit/tables.ts';
import { defineEvent, EventBus, publish } from './events.ts';

const t = await createTestApp();
afterAll(() => t.close());
let admin: SignedIn;

const PaymentCaptured = defineEvent('payment.captured', z.object({ amount: z.number().int() }));
let healthy = false;
const bus = new EventBus({ maxAttempts: 1, backoffBaseMs: 0 });
const delivered: string[] = [];
bus.subscribe(PaymentCaptured, 'ledger.record', async (event) => {
  if (!healthy) throw new Error('ledger unavailable');
  delivered.push(event.aggregateId);
});

beforeAll(async () => {
  admin = await signedInUser(t, { roles: ['admin'] });
  const ctx = t.ctx();
  for (const id of ['pay-1', 'pay-2', 'pay-3']) {
    await publish(ctx, PaymentCaptured, { aggregateId: id, payload: { amount: 1250000 } });
  }
  await bus.relayOnce(ctx);
});

describe('GET /api/v1/admin/events/dead', () => {
  securityCases(() => t, {
    method: 'GET',
    path: '/api/v1/admin/events/dead',
    allowed: ['admin'],
    forbidden: ['seller', 'moderator'],
  });

  it('lists dead deliveries to an admin, page by page', async () => {
    const { headers } = admin;
    const first = await (await t.request('/api/v1/admin/events/dead?limit=2', { headers })).json();
    expect(first.items).toHaveLength(2);
    expect(first.items[0]).toMatchObject({
      eventName: 'payment.captured',
      handler: 'ledger.record',
      aggregateId: 'pay-1',
      attempts: 1,
      lastError: 'ledger unavailable',
      payload: { amount: 1250000 },
    });
    const second = await (
      await t.request(`/api/v1/admin/events/dead?limit=2&cursor=${first.nextCursor}`, { headers })
    ).json();
    expect(second.items.map((d: { aggregateId: string }) => d.aggregateId)).toEqual(['pay-3']);
    expect(second.nextCursor).toBeNull();
  });
});

describe('POST /api/v1/admin/events/dead/{id}/retry', () => {
  securityCases(() => t, {
    method: 'POST',
    path: `/api/v1/admin/events/dead/${crypto.randomUUID()}/retry`,
    allowed: ['admin'],
    forbidden: [],
  });

  it('puts a dead delivery back in line, and it is delivered', async () => {
    const { headers } = admin;
    const dead = await (await t.request('/api/v1/admin/events/dead', { headers })).json();
    const id = dead.items[0].id as string;
    const res = await t.request(`/api/v1/admin/events/dead/${id}/retry`, {
      method: 'POST',
      headers,
    });
    expect(res.status).toBe(204);
    const [entry] = await t.database.db
      .select()
      .from(auditLog)
      .where(eq(auditLog.action, 'events.delivery_retried'));
    expect(entry).toMatchObject({
      actorId: admin.user.id,
      resourceType: 'event_delivery',
      resourceId: id,
    });
    healthy = true;
    await bus.relayOnce(t.ctx());
    expect(delivered).toEqual(['pay-1']);
    const left = await (await t.request('/api/v1/admin/events/dead', { headers })).json();
    expect(left.items).toHaveLength(2);

    const again = await t.request(`/api/v1/admin/events/dead/${id}/retry`, {
      method: 'POST',
      headers,
    });
    expect(again.status).toBe(404);
  });

  it('answers 400 naming params.id for an id that is not a UUID', async () => {
    const res = await t.request('/api/v1/admin/events/dead/42/retry', {
      method: 'POST',
      headers: admin.headers,
    });
    expect(res.status).toBe(400);
    expect((await problemOf(res)).errors?.map((e) => e.path)).toEqual(['params.id']);
  });
});

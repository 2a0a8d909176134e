import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SignedIn, signedInUser } from '../../test/factories.ts';
import {
  createTestApp,
  expectInvalid,
  expectProblem,
  ok,
  type TestApp,
} from '../../test/harness.ts';
import { securityCases } from '../../test/security.ts';
import { insertOrder, stockOf } from '../modules/orders/lifecycle.test-support.ts';
import { orders } from '../modules/orders/tables.ts';
import type { OrderView } from '../modules/orders/views.ts';
import { ORDER_STATUSES, type OrderStatus } from '../modules/orders/vocabulary.ts';
import {
  createCategory,
  createProduct,
  createSeller,
  type Seller,
} from '../modules/shop/shop.test-support.ts';
import { products, type VariantRow } from '../modules/shop/tables.ts';
import { voucherRedemptions, vouchers } from '../modules/vouchers/tables.ts';
import { auditLog } from '../platform/audit/tables.ts';
import { outboxEvents } from '../platform/events/tables.ts';
import { workflows } from './index.ts';

let t: TestApp;
let seller: Seller;
let otherSeller: Seller;
let buyer: SignedIn;
let otherBuyer: SignedIn;
let admin: SignedIn;
let categoryId: string;

beforeAll(async () => {
  t = await createTestApp();
  seller = await createSeller(t);
  otherSeller = await createSeller(t);
  buyer = await signedInUser(t);
  otherBuyer = await signedInUser(t);
  admin = await signedInUser(t, { roles: ['admin'] });
  categoryId = (await createCategory(t)).id;
});

afterAll(async () => {
  await t?.close();
});

/** A product of its own (stock 10 per variant), so each test reads only its own stock. */
async function stocked(shop = seller, variants = 1) {
  return createProduct(t, shop.shop, {
    categoryId,
    variants: Array.from({ length: variants }, (_, i) => ({
      stock: 10,
      price: 1_000 * (i + 1),
      options: { Size: `S${i}` },
    })),
  });
}

/** An order of `buyer` from the seller's shop in `status`, two of one new product. */
async function orderIn(status: OrderStatus, overrides: { holdExpiresAt?: Date | null } = {}) {
  const { variants } = await stocked();
  const variant = variants[0] as VariantRow;
  const lines = [{ variant, quantity: 2 }];
  const order = await insertOrder(t, buyer.user.id, seller.shop, { status, lines, ...overrides });
  return { order, variant };
}

async function statusOf(id: string): Promise<OrderStatus> {
  const [row] = await t.database.db
    .select({ status: orders.status })
    .from(orders)
    .where(eq(orders.id, id));
  if (!row) throw new Error(`no order ${id}`);
  return row.status;
}

const eventsOf = (name: string, aggregateId: string) =>
  t.database.db
    .select()
    .from(outboxEvents)
    .where(and(eq(outboxEvents.name, name), eq(outboxEvents.aggregateId, aggregateId)));

const cancel = (who: SignedIn, id: string, body: unknown = { reason: 'Changed my mind' }) =>
  t.json('POST', `/api/v1/orders/${id}/cancel`, body, who.headers);
const sellerMove = (id: string, body: unknown, who: SignedIn = seller) =>
  t.json('POST', `/api/v1/seller/orders/${id}/status`, body, who.headers);
const adminMove = (id: string, body: unknown) =>
  t.json('POST', `/api/v1/admin/orders/${id}/status`, body, admin.headers);

/** The details each target needs, so only the state machine decides. */
function bodyFor(to: OrderStatus, actor: 'seller' | 'admin'): Record<string, string> {
  if (to === 'shipped') return { status: to, carrier: 'EMS', trackingNumber: 'EE123456789ET' };
  if (to === 'cancelled') {
    return actor === 'seller'
      ? { status: to, reason: 'Out of stock' }
      : { status: to, note: 'Fraud' };
  }
  return { status: to };
}

/** The machine as the issue states it, written out independently of the code. */
const ALLOWED: Record<'buyer' | 'seller' | 'admin', Partial<Record<OrderStatus, OrderStatus[]>>> = {
  buyer: { pending_payment: ['cancelled'], placed: ['cancelled'] },
  seller: {
    placed: ['confirmed', 'cancelled'],
    confirmed: ['shipped', 'cancelled'],
    shipped: ['delivered'],
  },
  admin: {
    pending_payment: ['placed', 'cancelled'],
    placed: ['confirmed', 'cancelled'],
    confirmed: ['shipped', 'cancelled'],
    shipped: ['delivered'],
    delivered: ['completed'],
  },
};

const SELLER_TARGETS: OrderStatus[] = ['confirmed', 'shipped', 'delivered', 'cancelled'];

const edges = (actor: keyof typeof ALLOWED, targets: readonly OrderStatus[]) =>
  ORDER_STATUSES.flatMap((from) =>
    targets.map((to) => ({ from, to, allowed: ALLOWED[actor][from]?.includes(to) ?? false })),
  );

async function expectMoved(
  res: Response,
  from: OrderStatus,
  to: OrderStatus,
  by: SignedIn,
  role: string,
) {
  const view = await ok<OrderView>(res);
  expect(view.status).toBe(to);
  expect(view.history.at(-1)).toMatchObject({ from, to, by: by.user.id, role });
  expect(await statusOf(view.id)).toBe(to);
}

async function expectRefused(
  res: Response,
  id: string,
  from: OrderStatus,
  role: keyof typeof ALLOWED,
) {
  // Sellers and admins sent the status they asked for; the buyer's cancel sends none, so the
  // refusal names the order's own status.
  const path = role === 'buyer' ? 'status' : 'body.status';
  const problem = await expectProblem(res, 409, 'invalid-transition', [path]);
  const allowed = ALLOWED[role][from] ?? [];
  expect(problem.detail).toContain(from.replace('_', ' '));
  expect(problem.errors?.[0]?.message).toBe(
    `current: ${from}; allowed: ${allowed.length > 0 ? allowed.join(', ') : 'none'}`,
  );
  expect(await statusOf(id)).toBe(from);
}

describe('the state machine, edge by edge', () => {
  it.each(edges('buyer', ['cancelled']))('buyer: $from -> $to allowed=$allowed', async (edge) => {
    const { order } = await orderIn(edge.from);
    const res = await cancel(buyer, order.id);
    if (edge.allowed) await expectMoved(res, edge.from, edge.to, buyer, 'buyer');
    else await expectRefused(res, order.id, edge.from, 'buyer');
  });

  it.each(edges('seller', SELLER_TARGETS))(
    'seller: $from -> $to allowed=$allowed',
    async (edge) => {
      const { order } = await orderIn(edge.from);
      const res = await sellerMove(order.id, bodyFor(edge.to, 'seller'));
      if (edge.allowed) await expectMoved(res, edge.from, edge.to, seller, 'seller');
      else await expectRefused(res, order.id, edge.from, 'seller');
    },
  );

  it.each(edges('admin', ORDER_STATUSES))('admin: $from -> $to allowed=$allowed', async (edge) => {
    const { order } = await orderIn(edge.from);
    const res = await adminMove(order.id, bodyFor(edge.to, 'admin'));
    if (edge.allowed) await expectMoved(res, edge.from, edge.to, admin, 'admin');
    else await expectRefused(res, order.id, edge.from, 'admin');
  });
});

describe('what a move needs', () => {
  it('ships only with a carrier and a tracking number (422 naming both)', async () => {
    const { order } = await orderIn('confirmed');
    await expectProblem(await sellerMove(order.id, { status: 'shipped' }), 422, 'missing-details', [
      'body.carrier',
      'body.trackingNumber',
    ]);
    await expectProblem(
      await adminMove(order.id, { status: 'shipped', carrier: 'EMS' }),
      422,
      'missing-details',
      ['body.trackingNumber'],
    );
    expect(await statusOf(order.id)).toBe('confirmed');
    const view = await ok<OrderView>(
      await sellerMove(order.id, { status: 'shipped', carrier: 'EMS', trackingNumber: 'T-1' }),
    );
    expect(view).toMatchObject({ carrier: 'EMS', trackingNumber: 'T-1' });
  });

  it('a seller cancels only with a reason, which the order keeps', async () => {
    const { order } = await orderIn('placed');
    await expectProblem(
      await sellerMove(order.id, { status: 'cancelled' }),
      422,
      'missing-details',
      ['body.reason'],
    );
    const view = await ok<OrderView>(
      await sellerMove(order.id, { status: 'cancelled', reason: 'Damaged in storage' }),
    );
    expect(view.cancelReason).toBe('Damaged in storage');
    expect(view.history.at(-1)?.note).toBe('Damaged in storage');
  });

  it('refuses details that do not belong to the move, and bad bodies, naming the fields', async () => {
    const { order } = await orderIn('placed');
    await expectInvalid(
      await sellerMove(order.id, { status: 'confirmed', carrier: 'EMS', reason: 'x' }),
      ['body.carrier', 'body.reason'],
    );
    await expectInvalid(await sellerMove(order.id, { status: 'completed' }), ['body.status']);
    await expectInvalid(await sellerMove(order.id, { status: 'confirmed', extra: 1 }), [
      'body.extra',
    ]);
    await expectInvalid(await adminMove(order.id, { status: 'lost' }), ['body.status']);
    await expectInvalid(await cancel(buyer, order.id, {}), ['body.reason']);
    await expectInvalid(await cancel(buyer, order.id, { reason: '   ' }), ['body.reason']);
    await expectInvalid(await cancel(buyer, 'not-a-uuid'), ['params.id']);
    expect(await statusOf(order.id)).toBe('placed');
  });
});

describe('whose orders', () => {
  it('a buyer cannot see or cancel another buyer’s order (404)', async () => {
    const { order } = await orderIn('placed');
    await expectProblem(
      await t.request(`/api/v1/orders/${order.id}`, { headers: otherBuyer.headers }),
      404,
      'not-found',
    );
    await expectProblem(await cancel(otherBuyer, order.id), 404, 'not-found');
    expect(await statusOf(order.id)).toBe('placed');
  });

  it('a seller cannot see or move another shop’s order (404)', async () => {
    const { order } = await orderIn('placed');
    await expectProblem(
      await t.request(`/api/v1/seller/orders/${order.id}`, { headers: otherSeller.headers }),
      404,
      'not-found',
    );
    await expectProblem(
      await sellerMove(order.id, { status: 'confirmed' }, otherSeller),
      404,
      'not-found',
    );
    expect(await statusOf(order.id)).toBe('placed');
  });

  it('a seller without a shop gets 404 no-shop', async () => {
    const shopless = await signedInUser(t, { roles: ['seller'] });
    const { order } = await orderIn('placed');
    await expectProblem(
      await sellerMove(order.id, { status: 'confirmed' }, shopless),
      404,
      'no-shop',
    );
  });

  it('an unknown order is 404 for every actor', async () => {
    const id = '01900000-0000-7000-8000-000000000000';
    await expectProblem(await cancel(buyer, id), 404, 'not-found');
    await expectProblem(await sellerMove(id, { status: 'confirmed' }), 404, 'not-found');
    await expectProblem(await adminMove(id, { status: 'confirmed' }), 404, 'not-found');
  });

  it('the buyer reads their order with its whole history', async () => {
    const { order } = await orderIn('placed');
    await ok(await sellerMove(order.id, { status: 'confirmed', note: 'Packing today' }));
    const view = await ok<OrderView>(
      await t.request(`/api/v1/orders/${order.id}`, { headers: buyer.headers }),
    );
    expect(view.history.map((h) => [h.from, h.to, h.role, h.note])).toEqual([
      [null, 'placed', 'buyer', null],
      ['placed', 'confirmed', 'seller', 'Packing today'],
    ]);
    const asSeller = await ok<OrderView>(
      await t.request(`/api/v1/seller/orders/${order.id}`, { headers: seller.headers }),
    );
    expect(asSeller.history).toEqual(view.history);
  });
});

describe('side effects', () => {
  it('cancelling returns the stock once, records the release, publishes both events', async () => {
    const { order, variant } = await orderIn('placed');
    expect(await stockOf(t, variant.id)).toBe(8);
    await ok(await cancel(buyer, order.id));
    expect(await stockOf(t, variant.id)).toBe(10);
    await expectProblem(await cancel(buyer, order.id), 409, 'invalid-transition');
    await expectProblem(
      await adminMove(order.id, { status: 'cancelled' }),
      409,
      'invalid-transition',
    );
    expect(await stockOf(t, variant.id)).toBe(10);
    const [row] = await t.database.db.select().from(orders).where(eq(orders.id, order.id));
    expect(row?.releasedAt).toBeInstanceOf(Date);
    expect(row?.cancelReason).toBe('Changed my mind');
    const [changed] = await eventsOf('order.status_changed', order.id);
    expect(changed?.payload).toMatchObject({ from: 'placed', to: 'cancelled', by: buyer.user.id });
    const [cancelled] = await eventsOf('order.cancelled', order.id);
    expect(cancelled?.payload).toMatchObject({ reason: 'Changed my mind', by: buyer.user.id });
  });

  it('a seller’s cancel of a confirmed order returns every line’s stock', async () => {
    const { variants } = await stocked(seller, 2);
    const [a, b] = variants as [VariantRow, VariantRow];
    const order = await insertOrder(t, buyer.user.id, seller.shop, {
      status: 'confirmed',
      lines: [
        { variant: a, quantity: 3 },
        { variant: b, quantity: 10 },
      ],
    });
    expect([await stockOf(t, a.id), await stockOf(t, b.id)]).toEqual([7, 0]);
    await ok(await sellerMove(order.id, { status: 'cancelled', reason: 'Cannot ship there' }));
    expect([await stockOf(t, a.id), await stockOf(t, b.id)]).toEqual([10, 10]);
  });

  it('a move leaves the hold of a paid order behind', async () => {
    const { order } = await orderIn('pending_payment');
    const view = await ok<OrderView>(
      await adminMove(order.id, { status: 'placed', note: 'Paid by transfer' }),
    );
    expect(view.holdExpiresAt).toBeNull();
  });

  it('completion adds the quantities to the products’ sold counts, once', async () => {
    const { product, variants } = await stocked(seller, 2);
    const [a, b] = variants as [VariantRow, VariantRow];
    const order = await insertOrder(t, buyer.user.id, seller.shop, {
      status: 'delivered',
      lines: [
        { variant: a, quantity: 2 },
        { variant: b, quantity: 3 },
      ],
    });
    const soldCount = async () =>
      (await t.database.db.select().from(products).where(eq(products.id, product.id)))[0]
        ?.soldCount;
    expect(await soldCount()).toBe(0);
    await ok(await adminMove(order.id, { status: 'completed' }));
    expect(await soldCount()).toBe(5);
    await expectProblem(
      await adminMove(order.id, { status: 'completed' }),
      409,
      'invalid-transition',
    );
    expect(await soldCount()).toBe(5);
    expect(await stockOf(t, a.id)).toBe(8);
  });

  it('seller and admin moves are audited; the buyer’s are not', async () => {
    const { order } = await orderIn('placed');
    await ok(await sellerMove(order.id, { status: 'confirmed' }));
    await ok(
      await adminMove(order.id, { status: 'shipped', carrier: 'EMS', trackingNumber: 'T-9' }),
    );
    const entries = await t.database.db
      .select()
      .from(auditLog)
      .where(eq(auditLog.resourceId, order.id))
      .orderBy(auditLog.occurredAt);
    expect(entries.map((e) => [e.action, e.actorId])).toEqual([
      ['order.confirmed', seller.user.id],
      ['order.shipped', admin.user.id],
    ]);
    expect(entries[1]?.after).toMatchObject({ carrier: 'EMS', trackingNumber: 'T-9' });
    const buyers = await orderIn('placed');
    await ok(await cancel(buyer, buyers.order.id));
    expect(
      await t.database.db.select().from(auditLog).where(eq(auditLog.resourceId, buyers.order.id)),
    ).toEqual([]);
  });

  // The one test with a voucher: cancelling gives its use back through the vouchers module.
  it('gives a cancelled order’s voucher use back once', async () => {
    const [voucher] = await t.database.db
      .insert(vouchers)
      .values({
        shopId: seller.shop.id,
        code: `BACK-${crypto.randomUUID().slice(0, 8)}`,
        type: 'fixed',
        amount: 100,
        currency: seller.shop.currency,
        usageLimit: 1,
        usedCount: 1,
        createdBy: seller.user.id,
      })
      .returning();
    if (!voucher) throw new Error('no voucher');
    const { variants } = await stocked();
    const order = await insertOrder(t, buyer.user.id, seller.shop, {
      lines: [{ variant: variants[0] as VariantRow, quantity: 1 }],
      voucherId: voucher.id,
    });
    await t.database.db
      .insert(voucherRedemptions)
      .values({ voucherId: voucher.id, orderId: order.id, userId: buyer.user.id, discount: 100 });
    await ok(await cancel(buyer, order.id));
    const usedCount = async () =>
      (await t.database.db.select().from(vouchers).where(eq(vouchers.id, voucher.id)))[0]
        ?.usedCount;
    expect(await usedCount()).toBe(0);
    await expectProblem(await cancel(buyer, order.id), 409, 'invalid-transition');
    expect(await usedCount()).toBe(0);
  });
});

describe('orders.expire-unpaid', () => {
  const schedule = () => {
    const found = workflows.schedules?.find((s) => s.name === 'orders.expire-unpaid');
    if (!found) throw new Error('no schedule orders.expire-unpaid');
    return found;
  };

  it('runs every minute', () => {
    expect(schedule().cron).toBe('0 * * * * *');
  });

  it('cancels pending orders whose hold ran out, returning their stock, as the system', async () => {
    const now = new Date(Date.now() + 3_600_000);
    const expired = await orderIn('pending_payment', {
      holdExpiresAt: new Date(now.getTime() - 1),
    });
    const onTime = await orderIn('pending_payment', { holdExpiresAt: now });
    const later = await orderIn('pending_payment', { holdExpiresAt: new Date(now.getTime() + 1) });
    const placed = await orderIn('placed');
    await schedule().run(t.ctx(), now);
    expect(await statusOf(expired.order.id)).toBe('cancelled');
    expect(await statusOf(onTime.order.id)).toBe('cancelled');
    expect(await statusOf(later.order.id)).toBe('pending_payment');
    expect(await statusOf(placed.order.id)).toBe('placed');
    expect(await stockOf(t, expired.variant.id)).toBe(10);
    expect(await stockOf(t, later.variant.id)).toBe(8);
    const view = await ok<OrderView>(
      await t.request(`/api/v1/orders/${expired.order.id}`, { headers: buyer.headers }),
    );
    expect(view.history.at(-1)).toMatchObject({
      from: 'pending_payment',
      to: 'cancelled',
      by: null,
      role: 'system',
    });
    const [event] = await eventsOf('order.cancelled', expired.order.id);
    expect(event?.payload).toMatchObject({ by: null });
    await schedule().run(t.ctx(), now);
    expect(await stockOf(t, expired.variant.id)).toBe(10);
  });
});

securityCases(() => t, {
  method: 'GET',
  path: '/api/v1/orders/01900000-0000-7000-8000-000000000000',
});
securityCases(() => t, {
  method: 'POST',
  path: '/api/v1/orders/01900000-0000-7000-8000-000000000000/cancel',
  body: { reason: 'x' },
});
securityCases(() => t, {
  method: 'GET',
  path: '/api/v1/seller/orders/01900000-0000-7000-8000-000000000000',
  allowed: ['seller'],
  forbidden: [],
});
securityCases(() => t, {
  method: 'POST',
  path: '/api/v1/seller/orders/01900000-0000-7000-8000-000000000000/status',
  body: { status: 'confirmed' },
  allowed: ['seller'],
  forbidden: [],
});
securityCases(() => t, {
  method: 'POST',
  path: '/api/v1/admin/orders/01900000-0000-7000-8000-000000000000/status',
  body: { status: 'confirmed' },
  allowed: ['admin'],
  forbidden: ['seller', 'moderator'],
});

import { and, eq, inArray } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { type SignedIn, signedInUser } from '../../../test/factories.ts';
import {
  createTestApp,
  expectInvalid,
  expectProblem,
  ok,
  problemOf,
} from '../../../test/harness.ts';
import { securityCases } from '../../../test/security.ts';
import { auditLog } from '../../platform/audit/tables.ts';
import { outboxEvents } from '../../platform/events/tables.ts';
import { createCategory, createProduct, createSeller } from './shop.test-support.ts';
import type { ShopListPage } from './shop-admin.ts';
import type { PublicShopView } from './shops.ts';
import { products, shops } from './tables.ts';
import type { ShopView } from './views.ts';

const t = await createTestApp();
afterAll(() => t.close());

const ADMIN = '/api/v1/admin/shops';
const REASON = { reason: 'Counterfeit goods reported by buyers.' };

let moderator: SignedIn;
const staff = async () => {
  moderator ??= await signedInUser(t, { roles: ['moderator'] });
  return moderator;
};

const decide = async (id: string, decision: string, body?: unknown) =>
  body === undefined
    ? t.request(`${ADMIN}/${id}/${decision}`, { method: 'POST', headers: (await staff()).headers })
    : t.json('POST', `${ADMIN}/${id}/${decision}`, body, (await staff()).headers);

/** A shop opened through the API: pending. */
async function openedShop(name = 'Piassa Crafts') {
  const owner = await signedInUser(t);
  const shop = await ok<ShopView>(
    await t.json(
      'POST',
      '/api/v1/seller/shops',
      {
        name,
        currency: 'ETB',
        shipping: { flatFee: { amount: 0, currency: 'ETB' }, freeOver: null },
      },
      owner.headers,
    ),
    201,
  );
  return { owner, shop };
}

async function visibility(shopId: string) {
  const rows = await t.database.db
    .select({ visible: products.visible, shopActive: products.shopActive })
    .from(products)
    .where(eq(products.shopId, shopId));
  return rows.map((r) => r.visible);
}

const productCount = async (shopId: string) =>
  (await ok<PublicShopView>(await t.request(`/api/v1/shops/${shopId}`))).productCount;

const id = '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';
for (const route of [
  { method: 'GET', path: ADMIN },
  { method: 'POST', path: `${ADMIN}/${id}/approve` },
  { method: 'POST', path: `${ADMIN}/${id}/suspend`, body: REASON },
  { method: 'POST', path: `${ADMIN}/${id}/reinstate`, body: REASON },
  { method: 'POST', path: `${ADMIN}/${id}/rename/approve` },
  { method: 'POST', path: `${ADMIN}/${id}/rename/reject`, body: REASON },
]) {
  securityCases(() => t, { ...route, allowed: ['moderator'], forbidden: ['seller'] });
}

describe('approving, suspending and reinstating a shop', () => {
  it('puts its products on sale only while it is active', async () => {
    const { owner, shop } = await openedShop();
    const [row] = await t.database.db.select().from(shops).where(eq(shops.id, shop.id));
    if (!row) throw new Error('no shop row');
    const category = await createCategory(t);
    await createProduct(t, row, { categoryId: category.id });
    await createProduct(t, row, { categoryId: category.id, status: 'draft' });
    expect(await visibility(shop.id)).toEqual([false, false]);
    await expectProblem(await t.request(`/api/v1/shops/${shop.id}`), 404, 'not-found');

    const approved = await ok<ShopView>(await decide(shop.id, 'approve'));
    expect(approved).toMatchObject({ status: 'active', statusReason: null });
    expect(Date.parse(approved.approvedAt as string)).toBeGreaterThan(Date.now() - 60_000);
    expect(await visibility(shop.id)).toEqual([true, false]);
    expect(await productCount(shop.id)).toBe(1);

    const suspended = await ok<ShopView>(await decide(shop.id, 'suspend', REASON));
    expect(suspended).toMatchObject({
      status: 'suspended',
      statusReason: REASON.reason,
      approvedAt: approved.approvedAt,
    });
    expect(await visibility(shop.id)).toEqual([false, false]);
    await expectProblem(await t.request(`/api/v1/shops/${shop.id}`), 404, 'not-found');
    const mine = await ok<ShopView>(
      await t.request('/api/v1/seller/shops/me', { headers: owner.headers }),
    );
    expect(mine).toMatchObject({ status: 'suspended', statusReason: REASON.reason });

    const reinstated = await ok<ShopView>(
      await decide(shop.id, 'reinstate', { reason: 'The goods were genuine.' }),
    );
    expect(reinstated).toMatchObject({
      status: 'active',
      statusReason: null,
      approvedAt: approved.approvedAt,
    });
    expect(await visibility(shop.id)).toEqual([true, false]);
    expect(await productCount(shop.id)).toBe(1);

    const audited = await t.database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.resourceType, 'shop'), eq(auditLog.resourceId, shop.id)))
      .orderBy(auditLog.occurredAt, auditLog.id);
    expect(audited.map((a) => [a.action, a.actorId, a.before, a.after])).toEqual([
      [
        'shop.approved',
        moderator.user.id,
        { status: 'pending', statusReason: null },
        { status: 'active', statusReason: null },
      ],
      [
        'shop.suspended',
        moderator.user.id,
        { status: 'active', statusReason: null },
        { status: 'suspended', statusReason: REASON.reason },
      ],
      [
        'shop.reinstated',
        moderator.user.id,
        { status: 'suspended', statusReason: REASON.reason },
        { status: 'active', statusReason: null },
      ],
    ]);
    const events = await t.database.db
      .select()
      .from(outboxEvents)
      .where(
        and(
          eq(outboxEvents.aggregateId, shop.id),
          inArray(outboxEvents.name, ['shop.approved', 'shop.suspended', 'shop.reinstated']),
        ),
      )
      .orderBy(outboxEvents.occurredAt, outboxEvents.id);
    const ref = { shopId: shop.id, ownerId: owner.user.id, by: moderator.user.id };
    expect(events.map((e) => [e.name, e.payload])).toEqual([
      ['shop.approved', ref],
      ['shop.suspended', { ...ref, reason: REASON.reason }],
      ['shop.reinstated', { ...ref, reason: 'The goods were genuine.' }],
    ]);
  });

  it('suspends a pending shop, and reinstating it makes it active', async () => {
    const { shop } = await openedShop();
    expect((await ok<ShopView>(await decide(shop.id, 'suspend', REASON))).status).toBe('suspended');
    const reinstated = await ok<ShopView>(await decide(shop.id, 'reinstate', REASON));
    expect(reinstated.status).toBe('active');
    expect(reinstated.approvedAt).not.toBeNull();
  });

  it('refuses a decision the shop’s status does not allow', async () => {
    const { shop } = await openedShop();
    await expectProblem(await decide(shop.id, 'reinstate', REASON), 409, 'invalid-transition');
    await ok(await decide(shop.id, 'approve'));
    await expectProblem(await decide(shop.id, 'approve'), 409, 'invalid-transition');
    await expectProblem(await decide(shop.id, 'reinstate', REASON), 409, 'invalid-transition');
    await ok(await decide(shop.id, 'suspend', REASON));
    await expectProblem(await decide(shop.id, 'suspend', REASON), 409, 'invalid-transition');
    await expectProblem(await decide(shop.id, 'approve'), 409, 'invalid-transition');
    const seller = await createSeller(t);
    await expectProblem(await decide(seller.shop.id, 'approve'), 409, 'invalid-transition');
  });

  it('refuses a reviewer’s decision on their own shop: own-shop', async () => {
    const reviewer = await signedInUser(t, { roles: ['moderator'] });
    const shop = await ok<ShopView>(
      await t.json(
        'POST',
        '/api/v1/seller/shops',
        {
          name: 'Moderator Goods',
          currency: 'ETB',
          shipping: { flatFee: { amount: 0, currency: 'ETB' }, freeOver: null },
        },
        reviewer.headers,
      ),
      201,
    );
    const res = await t.request(`${ADMIN}/${shop.id}/approve`, {
      method: 'POST',
      headers: reviewer.headers,
    });
    await expectProblem(res, 403, 'own-shop');
    await ok<ShopView>(await decide(shop.id, 'approve'));
  });

  it('answers 404 for an unknown shop and names bad input', async () => {
    await expectProblem(await decide(crypto.randomUUID(), 'approve'), 404, 'not-found');
    await expectProblem(await decide(crypto.randomUUID(), 'suspend', REASON), 404, 'not-found');
    await expectInvalid(await decide('not-an-id', 'approve'), ['params.id']);
    const { shop } = await openedShop();
    await expectInvalid(await decide(shop.id, 'suspend', {}), ['body.reason']);
    await expectInvalid(await decide(shop.id, 'suspend', { reason: '  ' }), ['body.reason']);
    await expectInvalid(await decide(shop.id, 'reinstate', { reason: 'x'.repeat(1001) }), [
      'body.reason',
    ]);
  });
});

describe('GET /admin/shops', () => {
  const list = async (query: string) =>
    t.request(`${ADMIN}?${query}`, { headers: (await staff()).headers });

  /** Every page of a list, following the cursors. */
  async function walk(query: string) {
    const items: ShopView[] = [];
    const totals = new Set<number>();
    let cursor: string | null = null;
    do {
      const after: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
      const page: ShopListPage = await ok<ShopListPage>(await list(`${query}${after}`));
      items.push(...page.items);
      totals.add(page.total);
      cursor = page.nextCursor;
    } while (cursor);
    return { items, totals: [...totals] };
  }

  it('lists pending shops oldest first, page by page, with their total', async () => {
    const opened: string[] = [];
    for (const name of ['Queue One', 'Queue Two', 'Queue Three']) {
      opened.push((await openedShop(name)).shop.id);
    }
    const active = await createSeller(t);
    const { items, totals } = await walk('status=pending&limit=2');
    const ids = items.map((s) => s.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(totals).toEqual([ids.length]);
    expect(items.every((s) => s.status === 'pending')).toBe(true);
    expect(ids.filter((i) => opened.includes(i))).toEqual(opened);
    expect(ids).not.toContain(active.shop.id);
    const created = items.map((s) => s.createdAt);
    expect(created).toEqual([...created].sort());
  });

  it('lists any other status, or every shop, newest first', async () => {
    const older = await createSeller(t);
    const newer = await createSeller(t);
    await ok(await decide((await createSeller(t)).shop.id, 'suspend', REASON));
    await openedShop();
    const { items } = await walk('status=active&limit=100');
    const ids = items.map((s) => s.id);
    expect(ids.indexOf(newer.shop.id)).toBeLessThan(ids.indexOf(older.shop.id));
    expect(ids.indexOf(older.shop.id)).toBeGreaterThanOrEqual(0);
    const all = await walk('limit=100');
    expect(all.totals).toEqual([all.items.length]);
    expect(new Set(all.items.map((s) => s.status))).toEqual(
      new Set(['pending', 'active', 'suspended']),
    );
  });

  it('names bad query parameters and refuses a cursor from another list', async () => {
    await expectInvalid(await list('status=closed&limit=0'), ['query.status', 'query.limit']);
    await createSeller(t);
    await createSeller(t);
    const first = await ok<ShopListPage>(await list('status=active&limit=1'));
    const cursor = encodeURIComponent(first.nextCursor as string);
    const refused = await list(`status=pending&cursor=${cursor}`);
    expect(refused.status).toBe(400);
    const problem = await problemOf(refused);
    expect(problem.code).toBe('invalid-cursor');
    expect(problem.errors?.map((e) => e.path)).toEqual(['query.cursor']);
  });
});

import { and, asc, eq } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SignedIn, signedInUser } from '../../../test/factories.ts';
import { createTestApp, expectInvalid, expectProblem } from '../../../test/harness.ts';
import { securityCases } from '../../../test/security.ts';
import { auditLog } from '../../platform/audit/tables.ts';
import { outboxEvents } from '../../platform/events/tables.ts';
import type { AdminProductView } from './product-moderation.ts';
import { createCategory, createProduct, createSeller, type Seller } from './shop.test-support.ts';
import { type CategoryRow, products } from './tables.ts';
import type { ProductView } from './views.ts';

const t = await createTestApp();
afterAll(() => t.close());

const ADMIN = '/api/v1/admin/products';
const MINUTE_MS = 60_000;

let moderator: SignedIn;
let category: CategoryRow;
beforeAll(async () => {
  moderator = await signedInUser(t, { roles: ['moderator'] });
  category = await createCategory(t);
});

interface AdminPage {
  items: AdminProductView[];
  nextCursor: string | null;
  total: number;
}

async function list(query: string, who: SignedIn = moderator): Promise<AdminPage> {
  const res = await t.request(`${ADMIN}?${query}`, { headers: who.headers });
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as AdminPage;
}

/** Every page of the list, following its cursors. */
async function walk(query: string, limit: number): Promise<AdminPage[]> {
  const pages = [await list(`${query}&limit=${limit}`)];
  for (let page = pages[0]; page?.nextCursor; page = pages.at(-1)) {
    pages.push(await list(`${query}&limit=${limit}&cursor=${encodeURIComponent(page.nextCursor)}`));
  }
  return pages;
}

const decide = (
  id: string,
  verb: 'disable' | 'enable',
  body: unknown = { reason: 'Fake brand.' },
) => t.json('POST', `${ADMIN}/${id}/${verb}`, body, moderator.headers);

async function productOf(res: Response): Promise<ProductView> {
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as ProductView;
}

const rowOf = async (id: string) =>
  (
    await t.database.db
      .select({
        visible: products.visible,
        disabledAt: products.disabledAt,
        disabledReason: products.disabledReason,
      })
      .from(products)
      .where(eq(products.id, id))
  )[0];

/** A shop with products created a minute apart, oldest first, in the statuses given. */
async function shopWith(
  statuses: ('draft' | 'active' | 'archived')[],
  disabled: number[] = [],
): Promise<{ seller: Seller; ids: string[] }> {
  const seller = await createSeller(t);
  const start = Date.now() - statuses.length * MINUTE_MS;
  const ids: string[] = [];
  for (const [i, status] of statuses.entries()) {
    const { product } = await createProduct(t, seller.shop, {
      categoryId: category.id,
      status,
      createdAt: new Date(start + i * MINUTE_MS),
      disabledAt: disabled.includes(i) ? new Date() : null,
    });
    ids.push(product.id);
  }
  return { seller, ids };
}

describe('GET /admin/products', () => {
  it('walks every product of any status, newest created first, with the total', async () => {
    const { seller, ids } = await shopWith(
      ['active', 'draft', 'archived', 'active', 'draft', 'active', 'archived'],
      [3],
    );
    const pages = await walk(`shopId=${seller.shop.id}`, 3);
    expect(pages).toHaveLength(3);
    expect(pages.map((p) => p.total)).toEqual([7, 7, 7]);
    expect(pages.flatMap((p) => p.items.map((item) => item.id))).toEqual([...ids].reverse());
    expect(pages.at(-1)?.nextCursor).toBeNull();

    const [first] = pages[0]?.items ?? [];
    expect(first).toMatchObject({
      id: ids[6],
      shopId: seller.shop.id,
      status: 'archived',
      shop: { id: seller.shop.id, name: seller.shop.name },
      disabled: null,
      inStock: true,
    });
    const disabled = pages.flatMap((p) => p.items).find((item) => item.id === ids[3]);
    expect(disabled?.disabled?.at).toEqual(expect.any(String));
  });

  it('filters by status and by being disabled, each with its own total', async () => {
    const { seller, ids } = await shopWith(
      ['active', 'draft', 'active', 'draft', 'active'],
      [0, 1],
    );
    const shop = `shopId=${seller.shop.id}`;
    const ofQuery = async (query: string) => {
      const pages = await walk(`${shop}&${query}`, 2);
      for (const page of pages) expect(page.total).toBe(pages.flatMap((p) => p.items).length);
      return pages.flatMap((p) => p.items.map((item) => item.id));
    };
    expect(await ofQuery('status=draft')).toEqual([ids[3], ids[1]]);
    expect(await ofQuery('disabled=true')).toEqual([ids[1], ids[0]]);
    expect(await ofQuery('disabled=false')).toEqual([ids[4], ids[3], ids[2]]);
    expect(await ofQuery('status=active&disabled=false')).toEqual([ids[4], ids[2]]);
    expect(await ofQuery('status=archived')).toEqual([]);
  });

  it('spans shops without a shop filter', async () => {
    const one = await shopWith(['draft']);
    const two = await shopWith(['archived']);
    const all = await list('limit=100');
    const seen = all.items.map((item) => item.id);
    expect(seen).toContain(one.ids[0]);
    expect(seen).toContain(two.ids[0]);
    expect(all.total).toBeGreaterThanOrEqual(2);
  });

  it('names every bad parameter, and refuses a cursor of other filters', async () => {
    await expectInvalid(
      await t.request(`${ADMIN}?status=sold&shopId=nope&disabled=yes&limit=0`, {
        headers: moderator.headers,
      }),
      ['query.status', 'query.shopId', 'query.disabled', 'query.limit'],
    );
    const { seller } = await shopWith(['active', 'active']);
    const page = await list(`shopId=${seller.shop.id}&limit=1`);
    const res = await t.request(
      `${ADMIN}?status=draft&limit=1&cursor=${encodeURIComponent(page.nextCursor ?? '')}`,
      { headers: moderator.headers },
    );
    await expectProblem(res, 400, 'invalid-cursor');
  });
});

describe('POST /admin/products/{id}/disable and /enable', () => {
  it('takes a product off sale and puts it back, published and audited', async () => {
    const { seller, ids } = await shopWith(['active']);
    const id = ids[0] as string;
    expect((await rowOf(id))?.visible).toBe(true);

    const disabled = await productOf(await decide(id, 'disable', { reason: ' Fake brand. ' }));
    expect(disabled).toMatchObject({
      id,
      status: 'active',
      disabled: { at: expect.any(String), reason: 'Fake brand.' },
    });
    expect(await rowOf(id)).toMatchObject({ visible: false, disabledReason: 'Fake brand.' });
    expect((await list(`shopId=${seller.shop.id}&disabled=true`)).items.map((i) => i.id)).toEqual([
      id,
    ]);
    await expectProblem(await decide(id, 'disable'), 409, 'already-disabled');

    const enabled = await productOf(await decide(id, 'enable', { reason: 'Seller proved it.' }));
    expect(enabled.disabled).toBeNull();
    expect(await rowOf(id)).toMatchObject({
      visible: true,
      disabledAt: null,
      disabledReason: null,
    });
    await expectProblem(await decide(id, 'enable'), 409, 'not-disabled');

    const events = await t.database.db
      .select({ name: outboxEvents.name, payload: outboxEvents.payload })
      .from(outboxEvents)
      .where(eq(outboxEvents.aggregateId, id))
      .orderBy(asc(outboxEvents.occurredAt), asc(outboxEvents.id));
    expect(events).toEqual([
      {
        name: 'product.disabled',
        payload: {
          productId: id,
          shopId: seller.shop.id,
          reason: 'Fake brand.',
          by: moderator.user.id,
        },
      },
      {
        name: 'product.enabled',
        payload: {
          productId: id,
          shopId: seller.shop.id,
          reason: 'Seller proved it.',
          by: moderator.user.id,
        },
      },
    ]);
    const entries = await t.database.db
      .select({ action: auditLog.action, actorId: auditLog.actorId, after: auditLog.after })
      .from(auditLog)
      .where(and(eq(auditLog.resourceType, 'product'), eq(auditLog.resourceId, id)))
      .orderBy(asc(auditLog.occurredAt), asc(auditLog.id));
    expect(entries).toMatchObject([
      { action: 'product.disabled', actorId: moderator.user.id, after: { visible: false } },
      {
        action: 'product.enabled',
        actorId: moderator.user.id,
        after: { visible: true, reason: 'Seller proved it.' },
      },
    ]);
  });

  it('disables a draft, which stays off sale when enabled again', async () => {
    const { ids } = await shopWith(['draft']);
    const id = ids[0] as string;
    await productOf(await decide(id, 'disable'));
    expect(await rowOf(id)).toMatchObject({ visible: false, disabledReason: 'Fake brand.' });
    const enabled = await productOf(await decide(id, 'enable'));
    expect(enabled).toMatchObject({ status: 'draft', disabled: null });
    expect((await rowOf(id))?.visible).toBe(false);
  });

  it('lets an admin decide too', async () => {
    const admin = await signedInUser(t, { roles: ['admin'] });
    const { ids } = await shopWith(['active']);
    const res = await t.json(
      'POST',
      `${ADMIN}/${ids[0]}/disable`,
      { reason: 'Counterfeit.' },
      admin.headers,
    );
    expect((await productOf(res)).disabled?.reason).toBe('Counterfeit.');
  });

  it('names a bad reason and id, and 404s an unknown product', async () => {
    const { ids } = await shopWith(['active']);
    const id = ids[0] as string;
    for (const verb of ['disable', 'enable'] as const) {
      await expectInvalid(await decide(id, verb, {}), ['body.reason']);
      await expectInvalid(await decide(id, verb, { reason: ' x ', extra: 1 }), [
        'body.reason',
        'body.extra',
      ]);
      await expectInvalid(await decide(id, verb, { reason: 'y'.repeat(501) }), ['body.reason']);
      await expectInvalid(await decide('nope', verb), ['params.id']);
      await expectProblem(await decide(uuidv7(), verb), 404, 'not-found');
    }
    expect((await rowOf(id))?.visible).toBe(true);
  });
});

const someId = uuidv7();
for (const route of [
  { method: 'GET', path: ADMIN },
  { method: 'POST', path: `${ADMIN}/${someId}/disable`, body: { reason: 'Counterfeit.' } },
  { method: 'POST', path: `${ADMIN}/${someId}/enable`, body: { reason: 'Cleared.' } },
]) {
  securityCases(() => t, { ...route, allowed: ['moderator'], forbidden: ['seller'] });
}

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SignedIn, signedInUser } from '../../../test/factories.ts';
import {
  createTestApp,
  expectInvalid,
  expectProblem,
  ok,
  type TestApp,
} from '../../../test/harness.ts';
import { securityCases } from '../../../test/security.ts';
import {
  createCategory,
  createProduct,
  createSeller,
  type Seller,
} from '../shop/shop.test-support.ts';
import { insertOrder } from './lifecycle.test-support.ts';
import type { OrderRow } from './tables.ts';
import type { OrderView } from './views.ts';
import type { OrderStatus } from './vocabulary.ts';

let t: TestApp;
let admin: SignedIn;
let categoryId: string;

beforeAll(async () => {
  t = await createTestApp();
  admin = await signedInUser(t, { roles: ['admin'] });
  categoryId = (await createCategory(t)).id;
});

afterAll(async () => {
  await t?.close();
});

interface Page {
  items: OrderView[];
  nextCursor: string | null;
  total?: number;
}

const DAY = 86_400_000;
const START = Date.parse('2026-03-01T12:00:00.000Z');

/** `statuses.length` orders of `buyer` from `seller`, a day apart from START, in those statuses. */
async function ordersOf(buyer: SignedIn, seller: Seller, statuses: OrderStatus[], offsetDays = 0) {
  const { variants } = await createProduct(t, seller.shop, {
    categoryId,
    variants: [{ stock: 100 }],
  });
  const made: OrderRow[] = [];
  for (const [i, status] of statuses.entries()) {
    made.push(
      await insertOrder(t, buyer.user.id, seller.shop, {
        status,
        lines: [{ variant: variants[0] as NonNullable<(typeof variants)[0]>, quantity: 1 }],
        createdAt: new Date(START + (offsetDays + i) * DAY),
      }),
    );
  }
  return made;
}

/** Every page of `path` at `limit` a page, following the cursors. */
async function walk(path: string, who: SignedIn, limit: number): Promise<OrderView[]> {
  const all: OrderView[] = [];
  let cursor: string | null = null;
  const sep = path.includes('?') ? '&' : '?';
  do {
    const url: string = `${path}${sep}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const page: Page = await ok<Page>(await t.request(url, { headers: who.headers }));
    expect(page.items.length).toBeLessThanOrEqual(limit);
    all.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return all;
}

const newestFirst = (rows: OrderRow[]) => [...rows].reverse().map((r) => r.id);

describe('GET /orders', () => {
  it('lists only the caller’s orders, newest first, over every page', async () => {
    const [buyer, other] = [await signedInUser(t), await signedInUser(t)];
    const seller = await createSeller(t);
    const mine = await ordersOf(buyer, seller, [
      'placed',
      'confirmed',
      'shipped',
      'placed',
      'cancelled',
    ]);
    await ordersOf(other, seller, ['placed', 'placed']);
    const walked = await walk('/api/v1/orders', buyer, 2);
    expect(walked.map((o) => o.id)).toEqual(newestFirst(mine));
    expect(walked.every((o) => o.buyerId === buyer.user.id)).toBe(true);
    expect(walked[0]?.items).toHaveLength(1);
    expect(walked[0]?.history.at(-1)?.to).toBe('cancelled');
  });

  it('filters by status and by dates, inclusive, with cursors walking the filtered list', async () => {
    const buyer = await signedInUser(t);
    const seller = await createSeller(t);
    const mine = await ordersOf(buyer, seller, [
      'placed',
      'confirmed',
      'placed',
      'placed',
      'shipped',
    ]);
    const placed = mine.filter((o) => o.status === 'placed');
    expect((await walk('/api/v1/orders?status=placed', buyer, 1)).map((o) => o.id)).toEqual(
      newestFirst(placed),
    );
    const from = new Date(START + DAY).toISOString();
    const to = new Date(START + 3 * DAY).toISOString();
    const dated = await walk(`/api/v1/orders?from=${from}&to=${to}`, buyer, 2);
    expect(dated.map((o) => o.id)).toEqual(newestFirst(mine.slice(1, 4)));
    const both = await walk(`/api/v1/orders?status=placed&from=${from}`, buyer, 5);
    expect(both.map((o) => o.id)).toEqual(newestFirst(mine.slice(2, 4)));
  });

  it('refuses bad filters and a cursor of another filter, naming the field', async () => {
    const buyer = await signedInUser(t);
    const seller = await createSeller(t);
    await ordersOf(buyer, seller, ['placed', 'placed']);
    const get = (q: string) => t.request(`/api/v1/orders?${q}`, { headers: buyer.headers });
    await expectInvalid(await get('status=lost'), ['query.status']);
    await expectInvalid(await get('from=yesterday'), ['query.from']);
    await expectInvalid(
      await get(`from=${new Date(START + DAY).toISOString()}&to=${new Date(START).toISOString()}`),
      ['query.to'],
    );
    await expectInvalid(await get('limit=0'), ['query.limit']);
    const first = await ok<Page>(await get('limit=1'));
    expect(first.nextCursor).not.toBeNull();
    await expectProblem(
      await get(`status=placed&limit=1&cursor=${encodeURIComponent(first.nextCursor ?? '')}`),
      400,
      'invalid-cursor',
      ['query.cursor'],
    );
  });

  it('a buyer never walks into another buyer’s list with a cursor', async () => {
    const [buyer, other] = [await signedInUser(t), await signedInUser(t)];
    const seller = await createSeller(t);
    await ordersOf(buyer, seller, ['placed', 'placed', 'placed']);
    await ordersOf(other, seller, ['placed', 'placed', 'placed']);
    const first = await ok<Page>(
      await t.request('/api/v1/orders?limit=1', { headers: buyer.headers }),
    );
    const res = await t.request(
      `/api/v1/orders?limit=1&cursor=${encodeURIComponent(first.nextCursor ?? '')}`,
      { headers: other.headers },
    );
    await expectProblem(res, 400, 'invalid-cursor');
  });
});

describe('GET /seller/orders', () => {
  it('lists only the shop’s orders, filtered, over every page', async () => {
    const [seller, otherSeller] = [await createSeller(t), await createSeller(t)];
    const [a, b] = [await signedInUser(t), await signedInUser(t)];
    const fromA = await ordersOf(a, seller, ['placed', 'confirmed']);
    const fromB = await ordersOf(b, seller, ['placed', 'delivered'], 2);
    await ordersOf(a, otherSeller, ['placed', 'placed']);
    const walked = await walk('/api/v1/seller/orders', seller, 3);
    expect(walked.map((o) => o.id)).toEqual(newestFirst([...fromA, ...fromB]));
    const placed = await walk('/api/v1/seller/orders?status=placed', seller, 1);
    expect(placed.map((o) => o.id)).toEqual([fromB[0]?.id, fromA[0]?.id]);
    const to = new Date(START + DAY).toISOString();
    expect((await walk(`/api/v1/seller/orders?to=${to}`, seller, 5)).map((o) => o.id)).toEqual(
      newestFirst(fromA),
    );
  });

  it('answers 404 no-shop to a seller without a shop', async () => {
    const shopless = await signedInUser(t, { roles: ['seller'] });
    await expectProblem(
      await t.request('/api/v1/seller/orders', { headers: shopless.headers }),
      404,
      'no-shop',
    );
  });
});

describe('GET /admin/orders', () => {
  it('filters by status, shop, buyer and dates, with a total, over every page', async () => {
    const [s1, s2] = [await createSeller(t), await createSeller(t)];
    const [a, b] = [await signedInUser(t), await signedInUser(t)];
    const a1 = await ordersOf(a, s1, ['placed', 'shipped', 'placed'], 10);
    const b1 = await ordersOf(b, s1, ['placed'], 20);
    const a2 = await ordersOf(a, s2, ['cancelled', 'placed'], 30);
    const list = async (q: string, limit = 2) => {
      const path = `/api/v1/admin/orders?${q}`;
      const first = await ok<Page>(
        await t.request(`${path}&limit=${limit}`, { headers: admin.headers }),
      );
      return { total: first.total, ids: (await walk(path, admin, limit)).map((o) => o.id) };
    };
    expect(await list(`shopId=${s1.shop.id}`)).toEqual({
      total: 4,
      ids: newestFirst([...a1, ...b1]),
    });
    expect(await list(`buyerId=${a.user.id}`)).toEqual({
      total: 5,
      ids: newestFirst([...a1, ...a2]),
    });
    expect(await list(`buyerId=${a.user.id}&status=placed`, 1)).toEqual({
      total: 3,
      ids: newestFirst([a1[0], a1[2], a2[1]] as OrderRow[]),
    });
    const from = new Date(START + 11 * DAY).toISOString();
    const to = new Date(START + 30 * DAY).toISOString();
    expect(await list(`buyerId=${a.user.id}&from=${from}&to=${to}`)).toEqual({
      total: 3,
      ids: newestFirst([a1[1], a1[2], a2[0]] as OrderRow[]),
    });
    await expectInvalid(
      await t.request('/api/v1/admin/orders?shopId=nope', { headers: admin.headers }),
      ['query.shopId'],
    );
  });
});

securityCases(() => t, { method: 'GET', path: '/api/v1/orders' });
securityCases(() => t, {
  method: 'GET',
  path: '/api/v1/seller/orders',
  allowed: ['seller'],
  forbidden: [],
});
securityCases(() => t, {
  method: 'GET',
  path: '/api/v1/admin/orders',
  allowed: ['admin'],
  forbidden: ['seller', 'moderator'],
});

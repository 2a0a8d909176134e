import { eq } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { signedInUser } from '../../../test/factories.ts';
import { createTestApp, expectProblem, ok, problemOf } from '../../../test/harness.ts';
import { policies } from '../../platform/http/rate-limit.ts';
import type { CheckoutResult } from '../../workflows/checkout.ts';
import {
  type Buyer,
  createBuyer,
  placeOrder,
  stockedVariant,
} from '../orders/orders.test-support.ts';
import { orders } from '../orders/tables.ts';
import { createSeller, type Seller } from '../shop/shop.test-support.ts';
import type { AvailableVoucher, Validation } from './rules.ts';
import type { VoucherView } from './vouchers.ts';

/**
 * Codes cannot be found out: an unlisted voucher is never shown, yet applies when its code is
 * typed; another shop's code is answered word for word as a code nobody has, by validation and
 * by checkout; and validation is rate-limited per user and per address.
 */

const t = await createTestApp({ env: { TRUST_PROXY_HOPS: '1' } });
afterAll(() => t.close());

const SELLER = '/api/v1/seller/vouchers';
const ADMIN = '/api/v1/admin/vouchers';
const VALIDATE = '/api/v1/vouchers/validate';
const AVAILABLE = '/api/v1/vouchers/available';

const etb = (amount: number) => ({ amount, currency: 'ETB' });

let counter = 0;
const freshCode = (prefix: string) => `${prefix}-${++counter}-${Date.now().toString(36)}`;
/** Each test speaks from addresses of its own, so the per-address counter is its alone. */
const address = () => ({ 'X-Forwarded-For': `203.0.113.${++counter % 250}` });

type Who = { headers: Record<string, string> };

const create = async (who: Who, body: Record<string, unknown>, base = SELLER) =>
  ok<VoucherView>(await t.json('POST', base, body, who.headers), 201);

const validateRes = (
  who: Who,
  code: string,
  shopId: string,
  from: Record<string, string> = address(),
) => t.json('POST', VALIDATE, { code, shopId, subtotal: etb(10_000) }, { ...who.headers, ...from });

const validate = async (who: Who, code: string, shopId: string) =>
  ok<Validation>(await validateRes(who, code, shopId));

async function availableIds(who: Who, shopId: string): Promise<string[]> {
  const query = `shopId=${shopId}&subtotal=10000&currency=ETB`;
  const { items } = await ok<{ items: AvailableVoucher[] }>(
    await t.request(`${AVAILABLE}?${query}`, { headers: who.headers }),
  );
  return items.map((item) => item.voucher.id);
}

/** A refused checkout's problem, without the request id that tells any two answers apart. */
async function refusedCheckout(buyer: Buyer, variantId: string, shopId: string, code: string) {
  const res = await placeOrder(t, buyer, {
    items: [{ variantId, quantity: 1 }],
    vouchers: { [shopId]: code },
  });
  expect(res.status, await res.clone().text()).toBe(409);
  const { requestId: _, ...problem } = await problemOf(res);
  return problem;
}

describe('unlisted vouchers', () => {
  it('stay off the available list, yet validate and apply at checkout when their code is typed', async () => {
    const seller = await createSeller(t);
    const buyer = await createBuyer(t);
    const shop = seller.shop.id;
    const open = await create(seller, { code: freshCode('OPEN'), type: 'percent', percent: 5 });
    expect(open.listed).toBe(true);
    const hidden = await create(seller, {
      code: freshCode('FRIENDS'),
      type: 'percent',
      percent: 30,
      listed: false,
    });
    expect(hidden.listed).toBe(false);
    const shown = await availableIds(buyer, shop);
    expect(shown).toContain(open.id);
    expect(shown).not.toContain(hidden.id);

    expect(await validate(buyer, hidden.code.toLowerCase(), shop)).toMatchObject({
      applicable: true,
      discount: etb(3_000),
      voucher: { id: hidden.id },
    });
    const made = await stockedVariant(t, seller.shop, { price: 10_000, stock: 2 });
    const placed = await ok<CheckoutResult>(
      await placeOrder(t, buyer, {
        items: [{ variantId: made.variant.id, quantity: 1 }],
        vouchers: { [shop]: hidden.code },
      }),
      201,
    );
    expect(placed.orders[0]).toMatchObject({ discount: etb(3_000), voucherCode: hidden.code });
  });

  it('are listed or unlisted by a PATCH, the seller’s and the platform’s alike', async () => {
    const seller = await createSeller(t);
    const admin = await signedInUser(t, { roles: ['admin'] });
    const buyer = await signedInUser(t);
    const shop = seller.shop.id;
    const own = await create(seller, { code: freshCode('OWN'), type: 'percent', percent: 10 });
    const platform = await create(
      admin,
      { code: freshCode('PLAT'), type: 'fixed', amount: etb(100), currency: 'ETB', listed: false },
      ADMIN,
    );
    expect(platform.listed).toBe(false);
    expect(await availableIds(buyer, shop)).not.toContain(platform.id);
    expect(await validate(buyer, platform.code, shop)).toMatchObject({ applicable: true });

    const hide = await t.json('PATCH', `${SELLER}/${own.id}`, { listed: false }, seller.headers);
    expect((await ok<VoucherView>(hide)).listed).toBe(false);
    const show = await t.json('PATCH', `${ADMIN}/${platform.id}`, { listed: true }, admin.headers);
    expect((await ok<VoucherView>(show)).listed).toBe(true);
    const shown = await availableIds(buyer, shop);
    expect(shown).toContain(platform.id);
    expect(shown).not.toContain(own.id);
  });
});

describe('another shop’s code', () => {
  it('is answered by validation exactly as a code nobody has', async () => {
    const mine = await createSeller(t);
    const buyer = await signedInUser(t);
    const listedCode = freshCode('ELSEWHERE');
    const unlistedCode = freshCode('SECRET');
    const before = [
      await validate(buyer, listedCode, mine.shop.id),
      await validate(buyer, unlistedCode, mine.shop.id),
    ];
    expect(before[0]).toEqual({
      applicable: false,
      reason: 'not-found',
      message: `No voucher ${listedCode}.`,
    });

    const other: Seller = await createSeller(t);
    await create(other, { code: listedCode, type: 'percent', percent: 10 });
    await create(other, { code: unlistedCode, type: 'percent', percent: 50, listed: false });
    expect([
      await validate(buyer, listedCode, mine.shop.id),
      await validate(buyer, unlistedCode, mine.shop.id),
    ]).toEqual(before);
    // The code is real: at its own shop it applies.
    expect(await validate(buyer, unlistedCode, other.shop.id)).toMatchObject({ applicable: true });
  });

  it('is refused by checkout exactly as a code nobody has, ordering nothing', async () => {
    const mine = await createSeller(t);
    const buyer = await createBuyer(t);
    const made = await stockedVariant(t, mine.shop, { stock: 3 });
    const code = freshCode('THEIRS');
    const unknown = await refusedCheckout(buyer, made.variant.id, mine.shop.id, code);
    expect(unknown).toMatchObject({
      status: 409,
      code: 'voucher-not-applicable',
      detail: `No voucher ${code}.`,
      errors: [{ path: `body.vouchers.${mine.shop.id}`, message: `No voucher ${code}.` }],
    });

    const other = await createSeller(t);
    await create(other, { code, type: 'fixed', amount: etb(500), listed: false });
    expect(await refusedCheckout(buyer, made.variant.id, mine.shop.id, code)).toEqual(unknown);
    expect(
      await t.database.db.select().from(orders).where(eq(orders.buyerId, buyer.user.id)),
    ).toEqual([]);
  });
});

describe('POST /vouchers/validate rate limits', () => {
  it(`allows a user ${policies.voucherChecks.points} checks per window, then 429 with Retry-After`, async () => {
    const seller = await createSeller(t);
    const guesser = await signedInUser(t);
    const from = address();
    for (let i = 0; i < policies.voucherChecks.points; i++) {
      expect((await validateRes(guesser, `GUESS-${i}`, seller.shop.id, from)).status).toBe(200);
    }
    const refused = await validateRes(guesser, 'GUESS-LAST', seller.shop.id, from);
    await expectProblem(refused, 429, 'too-many-requests');
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    // From another address the same user is still refused; another user here is not.
    await expectProblem(
      await validateRes(guesser, 'GUESS-LAST', seller.shop.id),
      429,
      'too-many-requests',
    );
    expect(
      (await validateRes(await signedInUser(t), 'GUESS-LAST', seller.shop.id, from)).status,
    ).toBe(200);
  });

  it(`allows an address ${policies.voucherChecksByAddress.points} checks per window, however many accounts send them`, async () => {
    const seller = await createSeller(t);
    const from = address();
    const perUser = policies.voucherChecks.points;
    let left = policies.voucherChecksByAddress.points;
    while (left > 0) {
      const account = await signedInUser(t);
      const batch = Math.min(perUser, left);
      for (let i = 0; i < batch; i++) {
        expect(
          (await validateRes(account, `GUESS-${left}-${i}`, seller.shop.id, from)).status,
        ).toBe(200);
      }
      left -= batch;
    }
    const fresh = await signedInUser(t);
    await expectProblem(
      await validateRes(fresh, 'GUESS-X', seller.shop.id, from),
      429,
      'too-many-requests',
    );
    expect((await validateRes(fresh, 'GUESS-X', seller.shop.id)).status).toBe(200);
  });
});

import { and, eq } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { type SignedIn, signedInUser } from '../../../test/factories.ts';
import { createTestApp, expectInvalid, expectProblem, ok } from '../../../test/harness.ts';
import { securityCases } from '../../../test/security.ts';
import { auditLog } from '../../platform/audit/tables.ts';
import { DomainError } from '../../platform/core/errors.ts';
import { withTransaction } from '../../platform/db/transaction.ts';
import { createSeller, type Seller } from '../shop/shop.test-support.ts';
import { type RedeemInput, redeemVoucher, releaseVoucher } from './redemptions.ts';
import type { AvailableVoucher, Validation } from './rules.ts';
import { voucherRedemptions } from './tables.ts';
import { placedOrder, voucherRow } from './vouchers.test-support.ts';
import type { VoucherView } from './vouchers.ts';

const t = await createTestApp();
afterAll(() => t.close());

const SELLER = '/api/v1/seller/vouchers';
const ADMIN = '/api/v1/admin/vouchers';
const VALIDATE = '/api/v1/vouchers/validate';
const AVAILABLE = '/api/v1/vouchers/available';
const ID = '0190a000-0000-7000-8000-000000000000';

const etb = (amount: number) => ({ amount, currency: 'ETB' });
const usd = (amount: number) => ({ amount, currency: 'USD' });
const kes = (amount: number) => ({ amount, currency: 'KES' });
const hour = 3_600_000;

let codes = 0;
const freshCode = (prefix = 'V') => `${prefix}-${++codes}-${Date.now().toString(36)}`;

type Who = { headers: Record<string, string> };

const create = async (who: Who, body: Record<string, unknown>, base = SELLER) =>
  ok<VoucherView>(await t.json('POST', base, body, who.headers), 201);

const percentVoucher = (overrides: Record<string, unknown> = {}) => ({
  code: freshCode('PCT'),
  type: 'percent',
  percent: 10,
  ...overrides,
});

const validate = async (who: Who, code: string, shopId: string, subtotal = etb(10_000)) =>
  ok<Validation>(await t.json('POST', VALIDATE, { code, shopId, subtotal }, who.headers));

async function expectRefusal(
  who: Who,
  code: string,
  shopId: string,
  reason: string,
  subtotal?: { amount: number; currency: string },
) {
  const verdict = await validate(who, code, shopId, subtotal);
  expect(verdict).toMatchObject({ applicable: false, reason, message: expect.any(String) });
}

async function discountOf(who: Who, code: string, shopId: string, subtotal: number) {
  const verdict = await validate(who, code, shopId, etb(subtotal));
  if (!verdict.applicable) throw new Error(`not applicable: ${verdict.reason}`);
  return verdict.discount.amount;
}

/** Redeems through a service context, as checkout does inside its transaction. */
async function redeem(
  buyer: SignedIn,
  seller: Seller,
  code: string,
  overrides: Partial<RedeemInput> = {},
) {
  const orderId = await placedOrder(t, buyer.user.id, seller.shop);
  const redeemed = await withTransaction(t.ctx(), (tx) =>
    redeemVoucher(tx, {
      code,
      shopId: seller.shop.id,
      userId: buyer.user.id,
      orderId,
      subtotal: 10_000,
      currency: 'ETB',
      now: new Date(),
      ...overrides,
    }),
  );
  return { orderId, redeemed };
}

async function refusedRedemption(promise: Promise<unknown>, shopId: string) {
  const error = await promise.then(
    () => {
      throw new Error('expected a refusal');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DomainError);
  const domain = error as DomainError;
  expect(domain.kind).toBe('conflict');
  expect(domain.code).toBe('voucher-not-applicable');
  expect(domain.fields).toEqual([{ path: `vouchers.${shopId}`, message: domain.message }]);
  return domain;
}

describe('seller vouchers', () => {
  it('creates, reads, lists, changes and deactivates the shop’s vouchers', async () => {
    const seller = await createSeller(t);
    const code = freshCode('Summer');
    const created = await create(seller, {
      code,
      type: 'percent',
      percent: 15,
      maxDiscount: etb(5_000),
      minSubtotal: etb(1_000),
      startsAt: '2026-01-01T00:00:00Z',
      endsAt: '2099-01-01T00:00:00+03:00',
      usageLimit: 100,
      perUserLimit: 2,
    });
    expect(created).toEqual({
      id: expect.any(String),
      shopId: seller.shop.id,
      code,
      type: 'percent',
      percent: 15,
      amount: null,
      maxDiscount: etb(5_000),
      minSubtotal: etb(1_000),
      currency: 'ETB',
      startsAt: '2026-01-01T00:00:00.000Z',
      endsAt: '2098-12-31T21:00:00.000Z',
      usageLimit: 100,
      perUserLimit: 2,
      usedCount: 0,
      listed: true,
      active: true,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    expect(
      await ok(await t.request(`${SELLER}/${created.id}`, { headers: seller.headers })),
    ).toEqual(created);

    const fixed = await create(seller, {
      code: freshCode('FIX'),
      type: 'fixed',
      amount: etb(2_000),
    });
    const changed = await ok<VoucherView>(
      await t.json(
        'PATCH',
        `${SELLER}/${created.id}`,
        { percent: 20, maxDiscount: null, usageLimit: null },
        seller.headers,
      ),
    );
    expect(changed).toMatchObject({
      percent: 20,
      maxDiscount: null,
      usageLimit: null,
      perUserLimit: 2,
    });

    const deleted = await t.request(`${SELLER}/${fixed.id}`, {
      method: 'DELETE',
      headers: seller.headers,
    });
    expect(deleted.status).toBe(204);
    expect((await voucherRow(t, fixed.id)).active).toBe(false);

    const all = await ok<{ items: VoucherView[] }>(
      await t.request(SELLER, { headers: seller.headers }),
    );
    expect(all.items.map((v) => v.id)).toEqual([fixed.id, created.id]);
    const active = await ok<{ items: VoucherView[] }>(
      await t.request(`${SELLER}?active=true`, { headers: seller.headers }),
    );
    expect(active.items.map((v) => v.id)).toEqual([created.id]);
    const inactive = await ok<{ items: VoucherView[] }>(
      await t.request(`${SELLER}?active=false`, { headers: seller.headers }),
    );
    expect(inactive.items.map((v) => v.id)).toEqual([fixed.id]);

    const revived = await ok<VoucherView>(
      await t.json('PATCH', `${SELLER}/${fixed.id}`, { active: true }, seller.headers),
    );
    expect(revived.active).toBe(true);
  });

  it('pages with a cursor, newest first', async () => {
    const seller = await createSeller(t);
    const made = [];
    for (let i = 0; i < 3; i++) made.push(await create(seller, percentVoucher()));
    const first = await ok<{ items: VoucherView[]; nextCursor: string }>(
      await t.request(`${SELLER}?limit=2`, { headers: seller.headers }),
    );
    expect(first.items.map((v) => v.id)).toEqual([made[2]?.id, made[1]?.id]);
    const second = await ok<{ items: VoucherView[]; nextCursor: string | null }>(
      await t.request(`${SELLER}?limit=2&cursor=${encodeURIComponent(first.nextCursor)}`, {
        headers: seller.headers,
      }),
    );
    expect(second.items.map((v) => v.id)).toEqual([made[0]?.id]);
    expect(second.nextCursor).toBeNull();
    await expectProblem(
      await t.request(`${SELLER}?cursor=forged`, { headers: seller.headers }),
      400,
      'invalid-cursor',
      ['query.cursor'],
    );
  });

  it('keeps another seller’s vouchers out of reach: 404', async () => {
    const [owner, other] = [await createSeller(t), await createSeller(t)];
    const voucher = await create(owner, percentVoucher());
    const path = `${SELLER}/${voucher.id}`;
    await expectProblem(await t.request(path, { headers: other.headers }), 404, 'not-found');
    await expectProblem(
      await t.json('PATCH', path, { percent: 50 }, other.headers),
      404,
      'not-found',
    );
    await expectProblem(
      await t.request(path, { method: 'DELETE', headers: other.headers }),
      404,
      'not-found',
    );
    const listed = await ok<{ items: VoucherView[] }>(
      await t.request(SELLER, { headers: other.headers }),
    );
    expect(listed.items).toEqual([]);
    expect((await voucherRow(t, voucher.id)).percent).toBe(10);
  });

  it('answers 404 no-shop to a seller without a shop', async () => {
    const seller = await signedInUser(t, { roles: ['seller'] });
    await expectProblem(
      await t.json('POST', SELLER, percentVoucher(), seller.headers),
      404,
      'no-shop',
    );
  });

  it('refuses a code the shop has in any case, naming body.code; another shop may have it', async () => {
    const [seller, other] = [await createSeller(t), await createSeller(t)];
    const code = freshCode('Dup');
    const first = await create(seller, percentVoucher({ code }));
    const problem = await expectProblem(
      await t.json('POST', SELLER, percentVoucher({ code: code.toUpperCase() }), seller.headers),
      409,
      'voucher-code-taken',
      ['body.code'],
    );
    expect(problem.detail).toContain(code.toUpperCase());
    await create(other, percentVoucher({ code }));
    const second = await create(seller, percentVoucher());
    await expectProblem(
      await t.json('PATCH', `${SELLER}/${second.id}`, { code: code.toLowerCase() }, seller.headers),
      409,
      'voucher-code-taken',
      ['body.code'],
    );
    // Its own code in another case is no clash.
    const renamed = await ok<VoucherView>(
      await t.json('PATCH', `${SELLER}/${first.id}`, { code: code.toLowerCase() }, seller.headers),
    );
    expect(renamed.code).toBe(code.toLowerCase());
  });

  it('names every malformed field (400)', async () => {
    const seller = await createSeller(t);
    await expectInvalid(
      await t.json(
        'POST',
        SELLER,
        { code: 'a b', type: 'half', percent: 101, usageLimit: 0, startsAt: 'tomorrow', extra: 1 },
        seller.headers,
      ),
      ['body.code', 'body.type', 'body.percent', 'body.usageLimit', 'body.startsAt', 'body.extra'],
    );
    await expectInvalid(
      await t.json('POST', SELLER, { code: 'ab', type: 'fixed', amount: etb(1.5) }, seller.headers),
      ['body.code', 'body.amount.amount'],
    );
    const voucher = await create(seller, percentVoucher());
    await expectInvalid(await t.json('PATCH', `${SELLER}/${voucher.id}`, {}, seller.headers), [
      'body',
    ]);
    await expectInvalid(await t.request(`${SELLER}/not-an-id`, { headers: seller.headers }), [
      'params.id',
    ]);
  });

  it('names every field breaking a rule (422)', async () => {
    const seller = await createSeller(t);
    const rules = async (body: Record<string, unknown>, paths: string[]) =>
      expectProblem(
        await t.json('POST', SELLER, { code: freshCode(), ...body }, seller.headers),
        422,
        'invalid-voucher',
        paths,
      );
    await rules({ type: 'percent' }, ['body.percent']);
    await rules({ type: 'percent', percent: 5, amount: etb(100) }, ['body.amount']);
    await rules({ type: 'fixed' }, ['body.amount']);
    await rules({ type: 'fixed', amount: etb(100), percent: 5, maxDiscount: etb(50) }, [
      'body.percent',
      'body.maxDiscount',
    ]);
    await rules({ type: 'fixed', amount: usd(100), minSubtotal: usd(1_000) }, [
      'body.amount.currency',
      'body.minSubtotal.currency',
    ]);
    await rules({ type: 'percent', percent: 5, maxDiscount: usd(100) }, [
      'body.maxDiscount.currency',
    ]);
    await rules(
      {
        type: 'percent',
        percent: 5,
        startsAt: '2030-01-02T00:00:00Z',
        endsAt: '2030-01-01T00:00:00Z',
      },
      ['body.endsAt'],
    );
    const voucher = await create(seller, percentVoucher({ startsAt: '2030-01-02T00:00:00Z' }));
    await expectProblem(
      await t.json(
        'PATCH',
        `${SELLER}/${voucher.id}`,
        { endsAt: '2030-01-01T00:00:00Z' },
        seller.headers,
      ),
      422,
      'invalid-voucher',
      ['body.endsAt'],
    );
    await expectProblem(
      await t.json('PATCH', `${SELLER}/${voucher.id}`, { type: 'fixed' }, seller.headers),
      422,
      'invalid-voucher',
      ['body.amount'],
    );
  });

  it('switches kind, dropping the other kind’s fields', async () => {
    const seller = await createSeller(t);
    const voucher = await create(seller, percentVoucher({ maxDiscount: etb(500) }));
    const fixed = await ok<VoucherView>(
      await t.json(
        'PATCH',
        `${SELLER}/${voucher.id}`,
        { type: 'fixed', amount: etb(700) },
        seller.headers,
      ),
    );
    expect(fixed).toMatchObject({
      type: 'fixed',
      amount: etb(700),
      percent: null,
      maxDiscount: null,
    });
    const back = await ok<VoucherView>(
      await t.json(
        'PATCH',
        `${SELLER}/${voucher.id}`,
        { type: 'percent', percent: 30 },
        seller.headers,
      ),
    );
    expect(back).toMatchObject({ type: 'percent', percent: 30, amount: null });
  });

  it('never lowers usageLimit below the uses counted (409)', async () => {
    const seller = await createSeller(t);
    const voucher = await create(seller, percentVoucher({ usageLimit: 5 }));
    for (let i = 0; i < 3; i++) await redeem(await signedInUser(t), seller, voucher.code);
    await expectProblem(
      await t.json('PATCH', `${SELLER}/${voucher.id}`, { usageLimit: 2 }, seller.headers),
      409,
      'usage-limit-below-used',
      ['body.usageLimit'],
    );
    const patched = await ok<VoucherView>(
      await t.json('PATCH', `${SELLER}/${voucher.id}`, { usageLimit: 3 }, seller.headers),
    );
    expect(patched).toMatchObject({ usageLimit: 3, usedCount: 3 });
  });
});

describe('platform vouchers', () => {
  it('creates, lists, changes and deactivates them, audited; sellers never reach them', async () => {
    const admin = await signedInUser(t, { roles: ['admin'] });
    const code = freshCode('WELCOME');
    const voucher = await create(
      admin,
      { code, type: 'fixed', amount: usd(500), currency: 'usd' },
      ADMIN,
    );
    expect(voucher).toMatchObject({ shopId: null, code, currency: 'USD', amount: usd(500) });
    await expectProblem(
      await t.json(
        'POST',
        ADMIN,
        { code: code.toLowerCase(), type: 'percent', percent: 5, currency: 'ETB' },
        admin.headers,
      ),
      409,
      'voucher-code-taken',
      ['body.code'],
    );
    await expectProblem(
      await t.json(
        'POST',
        ADMIN,
        { code: freshCode(), type: 'fixed', amount: etb(500), currency: 'USD' },
        admin.headers,
      ),
      422,
      'invalid-voucher',
      ['body.amount.currency'],
    );
    await expectInvalid(
      await t.json(
        'POST',
        ADMIN,
        { code: freshCode(), type: 'percent', percent: 5 },
        admin.headers,
      ),
      ['body.currency'],
    );
    await expectInvalid(
      await t.json(
        'PATCH',
        `${ADMIN}/${voucher.id}`,
        { currency: 'ETB', percent: 5 },
        admin.headers,
      ),
      ['body.currency'],
    );

    const listed = await ok<{ items: VoucherView[] }>(
      await t.request(ADMIN, { headers: admin.headers }),
    );
    expect(listed.items.map((v) => v.id)).toContain(voucher.id);
    expect(listed.items.every((v) => v.shopId === null)).toBe(true);
    const patched = await ok<VoucherView>(
      await t.json('PATCH', `${ADMIN}/${voucher.id}`, { perUserLimit: 1 }, admin.headers),
    );
    expect(patched.perUserLimit).toBe(1);
    expect(
      (await t.request(`${ADMIN}/${voucher.id}`, { method: 'DELETE', headers: admin.headers }))
        .status,
    ).toBe(204);
    expect(
      (await ok<VoucherView>(await t.request(`${ADMIN}/${voucher.id}`, { headers: admin.headers })))
        .active,
    ).toBe(false);

    const entries = await t.database.db
      .select({ action: auditLog.action, actorId: auditLog.actorId })
      .from(auditLog)
      .where(and(eq(auditLog.resourceType, 'voucher'), eq(auditLog.resourceId, voucher.id)));
    expect(entries.map((e) => e.action).sort()).toEqual([
      'voucher.created',
      'voucher.deactivated',
      'voucher.updated',
    ]);
    expect(entries.every((e) => e.actorId === admin.user.id)).toBe(true);

    const seller = await createSeller(t);
    await expectProblem(
      await t.request(`${SELLER}/${voucher.id}`, { headers: seller.headers }),
      404,
      'not-found',
    );
    const shopVoucher = await create(seller, percentVoucher());
    await expectProblem(
      await t.request(`${ADMIN}/${shopVoucher.id}`, { headers: admin.headers }),
      404,
      'not-found',
    );
  });
});

describe('POST /vouchers/validate', () => {
  it('gives the discount and the voucher when it applies', async () => {
    const seller = await createSeller(t);
    const buyer = await signedInUser(t);
    const voucher = await create(seller, percentVoucher({ percent: 25 }));
    const verdict = await validate(buyer, voucher.code.toLowerCase(), seller.shop.id, etb(8_000));
    expect(verdict).toEqual({
      applicable: true,
      discount: etb(2_000),
      voucher: {
        id: voucher.id,
        shopId: seller.shop.id,
        code: voucher.code,
        type: 'percent',
        percent: 25,
        amount: null,
        maxDiscount: null,
        minSubtotal: null,
        currency: 'ETB',
        startsAt: null,
        endsAt: null,
      },
    });
  });

  it('says exactly why a voucher does not apply', async () => {
    const seller = await createSeller(t);
    const other = await createSeller(t);
    const buyer = await signedInUser(t);
    const shop = seller.shop.id;
    const now = Date.now();
    await expectRefusal(buyer, 'NO-SUCH-CODE', shop, 'not-found');

    const inactive = await create(seller, percentVoucher());
    await t.request(`${SELLER}/${inactive.id}`, { method: 'DELETE', headers: seller.headers });
    await expectRefusal(buyer, inactive.code, shop, 'inactive');

    const future = await create(
      seller,
      percentVoucher({ startsAt: new Date(now + hour).toISOString() }),
    );
    await expectRefusal(buyer, future.code, shop, 'not-started');

    const past = await create(seller, percentVoucher({ endsAt: new Date(now - 1).toISOString() }));
    await expectRefusal(buyer, past.code, shop, 'ended');

    const elsewhere = await create(other, percentVoucher());
    await expectRefusal(buyer, elsewhere.code, shop, 'not-found');

    const etbOnly = await create(seller, percentVoucher());
    await expectRefusal(buyer, etbOnly.code, shop, 'currency', usd(10_000));

    const minimum = await create(seller, percentVoucher({ minSubtotal: etb(10_001) }));
    await expectRefusal(buyer, minimum.code, shop, 'min-subtotal', etb(10_000));
    expect((await validate(buyer, minimum.code, shop, etb(10_001))).applicable).toBe(true);

    const scarce = await create(seller, percentVoucher({ usageLimit: 1 }));
    await redeem(await signedInUser(t), seller, scarce.code);
    await expectRefusal(buyer, scarce.code, shop, 'used-up');

    const once = await create(seller, percentVoucher({ perUserLimit: 1 }));
    const { orderId } = await redeem(buyer, seller, once.code);
    await expectRefusal(buyer, once.code, shop, 'used-up-by-you');
    expect((await validate(await signedInUser(t), once.code, shop)).applicable).toBe(true);
    // A released use counts no more.
    await withTransaction(t.ctx(), (tx) => releaseVoucher(tx, orderId));
    expect((await validate(buyer, once.code, shop)).applicable).toBe(true);
  });

  it('prefers the shop’s voucher to a platform one of the same code, and falls back to the platform’s', async () => {
    const seller = await createSeller(t);
    const admin = await signedInUser(t, { roles: ['admin'] });
    const buyer = await signedInUser(t);
    const code = freshCode('BOTH');
    const platform = await create(
      admin,
      { code, type: 'fixed', amount: etb(100), currency: 'ETB' },
      ADMIN,
    );
    const fallback = await validate(buyer, code, seller.shop.id);
    expect(fallback).toMatchObject({
      applicable: true,
      discount: etb(100),
      voucher: { id: platform.id },
    });
    const own = await create(seller, { code: code.toLowerCase(), type: 'fixed', amount: etb(300) });
    expect(await validate(buyer, code, seller.shop.id)).toMatchObject({
      voucher: { id: own.id },
      discount: etb(300),
    });
  });

  it('validates its body', async () => {
    const buyer = await signedInUser(t);
    await expectInvalid(
      await t.json(
        'POST',
        VALIDATE,
        { code: '', shopId: 'x', subtotal: { amount: -1 } },
        buyer.headers,
      ),
      ['body.code', 'body.shopId', 'body.subtotal.amount', 'body.subtotal.currency'],
    );
  });
});

describe('discount arithmetic', () => {
  it('floors a percentage to minor units, caps it by maxDiscount and never passes the subtotal', async () => {
    const seller = await createSeller(t);
    const buyer = await signedInUser(t);
    const shop = seller.shop.id;
    const fifteen = await create(seller, percentVoucher({ percent: 15 }));
    expect(await discountOf(buyer, fifteen.code, shop, 999)).toBe(149);
    expect(await discountOf(buyer, fifteen.code, shop, 1)).toBe(0);
    // Past 2^53 / 100 a float product would round; the discount stays exact.
    expect(await discountOf(buyer, fifteen.code, shop, 9_007_199_254_740_991)).toBe(
      1_351_079_888_211_148,
    );
    const capped = await create(seller, percentVoucher({ percent: 50, maxDiscount: etb(1_000) }));
    expect(await discountOf(buyer, capped.code, shop, 1_500)).toBe(750);
    expect(await discountOf(buyer, capped.code, shop, 10_000)).toBe(1_000);
    const whole = await create(seller, percentVoucher({ percent: 100 }));
    expect(await discountOf(buyer, whole.code, shop, 4_321)).toBe(4_321);
    const fixed = await create(seller, { code: freshCode(), type: 'fixed', amount: etb(2_500) });
    expect(await discountOf(buyer, fixed.code, shop, 10_000)).toBe(2_500);
    expect(await discountOf(buyer, fixed.code, shop, 2_000)).toBe(2_000);
  });
});

describe('GET /vouchers/available', () => {
  it('lists the shop’s and the platform’s vouchers the caller can use, largest discount first', async () => {
    // Platform vouchers apply to every shop: a currency no other test uses keeps them apart.
    const seller = await createSeller(t, { currency: 'KES' });
    const other = await createSeller(t);
    const admin = await signedInUser(t, { roles: ['admin'] });
    const buyer = await signedInUser(t);
    const now = Date.now();
    const tenth = await create(seller, percentVoucher({ percent: 10 }));
    const fixed = await create(seller, { code: freshCode(), type: 'fixed', amount: kes(3_000) });
    const platform = await create(
      admin,
      { code: freshCode(), type: 'fixed', amount: kes(1_500), currency: 'KES' },
      ADMIN,
    );
    // None of these are usable by the buyer now at 10000 ETB.
    await create(
      admin,
      { code: freshCode(), type: 'fixed', amount: etb(100), currency: 'ETB' },
      ADMIN,
    );
    await create(other, percentVoucher({ percent: 90 }));
    await create(
      seller,
      percentVoucher({ percent: 50, startsAt: new Date(now + hour).toISOString() }),
    );
    await create(seller, percentVoucher({ percent: 50, endsAt: new Date(now - 1).toISOString() }));
    await create(seller, percentVoucher({ percent: 50, minSubtotal: kes(20_000) }));
    const gone = await create(seller, percentVoucher({ percent: 50 }));
    await t.request(`${SELLER}/${gone.id}`, { method: 'DELETE', headers: seller.headers });
    const scarce = await create(seller, percentVoucher({ percent: 60, usageLimit: 1 }));
    await redeem(await signedInUser(t), seller, scarce.code, { currency: 'KES' });
    const mine = await create(seller, percentVoucher({ percent: 70, perUserLimit: 1 }));
    await redeem(buyer, seller, mine.code, { currency: 'KES' });

    const query = `shopId=${seller.shop.id}&subtotal=10000&currency=kes`;
    const { items } = await ok<{ items: AvailableVoucher[] }>(
      await t.request(`${AVAILABLE}?${query}`, { headers: buyer.headers }),
    );
    expect(items.map((item) => [item.voucher.id, item.discount])).toEqual([
      [fixed.id, kes(3_000)],
      [platform.id, kes(1_500)],
      [tenth.id, kes(1_000)],
    ]);
    // Another buyer still has the per-user voucher.
    const fresh = await ok<{ items: AvailableVoucher[] }>(
      await t.request(`${AVAILABLE}?${query}`, { headers: (await signedInUser(t)).headers }),
    );
    expect(fresh.items[0]).toMatchObject({ voucher: { id: mine.id }, discount: kes(7_000) });
  });

  it('validates its query', async () => {
    const buyer = await signedInUser(t);
    await expectInvalid(
      await t.request(`${AVAILABLE}?shopId=x&subtotal=-5&currency=XYZ`, { headers: buyer.headers }),
      ['query.shopId', 'query.subtotal', 'query.currency'],
    );
  });
});

describe('redeemVoucher and releaseVoucher', () => {
  it('counts a use and gives it back once', async () => {
    const seller = await createSeller(t);
    const buyer = await signedInUser(t);
    const voucher = await create(seller, percentVoucher({ percent: 20, code: freshCode('Mixed') }));
    const { orderId, redeemed } = await redeem(buyer, seller, voucher.code.toUpperCase(), {
      subtotal: 4_999,
    });
    expect(redeemed).toEqual({ voucherId: voucher.id, code: voucher.code, discount: 999 });
    expect((await voucherRow(t, voucher.id)).usedCount).toBe(1);
    const [redemption] = await t.database.db
      .select()
      .from(voucherRedemptions)
      .where(eq(voucherRedemptions.orderId, orderId));
    expect(redemption).toMatchObject({
      voucherId: voucher.id,
      userId: buyer.user.id,
      discount: 999,
      releasedAt: null,
    });

    await withTransaction(t.ctx(), (tx) => releaseVoucher(tx, orderId));
    expect((await voucherRow(t, voucher.id)).usedCount).toBe(0);
    const [released] = await t.database.db
      .select()
      .from(voucherRedemptions)
      .where(eq(voucherRedemptions.orderId, orderId));
    expect(released?.releasedAt).toBeInstanceOf(Date);
    await withTransaction(t.ctx(), (tx) => releaseVoucher(tx, orderId));
    expect((await voucherRow(t, voucher.id)).usedCount).toBe(0);
    // An order without a voucher has nothing to give back.
    await releaseVoucher(t.ctx(), await placedOrder(t, buyer.user.id, seller.shop));
  });

  it('refuses with 409 voucher-not-applicable naming the shop’s voucher field, counting nothing', async () => {
    const seller = await createSeller(t);
    const buyer = await signedInUser(t);
    const shopId = seller.shop.id;
    const voucher = await create(
      seller,
      percentVoucher({ usageLimit: 1, minSubtotal: etb(5_000) }),
    );
    await refusedRedemption(redeem(buyer, seller, 'NOT-A-CODE'), shopId);
    const under = await refusedRedemption(
      redeem(buyer, seller, voucher.code, { subtotal: 4_999 }),
      shopId,
    );
    expect(under.message).toContain('at least 5000');
    await refusedRedemption(redeem(buyer, seller, voucher.code, { currency: 'USD' }), shopId);
    const other = await createSeller(t);
    await refusedRedemption(redeem(buyer, other, voucher.code), other.shop.id);
    expect((await voucherRow(t, voucher.id)).usedCount).toBe(0);
    await redeem(buyer, seller, voucher.code);
    await refusedRedemption(redeem(buyer, seller, voucher.code), shopId);
    expect((await voucherRow(t, voucher.id)).usedCount).toBe(1);
    const rows = await t.database.db
      .select()
      .from(voucherRedemptions)
      .where(eq(voucherRedemptions.voucherId, voucher.id));
    expect(rows).toHaveLength(1);
  });

  it('judges dates at the `now` it is given', async () => {
    const seller = await createSeller(t);
    const buyer = await signedInUser(t);
    const voucher = await create(
      seller,
      percentVoucher({ startsAt: '2030-01-01T00:00:00Z', endsAt: '2030-02-01T00:00:00Z' }),
    );
    await refusedRedemption(
      redeem(buyer, seller, voucher.code, { now: new Date('2029-12-31T23:59:59Z') }),
      seller.shop.id,
    );
    await refusedRedemption(
      redeem(buyer, seller, voucher.code, { now: new Date('2030-02-01T00:00:00Z') }),
      seller.shop.id,
    );
    const { redeemed } = await redeem(buyer, seller, voucher.code, {
      now: new Date('2030-01-15T00:00:00Z'),
    });
    expect(redeemed.discount).toBe(1_000);
  });
});

describe('the API reference', () => {
  it('documents every voucher route', async () => {
    const doc = await ok<{ paths: Record<string, Record<string, unknown>> }>(
      await t.request('/openapi.json'),
    );
    const methods = (path: string) => Object.keys(doc.paths[`/api/v1${path}`] ?? {}).sort();
    expect(methods('/seller/vouchers')).toEqual(['get', 'post']);
    expect(methods('/seller/vouchers/{id}')).toEqual(['delete', 'get', 'patch']);
    expect(methods('/admin/vouchers')).toEqual(['get', 'post']);
    expect(methods('/admin/vouchers/{id}')).toEqual(['delete', 'get', 'patch']);
    expect(methods('/vouchers/validate')).toEqual(['post']);
    expect(methods('/vouchers/available')).toEqual(['get']);
  });
});

const sellerVoucher = { allowed: ['seller' as const], forbidden: [] };
const adminVoucher = {
  allowed: ['admin' as const],
  forbidden: ['seller' as const, 'moderator' as const],
};
const body = percentVoucher();
securityCases(() => t, { method: 'POST', path: SELLER, body, ...sellerVoucher });
securityCases(() => t, { method: 'GET', path: SELLER, ...sellerVoucher });
securityCases(() => t, { method: 'GET', path: `${SELLER}/${ID}`, ...sellerVoucher });
securityCases(() => t, {
  method: 'PATCH',
  path: `${SELLER}/${ID}`,
  body: { percent: 5 },
  ...sellerVoucher,
});
securityCases(() => t, { method: 'DELETE', path: `${SELLER}/${ID}`, ...sellerVoucher });
securityCases(() => t, {
  method: 'POST',
  path: ADMIN,
  body: { ...body, currency: 'ETB' },
  ...adminVoucher,
});
securityCases(() => t, { method: 'GET', path: ADMIN, ...adminVoucher });
securityCases(() => t, { method: 'GET', path: `${ADMIN}/${ID}`, ...adminVoucher });
securityCases(() => t, {
  method: 'PATCH',
  path: `${ADMIN}/${ID}`,
  body: { percent: 5 },
  ...adminVoucher,
});
securityCases(() => t, { method: 'DELETE', path: `${ADMIN}/${ID}`, ...adminVoucher });
securityCases(() => t, {
  method: 'POST',
  path: VALIDATE,
  body: { code: 'ANY-CODE', shopId: ID, subtotal: etb(100) },
});
securityCases(() => t, {
  method: 'GET',
  path: `${AVAILABLE}?shopId=${ID}&subtotal=100&currency=ETB`,
});

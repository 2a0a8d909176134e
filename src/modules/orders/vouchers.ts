import {
  and,
  count,
  desc,
  eq,
  gt,
  inArray,
  isNull,
  lt,
  lte,
  ne,
  or,
  type SQL,
  sql,
} from 'drizzle-orm';
import { audit } from '../../platform/audit/audit.ts';
import { type Executor, isUniqueViolation } from '../../platform/db/client.ts';
import { withTransaction } from '../../platform/db/transaction.ts';
import { requireActor } from '../../platform/http/auth.ts';
import type { Ctx } from '../../platform/http/context.ts';
import { Conflict, type FieldError, Invalid, NotFound } from '../../platform/http/errors.ts';
import { keysetPage, type Page, type PageInput } from '../../platform/http/pagination.ts';
import { sellerShop } from '../shop/index.ts';
import { type VoucherRow, voucherRedemptions, vouchers } from './tables.ts';
import type { VoucherType } from './vocabulary.ts';
import type { PlatformVoucherInput, VoucherChanges, VoucherInput } from './voucher-input.ts';

/**
 * Vouchers: a shop's, for its own orders, and the platform's (shopId null), for any shop's
 * orders in their currency. `assess` alone decides whether one applies and what it takes off, for
 * validation, the available list and redemption alike; redemption (redemptions.ts) runs it under
 * the voucher row's lock.
 */

interface Amount {
  amount: number;
  currency: string;
}

export interface VoucherOfferView {
  id: string;
  shopId: string | null;
  code: string;
  type: VoucherType;
  percent: number | null;
  amount: Amount | null;
  maxDiscount: Amount | null;
  minSubtotal: Amount | null;
  currency: string;
  startsAt: string | null;
  endsAt: string | null;
}

export interface VoucherView extends VoucherOfferView {
  usageLimit: number | null;
  perUserLimit: number | null;
  usedCount: number;
  active: boolean;
  createdAt: string;
  updatedAt: string;
}

function offerView(row: VoucherRow): VoucherOfferView {
  const money = (amount: number | null) =>
    amount === null ? null : { amount, currency: row.currency };
  return {
    id: row.id,
    shopId: row.shopId,
    code: row.code,
    type: row.type,
    percent: row.percent,
    amount: money(row.amount),
    maxDiscount: money(row.maxDiscount),
    minSubtotal: money(row.minSubtotal),
    currency: row.currency,
    startsAt: row.startsAt?.toISOString() ?? null,
    endsAt: row.endsAt?.toISOString() ?? null,
  };
}

function voucherView(row: VoucherRow): VoucherView {
  return {
    ...offerView(row),
    usageLimit: row.usageLimit,
    perUserLimit: row.perUserLimit,
    usedCount: row.usedCount,
    active: row.active,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** Why a voucher does not apply, as `/vouchers/validate` answers it. */
export const REFUSALS = [
  'not-found',
  'inactive',
  'not-started',
  'ended',
  'other-shop',
  'currency',
  'min-subtotal',
  'used-up',
  'used-up-by-you',
] as const;
export type RefusalReason = (typeof REFUSALS)[number];

export type Assessment =
  | { applicable: true; discount: number }
  | { applicable: false; reason: RefusalReason; message: string };

/** Where a voucher would be used: one shop's order of `subtotal` minor units of `currency`. */
export interface Occasion {
  shopId: string;
  subtotal: number;
  currency: string;
  now: Date;
  /** The buyer's redemptions of this voucher that were not released. */
  usedByBuyer: number;
}

const refuse = (reason: RefusalReason, message: string): Assessment => ({
  applicable: false,
  reason,
  message,
});

/**
 * Percent of the subtotal rounded down to minor units (in bigint: the product can pass 2^53),
 * capped by `maxDiscount`; a fixed amount; never more than the subtotal.
 */
function discountOf(voucher: VoucherRow, subtotal: number): number {
  const raw =
    voucher.type === 'percent'
      ? Math.min(
          Number((BigInt(subtotal) * BigInt(voucher.percent ?? 0)) / 100n),
          voucher.maxDiscount ?? Number.MAX_SAFE_INTEGER,
        )
      : (voucher.amount ?? 0);
  return Math.min(raw, subtotal);
}

/** Whether `voucher` applies on `occasion`, and what it takes off; the one place that decides. */
export function assess(voucher: VoucherRow, occasion: Occasion): Assessment {
  const { code } = voucher;
  if (voucher.shopId !== null && voucher.shopId !== occasion.shopId) {
    return refuse('other-shop', `Voucher ${code} belongs to another shop.`);
  }
  if (!voucher.active) return refuse('inactive', `Voucher ${code} is no longer active.`);
  if (voucher.startsAt && occasion.now < voucher.startsAt) {
    return refuse('not-started', `Voucher ${code} applies from ${voucher.startsAt.toISOString()}.`);
  }
  if (voucher.endsAt && occasion.now >= voucher.endsAt) {
    return refuse('ended', `Voucher ${code} ended at ${voucher.endsAt.toISOString()}.`);
  }
  if (voucher.currency !== occasion.currency) {
    return refuse('currency', `Voucher ${code} applies only to orders in ${voucher.currency}.`);
  }
  if (voucher.minSubtotal !== null && occasion.subtotal < voucher.minSubtotal) {
    return refuse(
      'min-subtotal',
      `Voucher ${code} needs a subtotal of at least ${voucher.minSubtotal} ${voucher.currency} minor units.`,
    );
  }
  if (voucher.usageLimit !== null && voucher.usedCount >= voucher.usageLimit) {
    return refuse('used-up', `Voucher ${code} has been used up.`);
  }
  if (voucher.perUserLimit !== null && occasion.usedByBuyer >= voucher.perUserLimit) {
    return refuse('used-up-by-you', `You have used voucher ${code} as often as it allows.`);
  }
  return { applicable: true, discount: discountOf(voucher, occasion.subtotal) };
}

const sameCode = (code: string) => eq(sql`lower(${vouchers.code})`, code.toLowerCase());

/**
 * The voucher `code` names for `shopId`'s order: the shop's, else the platform's (locked when
 * asked, as redemption does), else another shop's, which only explains the refusal. Null when no
 * voucher has the code.
 */
export async function findVoucher(
  db: Executor,
  code: string,
  shopId: string,
  { lock = false } = {},
): Promise<VoucherRow | null> {
  for (const owner of [eq(vouchers.shopId, shopId), isNull(vouchers.shopId)]) {
    const query = db
      .select()
      .from(vouchers)
      .where(and(owner, sameCode(code)));
    const [row] = await (lock ? query.for('update') : query);
    if (row) return row;
  }
  const [other] = await db.select().from(vouchers).where(sameCode(code)).limit(1);
  return other ?? null;
}

/** The buyer's unreleased redemptions of each of `voucherIds`. */
export async function usesBy(
  db: Executor,
  userId: string,
  voucherIds: string[],
): Promise<Map<string, number>> {
  if (voucherIds.length === 0) return new Map();
  const rows = await db
    .select({ voucherId: voucherRedemptions.voucherId, n: count() })
    .from(voucherRedemptions)
    .where(
      and(
        eq(voucherRedemptions.userId, userId),
        inArray(voucherRedemptions.voucherId, voucherIds),
        isNull(voucherRedemptions.releasedAt),
      ),
    )
    .groupBy(voucherRedemptions.voucherId);
  return new Map(rows.map((row) => [row.voucherId, row.n]));
}

export interface ValidateInput {
  code: string;
  shopId: string;
  subtotal: Amount;
}

export type Validation =
  | { applicable: true; discount: Amount; voucher: VoucherOfferView }
  | { applicable: false; reason: RefusalReason; message: string };

/** Whether the caller could use `code` on an order of `shopId` now, and what it would take off. */
export async function validateVoucher(ctx: Ctx, input: ValidateInput): Promise<Validation> {
  const { userId } = requireActor(ctx);
  const voucher = await findVoucher(ctx.db, input.code, input.shopId);
  if (!voucher)
    return { applicable: false, reason: 'not-found', message: `No voucher ${input.code}.` };
  const used = await usesBy(ctx.db, userId, [voucher.id]);
  const assessment = assess(voucher, {
    shopId: input.shopId,
    subtotal: input.subtotal.amount,
    currency: input.subtotal.currency,
    now: new Date(),
    usedByBuyer: used.get(voucher.id) ?? 0,
  });
  if (!assessment.applicable) return assessment;
  return {
    applicable: true,
    discount: { amount: assessment.discount, currency: voucher.currency },
    voucher: offerView(voucher),
  };
}

export interface AvailableInput {
  shopId: string;
  subtotal: number;
  currency: string;
}

export interface AvailableVoucher {
  voucher: VoucherOfferView;
  discount: Amount;
}

/** At most this many vouchers are looked at for the available list: the newest. */
const AVAILABLE_LIMIT = 100;

/**
 * The shop's and the platform's vouchers the caller could use now on an order of `subtotal`, the
 * largest discount first.
 */
export async function availableVouchers(
  ctx: Ctx,
  input: AvailableInput,
): Promise<{ items: AvailableVoucher[] }> {
  const { userId } = requireActor(ctx);
  const now = new Date();
  const rows = await ctx.db
    .select()
    .from(vouchers)
    .where(
      and(
        eq(vouchers.active, true),
        eq(vouchers.currency, input.currency),
        or(eq(vouchers.shopId, input.shopId), isNull(vouchers.shopId)),
        or(isNull(vouchers.startsAt), lte(vouchers.startsAt, now)),
        or(isNull(vouchers.endsAt), gt(vouchers.endsAt, now)),
        or(isNull(vouchers.usageLimit), lt(vouchers.usedCount, vouchers.usageLimit)),
      ),
    )
    .orderBy(desc(vouchers.createdAt), desc(vouchers.id))
    .limit(AVAILABLE_LIMIT);
  const used = await usesBy(
    ctx.db,
    userId,
    rows.map((row) => row.id),
  );
  const items: AvailableVoucher[] = [];
  for (const row of rows) {
    const assessment = assess(row, { ...input, now, usedByBuyer: used.get(row.id) ?? 0 });
    if (assessment.applicable) {
      items.push({
        voucher: offerView(row),
        discount: { amount: assessment.discount, currency: row.currency },
      });
    }
  }
  items.sort((a, b) => b.discount.amount - a.discount.amount);
  return { items };
}

// --- Managing vouchers: a seller's own, an admin's platform ones. ---

/** Whose vouchers: a shop's, or the platform's (null); admins' changes are audited. */
interface Owner {
  shopId: string | null;
  audited: boolean;
}

const platform: Owner = { shopId: null, audited: true };

async function shopOwner(ctx: Ctx): Promise<Owner & { currency: string }> {
  const shop = await sellerShop(ctx);
  return { shopId: shop.id, currency: shop.currency, audited: false };
}

const ownedBy = (owner: Owner) =>
  owner.shopId === null ? isNull(vouchers.shopId) : eq(vouchers.shopId, owner.shopId);

function invalid(errors: FieldError[]): Invalid {
  const [first] = errors;
  return new Invalid(
    'invalid-voucher',
    errors.length === 1 && first
      ? `${first.path}: ${first.message}`
      : `${errors.length} fields break the voucher's rules.`,
    { errors },
  );
}

function codeTaken(code: string): Conflict {
  return new Conflict(
    'voucher-code-taken',
    `Another voucher already has the code ${code} (codes are compared ignoring case).`,
    { errors: [{ path: 'body.code', message: 'taken by another voucher' }] },
  );
}

/** The stored terms, money in minor units of the voucher's currency. */
interface Terms {
  type: VoucherType;
  percent: number | null;
  amount: number | null;
  maxDiscount: number | null;
  minSubtotal: number | null;
  startsAt: Date | null;
  endsAt: Date | null;
}

const MONEY_FIELDS = ['amount', 'maxDiscount', 'minSubtotal'] as const;

type Given = Partial<Record<(typeof MONEY_FIELDS)[number], Amount | null>> &
  Partial<Omit<Terms, (typeof MONEY_FIELDS)[number]>>;

/**
 * `given` applied over `stored`: money in the voucher's currency, the kind's own fields (a change
 * of kind drops the other kind's fields not given), the end after the start.
 */
function termsOf(stored: Terms | null, given: Given, currency: string): Terms {
  const errors: FieldError[] = [];
  for (const field of MONEY_FIELDS) {
    const money = given[field];
    if (money && money.currency !== currency) {
      errors.push({
        path: `body.${field}.currency`,
        message: `expected ${currency}, the voucher's`,
      });
    }
  }
  const type = given.type ?? stored?.type ?? 'percent';
  const switched = stored !== null && stored.type !== type;
  const pick = <K extends keyof Terms>(key: K, value: Terms[K] | undefined, dropped: boolean) =>
    value !== undefined ? value : dropped || !stored ? null : stored[key];
  const moneyOf = (field: (typeof MONEY_FIELDS)[number]) => {
    const money = given[field];
    return money === undefined ? undefined : (money?.amount ?? null);
  };
  const terms: Terms = {
    type,
    percent: pick('percent', given.percent, switched && type === 'fixed'),
    amount: pick('amount', moneyOf('amount'), switched && type === 'percent'),
    maxDiscount: pick('maxDiscount', moneyOf('maxDiscount'), switched && type === 'fixed'),
    minSubtotal: pick('minSubtotal', moneyOf('minSubtotal'), false),
    startsAt: pick('startsAt', given.startsAt, false),
    endsAt: pick('endsAt', given.endsAt, false),
  };
  if (type === 'percent') {
    if (terms.percent === null) {
      errors.push({ path: 'body.percent', message: 'required for a percent voucher' });
    }
    if (terms.amount !== null) {
      errors.push({ path: 'body.amount', message: 'only for a fixed voucher' });
    }
  } else {
    if (terms.amount === null) {
      errors.push({ path: 'body.amount', message: 'required for a fixed voucher' });
    }
    for (const field of ['percent', 'maxDiscount'] as const) {
      if (terms[field] !== null) {
        errors.push({ path: `body.${field}`, message: 'only for a percent voucher' });
      }
    }
  }
  if (terms.startsAt && terms.endsAt && terms.endsAt <= terms.startsAt) {
    errors.push({ path: 'body.endsAt', message: 'expected after startsAt' });
  }
  if (errors.length > 0) throw invalid(errors);
  return terms;
}

async function assertCodeFree(
  db: Executor,
  owner: Owner,
  code: string,
  exceptId?: string,
): Promise<void> {
  const [taken] = await db
    .select({ id: vouchers.id })
    .from(vouchers)
    .where(and(ownedBy(owner), sameCode(code), exceptId ? ne(vouchers.id, exceptId) : undefined));
  if (taken) throw codeTaken(code);
}

/** Runs `fn`, answering the loser of a race for a code with the 409 the check would have given. */
async function orCodeTaken<T>(code: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (isUniqueViolation(error)) throw codeTaken(code);
    throw error;
  }
}

async function create(
  ctx: Ctx,
  owner: Owner,
  currency: string,
  input: VoucherInput,
): Promise<VoucherView> {
  const { userId } = requireActor(ctx);
  const terms = termsOf(null, input, currency);
  const row = await orCodeTaken(input.code, () =>
    withTransaction(ctx, async (tx) => {
      await assertCodeFree(tx.db, owner, input.code);
      const [created] = await tx.db
        .insert(vouchers)
        .values({
          ...terms,
          shopId: owner.shopId,
          code: input.code,
          currency,
          usageLimit: input.usageLimit ?? null,
          perUserLimit: input.perUserLimit ?? null,
          createdBy: userId,
        })
        .returning();
      if (!created) throw new Error('insert into vouchers returned nothing');
      if (owner.audited) {
        await audit(tx, {
          action: 'voucher.created',
          resource: { type: 'voucher', id: created.id },
          after: voucherView(created),
        });
      }
      return created;
    }),
  );
  return voucherView(row);
}

async function owned(db: Executor, owner: Owner, id: string, lock = false): Promise<VoucherRow> {
  const query = db
    .select()
    .from(vouchers)
    .where(and(eq(vouchers.id, id), ownedBy(owner)));
  const [row] = await (lock ? query.for('update') : query);
  if (!row) throw new NotFound('voucher');
  return row;
}

async function list(
  ctx: Ctx,
  owner: Owner,
  active: boolean | undefined,
  page: PageInput,
): Promise<Page<VoucherView>> {
  const filter: SQL | undefined = active === undefined ? undefined : eq(vouchers.active, active);
  const found = await keysetPage<VoucherRow>({
    scope: `vouchers:${owner.shopId ?? 'platform'}:${active ?? 'all'}`,
    keys: [
      { column: vouchers.createdAt, direction: 'desc', value: (r) => r.createdAt },
      { column: vouchers.id, direction: 'desc', value: (r) => r.id },
    ],
    page,
    secret: ctx.config.jwtSecret,
    fetch: ({ where, orderBy, limit }) =>
      ctx.db
        .select()
        .from(vouchers)
        .where(and(ownedBy(owner), filter, where))
        .orderBy(...orderBy)
        .limit(limit),
  });
  return { items: found.items.map(voucherView), nextCursor: found.nextCursor };
}

/**
 * Changes a voucher under its row lock, so a limit is never set below the uses that concurrent
 * redemptions count (409 `usage-limit-below-used`).
 */
async function update(
  ctx: Ctx,
  owner: Owner,
  id: string,
  changes: VoucherChanges,
): Promise<VoucherView> {
  const code = changes.code;
  const run = () =>
    withTransaction(ctx, async (tx) => {
      const before = await owned(tx.db, owner, id, true);
      const terms = termsOf(before, changes, before.currency);
      const usageLimit = changes.usageLimit === undefined ? before.usageLimit : changes.usageLimit;
      if (usageLimit !== null && usageLimit < before.usedCount) {
        throw new Conflict(
          'usage-limit-below-used',
          `The voucher has been used ${before.usedCount} times; its limit cannot be lower.`,
          {
            errors: [{ path: 'body.usageLimit', message: `expected at least ${before.usedCount}` }],
          },
        );
      }
      if (code !== undefined) await assertCodeFree(tx.db, owner, code, id);
      const [after] = await tx.db
        .update(vouchers)
        .set({
          ...terms,
          code: code ?? before.code,
          usageLimit,
          perUserLimit:
            changes.perUserLimit === undefined ? before.perUserLimit : changes.perUserLimit,
          active: changes.active ?? before.active,
        })
        .where(eq(vouchers.id, id))
        .returning();
      if (!after) throw new NotFound('voucher');
      if (owner.audited) {
        await audit(tx, {
          action: 'voucher.updated',
          resource: { type: 'voucher', id },
          before: voucherView(before),
          after: voucherView(after),
        });
      }
      return after;
    });
  return voucherView(code === undefined ? await run() : await orCodeTaken(code, run));
}

/** Deleting deactivates: orders keep pointing at the voucher. */
async function deactivate(ctx: Ctx, owner: Owner, id: string): Promise<void> {
  await withTransaction(ctx, async (tx) => {
    const before = await owned(tx.db, owner, id, true);
    await tx.db.update(vouchers).set({ active: false }).where(eq(vouchers.id, id));
    if (owner.audited) {
      await audit(tx, {
        action: 'voucher.deactivated',
        resource: { type: 'voucher', id },
        before: { active: before.active },
        after: { active: false },
      });
    }
  });
}

export async function createShopVoucher(ctx: Ctx, input: VoucherInput): Promise<VoucherView> {
  const owner = await shopOwner(ctx);
  return create(ctx, owner, owner.currency, input);
}

export async function shopVouchers(
  ctx: Ctx,
  active: boolean | undefined,
  page: PageInput,
): Promise<Page<VoucherView>> {
  return list(ctx, await shopOwner(ctx), active, page);
}

export async function shopVoucher(ctx: Ctx, id: string): Promise<VoucherView> {
  return voucherView(await owned(ctx.db, await shopOwner(ctx), id));
}

export async function updateShopVoucher(
  ctx: Ctx,
  id: string,
  changes: VoucherChanges,
): Promise<VoucherView> {
  return update(ctx, await shopOwner(ctx), id, changes);
}

export async function deactivateShopVoucher(ctx: Ctx, id: string): Promise<void> {
  await deactivate(ctx, await shopOwner(ctx), id);
}

export async function createPlatformVoucher(
  ctx: Ctx,
  input: PlatformVoucherInput,
): Promise<VoucherView> {
  const { currency, ...rest } = input;
  return create(ctx, platform, currency, rest);
}

export const platformVouchers = (ctx: Ctx, active: boolean | undefined, page: PageInput) =>
  list(ctx, platform, active, page);

export async function platformVoucher(ctx: Ctx, id: string): Promise<VoucherView> {
  return voucherView(await owned(ctx.db, platform, id));
}

export const updatePlatformVoucher = (ctx: Ctx, id: string, changes: VoucherChanges) =>
  update(ctx, platform, id, changes);

export const deactivatePlatformVoucher = (ctx: Ctx, id: string) => deactivate(ctx, platform, id);

import { and, eq, isNull, ne, type SQL } from 'drizzle-orm';
import { audit } from '../../platform/audit/audit.ts';
import type { Ctx } from '../../platform/core/context.ts';
import { Conflict, type FieldError, Invalid, NotFound } from '../../platform/core/errors.ts';
import type { Amount } from '../../platform/core/money.ts';
import { keysetPage, type Page, type PageInput } from '../../platform/core/paging.ts';
import { requireActor } from '../../platform/core/permissions.ts';
import { type Executor, isUniqueViolation } from '../../platform/db/client.ts';
import { withTransaction } from '../../platform/db/transaction.ts';
import { sellerShop } from '../shop/index.ts';
import type { PlatformVoucherInput, VoucherChanges, VoucherInput } from './input.ts';
import { offerView, sameCode, type VoucherOfferView } from './rules.ts';
import { type VoucherRow, vouchers } from './tables.ts';
import type { VoucherType } from './vocabulary.ts';

/**
 * Vouchers kept by their owners: a shop's, for its own orders, and the platform's (shopId
 * null), for any shop's orders in their currency. What makes one apply is in rules.ts.
 */

export interface VoucherView extends VoucherOfferView {
  usageLimit: number | null;
  perUserLimit: number | null;
  usedCount: number;
  listed: boolean;
  active: boolean;
  createdAt: string;
  updatedAt: string;
}

function voucherView(row: VoucherRow): VoucherView {
  return {
    ...offerView(row),
    usageLimit: row.usageLimit,
    perUserLimit: row.perUserLimit,
    usedCount: row.usedCount,
    listed: row.listed,
    active: row.active,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

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
    { fields: errors },
  );
}

function codeTaken(code: string): Conflict {
  return new Conflict(
    'voucher-code-taken',
    `Another voucher already has the code ${code} (codes are compared ignoring case).`,
    { fields: [{ path: 'code', message: 'taken by another voucher' }] },
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
        path: `${field}.currency`,
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
      errors.push({ path: 'percent', message: 'required for a percent voucher' });
    }
    if (terms.amount !== null) {
      errors.push({ path: 'amount', message: 'only for a fixed voucher' });
    }
  } else {
    if (terms.amount === null) {
      errors.push({ path: 'amount', message: 'required for a fixed voucher' });
    }
    for (const field of ['percent', 'maxDiscount'] as const) {
      if (terms[field] !== null) {
        errors.push({ path: field, message: 'only for a percent voucher' });
      }
    }
  }
  if (terms.startsAt && terms.endsAt && terms.endsAt <= terms.startsAt) {
    errors.push({ path: 'endsAt', message: 'expected after startsAt' });
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
          listed: input.listed,
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
  const found = await keysetPage<VoucherRow>(ctx, {
    scope: `vouchers:${owner.shopId ?? 'platform'}:${active ?? 'all'}`,
    keys: [
      { column: vouchers.createdAt, direction: 'desc', value: (r) => r.createdAt },
      { column: vouchers.id, direction: 'desc', value: (r) => r.id },
    ],
    page,
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
            fields: [{ path: 'usageLimit', message: `expected at least ${before.usedCount}` }],
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
          listed: changes.listed ?? before.listed,
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

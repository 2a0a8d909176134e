import { eq, sql } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestApp } from '../../../test/harness.ts';
import { Conflict } from '../../platform/core/errors.ts';
import { withTransaction } from '../../platform/db/transaction.ts';
import { type AccountRef, auditBooks, balanceOf, checkBooks, post } from './ledger.ts';
import { journalEntries, journalLines, ledgerAccounts } from './tables.ts';

const t = await createTestApp();
afterAll(() => t.close());

const shopAccounts = (currency = 'ETB') => {
  const shop = uuidv7();
  return {
    pending: { kind: 'shop-pending', holder: shop, currency } satisfies AccountRef,
    available: { kind: 'shop-available', holder: shop, currency } satisfies AccountRef,
    payouts: { kind: 'payouts', holder: shop, currency } satisfies AccountRef,
  };
};
const clearing = (currency = 'ETB'): AccountRef => ({
  kind: 'clearing',
  holder: 'sandbox',
  currency,
});
const commission = (currency = 'ETB'): AccountRef => ({ kind: 'commission', holder: '', currency });

/** A buyer's payment captured: the provider holds it, the shop is owed it less commission. */
const capture = (shop: ReturnType<typeof shopAccounts>, amount: number, fee: number) => ({
  kind: 'payment.captured',
  key: `capture:${uuidv7()}`,
  reference: { type: 'payment', id: uuidv7() },
  lines: [
    { account: clearing(shop.pending.currency), amount },
    { account: shop.pending, amount: -(amount - fee) },
    { account: commission(shop.pending.currency), amount: -fee },
  ],
});

const balances = async (...refs: AccountRef[]) =>
  Promise.all(refs.map((ref) => balanceOf(t.database.db, ref)));

async function expectBooksBalance() {
  expect(await checkBooks(t.database.db)).toEqual({ unbalancedEntries: [], driftedAccounts: [] });
}

describe('post', () => {
  it('moves every account of a balanced entry, opening the accounts it names', async () => {
    const shop = shopAccounts();
    const before = await balances(clearing(), commission());
    const { posted, entryId } = await post(t.ctx(), capture(shop, 10_000, 1_000));
    expect(posted).toBe(true);
    const after = await balances(clearing(), commission(), shop.pending);
    expect(after).toEqual([(before[0] ?? 0) + 10_000, (before[1] ?? 0) + 1_000, 9_000]);
    const lines = await t.database.db
      .select()
      .from(journalLines)
      .where(eq(journalLines.entryId, entryId));
    expect(lines.map((line) => line.amount).sort((a, b) => a - b)).toEqual([
      -9_000, -1_000, 10_000,
    ]);
    await expectBooksBalance();
  });

  it('posts a key once, however often it is posted', async () => {
    const shop = shopAccounts();
    const entry = capture(shop, 5_000, 500);
    const first = await post(t.ctx(), entry);
    const again = await post(t.ctx(), entry);
    expect(again).toEqual({ entryId: first.entryId, posted: false });
    expect(await balanceOf(t.database.db, shop.pending)).toBe(4_500);
  });

  it('keeps currencies apart: an entry balances in each', async () => {
    const shop = shopAccounts('KES');
    await post(t.ctx(), capture(shop, 700, 70));
    expect(await balances(shop.pending, { ...shop.pending, currency: 'ETB' })).toEqual([630, 0]);
    const mixed = {
      ...capture(shopAccounts(), 100, 10),
      lines: [
        { account: clearing('ETB'), amount: 100 },
        { account: shop.pending, amount: -100 },
      ],
    };
    await expect(post(t.ctx(), mixed)).rejects.toThrow(/off by 100 ETB/);
  });

  it('refuses an entry that does not balance, has one line or an amount that is not whole', async () => {
    const shop = shopAccounts();
    const base = capture(shop, 1_000, 100);
    const wrong = [
      { ...base, lines: base.lines.slice(0, 2) },
      { ...base, lines: [{ account: shop.pending, amount: 0 }, ...base.lines] },
      { ...base, lines: base.lines.slice(0, 1) },
      {
        ...base,
        lines: [
          { account: clearing(), amount: 10.5 },
          { account: shop.pending, amount: -10.5 },
        ],
      },
    ];
    for (const entry of wrong) await expect(post(t.ctx(), entry)).rejects.toThrow(/ledger entry/);
    const written = await t.database.db
      .select()
      .from(journalEntries)
      .where(eq(journalEntries.key, base.key));
    expect(written).toEqual([]);
    expect(await balanceOf(t.database.db, shop.pending)).toBe(0);
  });

  it('refuses, whole, an entry that would take a shop balance past zero', async () => {
    const shop = shopAccounts();
    await post(t.ctx(), {
      ...capture(shop, 500, 0),
      lines: [
        { account: clearing(), amount: 500 },
        { account: shop.available, amount: -500 },
      ],
    });
    const payout = (amount: number) => ({
      kind: 'payout.requested',
      key: `payout:${uuidv7()}`,
      reference: { type: 'payout', id: uuidv7() },
      lines: [
        { account: shop.available, amount },
        { account: shop.payouts, amount: -amount },
      ],
    });
    const refused = await post(t.ctx(), payout(501)).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(Conflict);
    expect(refused).toMatchObject({
      code: 'insufficient-balance',
      details: { account: 'shop-available' },
    });
    expect(await balances(shop.available, shop.payouts)).toEqual([500, 0]);

    // The refusal undoes only itself: the caller's transaction goes on and commits the rest.
    await withTransaction(t.ctx(), async (tx) => {
      await expect(post(tx, payout(600))).rejects.toBeInstanceOf(Conflict);
      await post(tx, payout(500));
    });
    expect(await balances(shop.available, shop.payouts)).toEqual([0, 500]);
    await expectBooksBalance();
  });
});

describe('the database keeps the books too', () => {
  it('refuses to commit lines that do not sum to zero, whatever code wrote them', async () => {
    const shop = shopAccounts();
    const { entryId } = await post(t.ctx(), capture(shop, 300, 30));
    const [account] = await t.database.db
      .select()
      .from(ledgerAccounts)
      .where(eq(ledgerAccounts.holder, shop.pending.holder));
    const forged = t.database.db.transaction(async (tx) => {
      const [entry] = await tx
        .insert(journalEntries)
        .values({
          kind: 'forged',
          key: `forged:${entryId}`,
          referenceType: 'payment',
          referenceId: entryId,
        })
        .returning();
      await tx
        .insert(journalLines)
        .values({ entryId: entry?.id ?? '', accountId: account?.id ?? '', amount: -5 });
    });
    await expect(forged).rejects.toThrow(/does not sum to zero/);
    await expectBooksBalance();
  });

  it('never changes or deletes a written line or entry', async () => {
    const { entryId } = await post(t.ctx(), capture(shopAccounts(), 200, 20));
    /** What the database said: drizzle wraps it in the failed query. */
    const refusal = (write: Promise<unknown>) =>
      write.then(
        () => 'written',
        (error: Error) => (error.cause instanceof Error ? error.cause : error).message,
      );
    expect(
      await refusal(
        t.database.db
          .update(journalLines)
          .set({ amount: 1 })
          .where(eq(journalLines.entryId, entryId)),
      ),
    ).toMatch(/journal_lines are never changed/);
    expect(
      await refusal(t.database.db.delete(journalEntries).where(eq(journalEntries.id, entryId))),
    ).toMatch(/journal_entries are never changed/);
    const lines = await t.database.db
      .select()
      .from(journalLines)
      .where(eq(journalLines.entryId, entryId));
    expect(lines).toHaveLength(3);
  });
});

describe('the nightly audit', () => {
  it('logs an account whose kept balance drifted from its lines, and nothing when none did', async () => {
    const shop = shopAccounts();
    await post(t.ctx(), capture(shop, 400, 40));
    const audits = () => t.logs.filter((line) => line.msg === 'ledger books do not balance');
    await auditBooks.run(t.ctx(), new Date());
    expect(audits()).toEqual([]);

    const drift = (by: number) =>
      t.database.db
        .update(ledgerAccounts)
        .set({ balance: sql`${ledgerAccounts.balance} + ${by}` })
        .where(eq(ledgerAccounts.holder, shop.pending.holder))
        .returning({ id: ledgerAccounts.id });
    const [tampered] = await drift(-1);
    await auditBooks.run(t.ctx(), new Date());
    expect(audits()).toEqual([
      expect.objectContaining({
        level: 50,
        driftedAccounts: [tampered?.id],
        unbalancedEntries: [],
      }),
    ]);
    await drift(1);
    await expectBooksBalance();
  });
});

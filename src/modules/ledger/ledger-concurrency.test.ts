import { v7 as uuidv7 } from 'uuid';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestApp } from '../../../test/harness.ts';
import { Conflict } from '../../platform/core/errors.ts';
import { withTransaction } from '../../platform/db/transaction.ts';
import { type AccountRef, balanceOf, checkBooks, type EntryInput, post } from './ledger.ts';

/**
 * Entries racing on a real PostgreSQL (PGlite runs one statement at a time): a floored balance
 * is never overdrawn, a key posts once, and entries that lock the same accounts in opposite
 * orders queue instead of deadlocking. The books are checked after each.
 */

const t = await createTestApp();
afterAll(() => t.close());

const account = (kind: AccountRef['kind'], holder: string): AccountRef => ({
  kind,
  holder,
  currency: 'ETB',
});
const move = (
  from: AccountRef,
  to: AccountRef,
  amount: number,
  key = `move:${uuidv7()}`,
): EntryInput => ({
  kind: 'test.move',
  key,
  reference: { type: 'test', id: uuidv7() },
  lines: [
    { account: from, amount },
    { account: to, amount: -amount },
  ],
});
const alone = (entry: EntryInput) => withTransaction(t.ctx(), (tx) => post(tx, entry));

/** A shop owed `amount`, paid in through the sandbox's clearing account. */
async function fundedShop(amount: number) {
  const available = account('shop-available', uuidv7());
  await post(t.ctx(), move(account('clearing', 'sandbox'), available, amount));
  return available;
}

async function expectBooksBalance() {
  expect(await checkBooks(t.database.db)).toEqual({ unbalancedEntries: [], driftedAccounts: [] });
}

describe.runIf(process.env.TEST_DATABASE_URL)('the ledger under concurrency (PostgreSQL)', () => {
  it('pays out a balance at most once: 25 payouts of 100 from 1,000, ten succeed', async () => {
    const available = await fundedShop(1_000);
    const payouts = account('payouts', available.holder);
    const results = await Promise.allSettled(
      Array.from({ length: 25 }, () => alone(move(available, payouts, 100))),
    );
    const refused = results.filter((r) => r.status === 'rejected');
    for (const r of refused) expect((r as PromiseRejectedResult).reason).toBeInstanceOf(Conflict);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(10);
    expect(refused).toHaveLength(15);
    expect(await balanceOf(t.database.db, available)).toBe(0);
    expect(await balanceOf(t.database.db, payouts)).toBe(1_000);
    await expectBooksBalance();
  });

  it('posts one key once when ten deliveries post it together', async () => {
    const available = await fundedShop(500);
    const payouts = account('payouts', available.holder);
    const entry = move(available, payouts, 200, `payout:${uuidv7()}`);
    const results = await Promise.all(Array.from({ length: 10 }, () => alone(entry)));
    expect(results.filter((r) => r.posted)).toHaveLength(1);
    expect(new Set(results.map((r) => r.entryId)).size).toBe(1);
    expect(await balanceOf(t.database.db, available)).toBe(300);
    await expectBooksBalance();
  });

  it('moves money both ways between two shops at once without a deadlock or a lost update', async () => {
    const a = await fundedShop(10_000);
    const b = await fundedShop(10_000);
    const entries = Array.from({ length: 40 }, (_, i) =>
      i % 2 === 0 ? move(b, a, 10 + i) : move(a, b, 10 + i),
    );
    const results = await Promise.allSettled(entries.map(alone));
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    const fromA = entries
      .filter((_, i) => i % 2 === 1)
      .reduce((sum, e) => sum + (e.lines[0]?.amount ?? 0), 0);
    const fromB = entries
      .filter((_, i) => i % 2 === 0)
      .reduce((sum, e) => sum + (e.lines[0]?.amount ?? 0), 0);
    expect(await balanceOf(t.database.db, a)).toBe(10_000 - fromA + fromB);
    expect(await balanceOf(t.database.db, b)).toBe(10_000 - fromB + fromA);
    await expectBooksBalance();
  });
});

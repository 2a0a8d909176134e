import { and, eq, sql } from 'drizzle-orm';
import type { Ctx } from '../../platform/core/context.ts';
import { Conflict } from '../../platform/core/errors.ts';
import type { Executor } from '../../platform/db/client.ts';
import type { Schedule } from '../../platform/module.ts';
import { journalEntries, journalLines, ledgerAccounts } from './tables.ts';
import { ACCOUNT_KINDS, type AccountKind } from './vocabulary.ts';

/** An account by what it is of; it is opened by the first entry that names it. */
export interface AccountRef {
  readonly kind: AccountKind;
  readonly holder: string;
  readonly currency: string;
}

/** Minor units: positive debits the account, negative credits it. */
export interface Posting {
  readonly account: AccountRef;
  readonly amount: number;
}

export interface EntryInput {
  readonly kind: string;
  /** Names the movement once: posting the same key again changes nothing. */
  readonly key: string;
  readonly reference: { readonly type: string; readonly id: string };
  readonly memo?: string;
  readonly lines: readonly Posting[];
}

const accountKey = (ref: AccountRef) => `${ref.kind}\u0000${ref.holder}\u0000${ref.currency}`;

/** An unbalanced entry is a bug in its caller, never the client's input: it fails loudly. */
function assertBalanced(input: EntryInput): void {
  if (input.lines.length < 2) throw new Error(`ledger entry ${input.key} needs two lines`);
  const sums = new Map<string, number>();
  for (const line of input.lines) {
    if (!Number.isSafeInteger(line.amount) || line.amount === 0) {
      throw new Error(`ledger entry ${input.key}: ${line.amount} is not a whole, non-zero amount`);
    }
    const currency = line.account.currency;
    sums.set(currency, (sums.get(currency) ?? 0) + line.amount);
  }
  for (const [currency, sum] of sums) {
    if (sum !== 0) throw new Error(`ledger entry ${input.key} is off by ${sum} ${currency}`);
  }
}

/**
 * Posts a balanced entry in the caller's transaction, so it commits with the state change it
 * records. Balances move under each account's row lock, in one order for every caller, so
 * concurrent entries queue instead of deadlocking; a floored account that would pass zero
 * refuses the whole entry (409 `insufficient-balance`). Runs in a savepoint: a refused entry
 * leaves nothing behind even when the caller goes on.
 */
export async function post(
  ctx: Ctx,
  input: EntryInput,
): Promise<{ entryId: string; posted: boolean }> {
  assertBalanced(input);
  return ctx.db.transaction(async (tx) => {
    const [entry] = await tx
      .insert(journalEntries)
      .values({
        kind: input.kind,
        key: input.key,
        referenceType: input.reference.type,
        referenceId: input.reference.id,
        memo: input.memo ?? null,
      })
      .onConflictDoNothing({ target: journalEntries.key })
      .returning({ id: journalEntries.id });
    if (!entry) {
      const [existing] = await tx
        .select({ id: journalEntries.id })
        .from(journalEntries)
        .where(eq(journalEntries.key, input.key));
      if (!existing) throw new Error(`ledger entry ${input.key} vanished`);
      return { entryId: existing.id, posted: false };
    }

    const deltas = new Map<string, { ref: AccountRef; delta: number }>();
    for (const line of input.lines) {
      const key = accountKey(line.account);
      const held = deltas.get(key);
      deltas.set(key, { ref: line.account, delta: (held?.delta ?? 0) + line.amount });
    }
    const moves = [...deltas.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, v]) => v);
    await tx
      .insert(ledgerAccounts)
      .values(moves.map(({ ref }) => ({ ...ref, ...ACCOUNT_KINDS[ref.kind] })))
      .onConflictDoNothing();

    const ids = new Map<string, string>();
    for (const { ref, delta } of moves) {
      const next = sql`${ledgerAccounts.balance} + ${delta}`;
      const [moved] = await tx
        .update(ledgerAccounts)
        .set({ balance: next })
        .where(
          and(
            eq(ledgerAccounts.kind, ref.kind),
            eq(ledgerAccounts.holder, ref.holder),
            eq(ledgerAccounts.currency, ref.currency),
            sql`(not ${ledgerAccounts.floored} or (${ledgerAccounts.normal} = 'debit' and ${next} >= 0) or (${ledgerAccounts.normal} = 'credit' and ${next} <= 0))`,
          ),
        )
        .returning({ id: ledgerAccounts.id });
      if (!moved) {
        throw new Conflict('insufficient-balance', `The ${ref.kind} balance cannot cover this.`, {
          details: { account: ref.kind, currency: ref.currency },
        });
      }
      ids.set(accountKey(ref), moved.id);
    }
    await tx.insert(journalLines).values(
      input.lines.map((line) => ({
        entryId: entry.id,
        accountId: ids.get(accountKey(line.account)) as string,
        amount: line.amount,
      })),
    );
    return { entryId: entry.id, posted: true };
  });
}

/** What an account holds, on its normal side (what a shop is owed is positive); 0 if unopened. */
export async function balanceOf(db: Executor, ref: AccountRef): Promise<number> {
  const [row] = await db
    .select({ balance: ledgerAccounts.balance, normal: ledgerAccounts.normal })
    .from(ledgerAccounts)
    .where(
      and(
        eq(ledgerAccounts.kind, ref.kind),
        eq(ledgerAccounts.holder, ref.holder),
        eq(ledgerAccounts.currency, ref.currency),
      ),
    );
  if (!row) return 0;
  return row.normal === 'credit' ? 0 - row.balance : row.balance;
}

export interface BooksReport {
  /** Entries whose lines do not sum to zero in some currency. */
  readonly unbalancedEntries: readonly string[];
  /** Accounts whose kept balance is not the sum of their lines. */
  readonly driftedAccounts: readonly string[];
}

/** Checks the books from the lines up: what the audit schedule and the payment tests assert. */
export async function checkBooks(db: Executor): Promise<BooksReport> {
  const unbalanced = await db
    .selectDistinct({ entryId: journalLines.entryId })
    .from(journalLines)
    .innerJoin(ledgerAccounts, eq(ledgerAccounts.id, journalLines.accountId))
    .groupBy(journalLines.entryId, ledgerAccounts.currency)
    .having(sql`sum(${journalLines.amount}) <> 0`);
  const sums = db
    .select({
      accountId: journalLines.accountId,
      total: sql<number>`sum(${journalLines.amount})`.as('total'),
    })
    .from(journalLines)
    .groupBy(journalLines.accountId)
    .as('sums');
  const drifted = await db
    .select({ id: ledgerAccounts.id })
    .from(ledgerAccounts)
    .leftJoin(sums, eq(sums.accountId, ledgerAccounts.id))
    .where(sql`${ledgerAccounts.balance} <> coalesce(${sums.total}, 0)`);
  return {
    unbalancedEntries: unbalanced.map((row) => row.entryId),
    driftedAccounts: drifted.map((row) => row.id),
  };
}

/** Every night the books are checked from their lines; a difference is logged as an error. */
export const auditBooks: Schedule = {
  name: 'ledger.audit-books',
  cron: '0 17 2 * * *',
  run: async (ctx) => {
    const report = await checkBooks(ctx.db);
    if (report.unbalancedEntries.length > 0 || report.driftedAccounts.length > 0) {
      ctx.log.error(report, 'ledger books do not balance');
    }
  },
};

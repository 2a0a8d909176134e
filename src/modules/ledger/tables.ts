import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  index,
  pgTable,
  text,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { createdAt, id } from '../../platform/db/columns.ts';
import { ACCOUNT_KIND_NAMES } from './vocabulary.ts';

/**
 * One account per kind, holder and currency. The holder is what the account is of: a provider's
 * name for clearing, a shop's id for a shop's balances, '' for the platform's own.
 */
export const ledgerAccounts = pgTable(
  'ledger_accounts',
  {
    id: id(),
    kind: text('kind', { enum: ACCOUNT_KIND_NAMES }).notNull(),
    holder: text('holder').notNull(),
    currency: text('currency').notNull(),
    /** The sum of the account's lines, kept in the transaction that writes them. */
    balance: bigint('balance', { mode: 'number' }).notNull().default(0),
    normal: text('normal', { enum: ['debit', 'credit'] }).notNull(),
    floored: boolean('floored').notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('ledger_accounts_key').on(t.kind, t.holder, t.currency),
    check(
      'ledger_accounts_floor',
      sql`not ${t.floored} or (${t.normal} = 'debit' and ${t.balance} >= 0) or (${t.normal} = 'credit' and ${t.balance} <= 0)`,
    ),
  ],
);

/**
 * A movement of money, never changed once written (a trigger refuses updates and deletes; a
 * mistake is undone by another entry). `key` makes posting idempotent: the capture of one
 * payment is posted once however often its webhook arrives.
 */
export const journalEntries = pgTable(
  'journal_entries',
  {
    id: id(),
    /** What happened, such as `payment.captured` or `refund`. */
    kind: text('kind').notNull(),
    key: text('key').notNull(),
    /** What the money moved for: `order`, `payment`, `payout`... and its id. */
    referenceType: text('reference_type').notNull(),
    referenceId: uuid('reference_id').notNull(),
    memo: text('memo'),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('journal_entries_key').on(t.key),
    index('journal_entries_reference').on(t.referenceType, t.referenceId),
  ],
);

/**
 * An entry's lines sum to zero in each currency: a deferred trigger checks it when the
 * transaction commits, so no code path can commit money from nowhere.
 */
export const journalLines = pgTable(
  'journal_lines',
  {
    id: id(),
    entryId: uuid('entry_id')
      .notNull()
      .references(() => journalEntries.id),
    accountId: uuid('account_id')
      .notNull()
      .references(() => ledgerAccounts.id),
    /** Minor units of the account's currency: positive debits, negative credits. */
    amount: bigint('amount', { mode: 'number' }).notNull(),
  },
  (t) => [
    check('journal_lines_amount', sql`${t.amount} <> 0`),
    index('journal_lines_entry').on(t.entryId),
    index('journal_lines_account').on(t.accountId, t.id),
  ],
);

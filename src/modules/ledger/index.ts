import type { Module } from '../../platform/module.ts';
import { auditBooks } from './ledger.ts';

export {
  type AccountRef,
  type BooksReport,
  balanceOf,
  checkBooks,
  type EntryInput,
  type Posting,
  post,
} from './ledger.ts';
export type { AccountKind } from './vocabulary.ts';

/**
 * The double-entry ledger every payment, refund and payout writes to, in the transaction of the
 * change it records. It has no routes of its own: balances are shown by the modules they are of.
 */
export const ledgerModule: Module = {
  name: 'ledger',
  schedules: [auditBooks],
};

/**
 * The ledger's accounts. A line's amount is signed: positive debits, negative credits. An
 * account's balance is the sum of its lines; `normal` is the side it grows on, and a `floored`
 * account may never pass zero the other way (a shop cannot owe the platform through its balance).
 */
export const ACCOUNT_KINDS = {
  /** Money a provider holds for the platform (per provider: stripe, telebirr, mpesa, cash). */
  clearing: { normal: 'debit', floored: false },
  /** The platform's commission earned. */
  commission: { normal: 'credit', floored: false },
  /** What the platform owes a shop for orders not yet delivered or still in their hold. */
  'shop-pending': { normal: 'credit', floored: true },
  /** What the platform owes a shop and the shop may ask to be paid out. */
  'shop-available': { normal: 'credit', floored: true },
  /** Payouts requested or on their way to a shop. */
  payouts: { normal: 'credit', floored: true },
  /** Refunds owed to buyers, until the provider returns them. */
  refunds: { normal: 'credit', floored: true },
} as const satisfies Record<string, { normal: 'debit' | 'credit'; floored: boolean }>;

export type AccountKind = keyof typeof ACCOUNT_KINDS;
export const ACCOUNT_KIND_NAMES = Object.keys(ACCOUNT_KINDS) as [AccountKind, ...AccountKind[]];

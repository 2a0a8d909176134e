/** Money as the API conventions have it: an integer amount in minor units and its currency. */

export interface Amount {
  /** Minor units: 1250000 ETB is 12,500.00 birr. */
  amount: number;
  /** ISO 4217. */
  currency: string;
}

export const money = (amount: number, currency: string): Amount => ({ amount, currency });

const decimals = new Map<string, number>();

/** Major units to minor units, by the currency's own number of decimals (none for VND). */
export function minorUnits(amount: number, currency: string): number {
  let digits = decimals.get(currency);
  if (digits === undefined) {
    digits =
      new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions()
        .maximumFractionDigits ?? 2;
    decimals.set(currency, digits);
  }
  return Math.round(amount * 10 ** digits);
}

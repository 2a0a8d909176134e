import type { RENT_PERIODS } from '../vocabulary.ts';

/** What generated properties and vehicles share: how they name things, and the year. */

export const THIS_YEAR = new Date().getUTCFullYear();

export type RentPeriod = (typeof RENT_PERIODS)[number];

export const label = (value: string) => (value === 'cvt' ? 'CVT' : value.replaceAll('_', ' '));
export const capitalised = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

export function listed(values: readonly string[]): string {
  const words = values.map(label);
  return words.length <= 1
    ? (words[0] ?? '')
    : `${words.slice(0, -1).join(', ')} and ${words.at(-1)}`;
}

export function ordinal(n: number): string {
  const teen = n % 100 >= 11 && n % 100 <= 13;
  const suffix = teen ? 'th' : ({ 1: 'st', 2: 'nd', 3: 'rd' } as Record<number, string>)[n % 10];
  return `${n}${suffix ?? 'th'}`;
}

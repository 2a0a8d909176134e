import { z } from '@hono/zod-openapi';

/** Zod fields that several modules' contracts share, so they validate and read alike. */

/** A query-string flag: `true` or `false`, read as a boolean. */
export const QueryFlag = z.enum(['true', 'false']).transform((value) => value === 'true');

/** Trimmed, non-empty text of at most `max` characters. */
export const text = (max: number) => z.string().trim().min(1).max(max);

/** Trimmed text, or null to clear it; absent leaves it as it is. */
export const optionalText = (max: number) => z.string().trim().max(max).nullable().optional();

export const CountryCode = z
  .string()
  .trim()
  .toUpperCase()
  .regex(/^[A-Z]{2}$/, { message: 'expected an ISO 3166-1 alpha-2 country code such as ET' })
  .openapi({ example: 'ET' });

const CURRENCIES = new Set(Intl.supportedValuesOf('currency'));

export const Currency = z
  .string()
  .trim()
  .toUpperCase()
  .refine((code) => CURRENCIES.has(code), {
    message: 'expected an ISO 4217 currency code such as ETB',
  })
  .openapi({ example: 'ETB' });

/** Money the API computes and answers with (a total, a discount): may be 0. */
export const Amount = z
  .object({ amount: z.number().int(), currency: z.string() })
  .openapi('Amount');

/** Money as the API conventions have it: an integer in minor units and its currency. */
export const Money = z
  .object({
    // int() also keeps to the safe integers, past which a JSON number loses whole units.
    amount: z
      .number()
      .int({ message: 'expected an integer amount in minor units (cents, santim)' })
      .positive()
      .openapi({ example: 1250000, description: 'In minor units: 1250000 ETB is 12,500.00 birr.' }),
    currency: Currency,
  })
  .openapi('Money');

/**
 * In a query's refinement: names `max` when both bounds of a range are given and `max` is below
 * `min`, so the client knows which one to change.
 */
export function checkRange<T extends Record<string, unknown>>(
  ctx: z.RefinementCtx,
  query: T,
  min: keyof T & string,
  max: keyof T & string,
): void {
  const [low, high] = [query[min], query[max]];
  if (typeof low === 'number' && typeof high === 'number' && low > high) {
    ctx.addIssue({ code: 'custom', path: [max], message: `must not be below ${min}` });
  }
}

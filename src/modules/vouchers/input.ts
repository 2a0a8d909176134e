import { z } from '@hono/zod-openapi';
import { Amount, Currency, Money } from '../../platform/core/fields.ts';
import { VOUCHER_TYPES } from './vocabulary.ts';

/**
 * Request and response contracts of the voucher routes. Shapes are checked here (400); the rules
 * across fields and those that need the shop or the stored voucher (the kind's fields, the dates'
 * order, currencies, the code's uniqueness) are the service's (422, 409), naming the same fields.
 */

const Code = z
  .string()
  .regex(/^[A-Za-z0-9_-]{3,32}$/, {
    message: 'expected 3 to 32 letters, digits, dashes or underscores',
  })
  .openapi({
    description: 'Stored as given; unique per shop (or among platform vouchers) ignoring case.',
    example: 'SUMMER-10',
  });

const Instant = z.iso.datetime({ offset: true }).transform((value) => new Date(value));
const Limit = z.number().int().min(1).max(1_000_000_000);

const fields = {
  code: Code,
  type: z.enum(VOUCHER_TYPES),
  percent: z
    .number()
    .int()
    .min(1)
    .max(100)
    .openapi({ description: 'For `percent`: the share of the subtotal taken off.' }),
  amount: Money.openapi({ description: 'For `fixed`: the amount taken off.' }),
  maxDiscount: Money.openapi({ description: 'For `percent`: the most it takes off.' }),
  minSubtotal: Money.openapi({ description: 'The least subtotal it applies to.' }),
  startsAt: Instant,
  endsAt: Instant.openapi({ description: 'After `startsAt`.' }),
  usageLimit: Limit.openapi({ description: 'Uses in all; absent: no limit.' }),
  perUserLimit: Limit.openapi({ description: 'Uses per buyer; absent: no limit.' }),
  listed: z.boolean().openapi({
    description:
      'Whether `GET /vouchers/available` shows it. An unlisted (private) voucher applies only ' +
      'when a buyer types its code, at validation and checkout alike.',
  }),
};

const optionalFields = {
  percent: fields.percent.optional(),
  amount: fields.amount.optional(),
  maxDiscount: fields.maxDiscount.optional(),
  minSubtotal: fields.minSubtotal.optional(),
  startsAt: fields.startsAt.optional(),
  endsAt: fields.endsAt.optional(),
  usageLimit: fields.usageLimit.optional(),
  perUserLimit: fields.perUserLimit.optional(),
};

export const VoucherCreate = z
  .strictObject({
    code: fields.code,
    type: fields.type,
    ...optionalFields,
    listed: fields.listed.default(true),
  })
  .openapi('VoucherCreate');
export type VoucherInput = z.infer<typeof VoucherCreate>;

export const PlatformVoucherCreate = VoucherCreate.extend({ currency: Currency })
  .strict()
  .openapi('PlatformVoucherCreate');
export type PlatformVoucherInput = z.infer<typeof PlatformVoucherCreate>;

const nullable = <T extends z.ZodType>(field: T) => field.nullable().optional();

export const VoucherUpdate = z
  .strictObject({
    code: fields.code.optional(),
    type: fields.type.optional(),
    percent: nullable(fields.percent),
    amount: nullable(fields.amount),
    maxDiscount: nullable(fields.maxDiscount),
    minSubtotal: nullable(fields.minSubtotal),
    startsAt: nullable(fields.startsAt),
    endsAt: nullable(fields.endsAt),
    usageLimit: nullable(fields.usageLimit),
    perUserLimit: nullable(fields.perUserLimit),
    listed: fields.listed.optional(),
    active: z.boolean().optional().openapi({ description: 'True brings a deactivated one back.' }),
  })
  .refine((value) => Object.values(value).some((v) => v !== undefined), {
    message: 'give at least one field to change',
  })
  .openapi('VoucherUpdate', {
    description: 'Absent fields stay; null clears. The currency of a voucher never changes.',
  });
export type VoucherChanges = z.infer<typeof VoucherUpdate>;

/** What a buyer sees of a voucher. */
export const VoucherOffer = z
  .object({
    id: z.uuid(),
    shopId: z.uuid().nullable().openapi({ description: 'Null for a platform voucher.' }),
    code: z.string(),
    type: z.enum(VOUCHER_TYPES),
    percent: z.number().int().nullable(),
    amount: Amount.nullable(),
    maxDiscount: Amount.nullable(),
    minSubtotal: Amount.nullable(),
    currency: z.string(),
    startsAt: z.iso.datetime().nullable(),
    endsAt: z.iso.datetime().nullable(),
  })
  .openapi('VoucherOffer');

/** What its shop or an admin sees. */
export const Voucher = VoucherOffer.extend({
  usageLimit: z.number().int().nullable(),
  perUserLimit: z.number().int().nullable(),
  usedCount: z.number().int(),
  listed: z.boolean(),
  active: z.boolean(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
}).openapi('Voucher');

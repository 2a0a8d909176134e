import { z } from '@hono/zod-openapi';
import { CountryCode, Money, optionalText, text } from '../../platform/core/fields.ts';
import { IMAGE_VARIANT_WIDTHS } from '../../platform/storage/index.ts';
import { isValidVin } from './vin.ts';
import {
  BODY_TYPES,
  CONDITIONS,
  FUELS,
  LISTING_KINDS,
  LISTING_STATUSES,
  PROPERTY_AMENITIES,
  PROPERTY_FEATURES,
  PROPERTY_TYPES,
  PURPOSES,
  RENT_PERIODS,
  TRANSMISSIONS,
  VEHICLE_CATEGORIES,
} from './vocabulary.ts';

/** Request and response contracts of listings (camelCase, money in minor units). */

const THIS_YEAR = new Date().getUTCFullYear();

const count = (max: number) => z.number().int().min(0).max(max);
const area = z.number().positive().max(100_000_000);
const uniqueValues = <T extends readonly [string, ...string[]]>(values: T) =>
  z
    .array(z.enum(values))
    .max(values.length)
    .refine((list) => new Set(list).size === list.length, { message: 'a value is repeated' });

export const Location = z
  .object({
    address: optionalText(200).openapi({ example: 'Bole Road, near Edna Mall' }),
    city: text(100).openapi({ example: 'Addis Ababa' }),
    region: optionalText(100).openapi({ example: 'Addis Ababa' }),
    countryCode: CountryCode,
    postalCode: optionalText(20),
    lat: z.number().min(-90).max(90).openapi({ example: 8.9959 }),
    lng: z.number().min(-180).max(180).openapi({ example: 38.7866 }),
  })
  .openapi('ListingLocation');

export const PropertyAttributes = z
  .object({
    type: z.enum(PROPERTY_TYPES),
    bedrooms: count(100).nullable().optional(),
    bathrooms: z
      .number()
      .min(0)
      .max(100)
      .multipleOf(0.5, { message: 'expected whole or half bathrooms' })
      .nullable()
      .optional()
      .openapi({ example: 2.5 }),
    floorAreaM2: area.nullable().optional().openapi({ example: 145 }),
    lotSizeM2: area.nullable().optional(),
    yearBuilt: z
      .number()
      .int()
      .min(1800)
      .max(THIS_YEAR + 5)
      .nullable()
      .optional(),
    floor: z.number().int().min(-10).max(300).nullable().optional(),
    parkingSpaces: count(10_000).nullable().optional(),
    furnished: z.boolean().nullable().optional(),
    features: uniqueValues(PROPERTY_FEATURES).optional(),
    amenities: uniqueValues(PROPERTY_AMENITIES).optional(),
  })
  .openapi('PropertyAttributes');

export const VehicleAttributes = z
  .object({
    category: z.enum(VEHICLE_CATEGORIES),
    make: text(60).openapi({ example: 'Toyota' }),
    model: text(60).openapi({ example: 'Corolla' }),
    trim: optionalText(60),
    year: z
      .number()
      .int()
      .min(1900)
      .max(THIS_YEAR + 1),
    mileageKm: count(10_000_000).nullable().optional(),
    fuel: z.enum(FUELS).nullable().optional(),
    transmission: z.enum(TRANSMISSIONS).nullable().optional(),
    bodyType: z.enum(BODY_TYPES).nullable().optional(),
    color: optionalText(40),
    condition: z.enum(CONDITIONS).default('used'),
    engineCc: z.number().int().min(1).max(100_000).nullable().optional(),
    vin: z
      .string()
      .trim()
      .toUpperCase()
      // A 17-character VIN never holds I, O or Q; an older or Japanese-market chassis number
      // is shorter and may have a hyphen (NZE121-3123456).
      .regex(/^(?:[A-HJ-NPR-Z0-9]{17}|[A-Z0-9][A-Z0-9-]{3,15})$/, {
        message:
          'expected a 17-character VIN (letters and digits, no I, O or Q) or a shorter chassis number',
        // A malformed VIN has no check digit worth reporting as well.
        abort: true,
      })
      .refine(isValidVin, { message: 'the VIN check digit (9th character) does not match' })
      .nullable()
      .optional()
      .openapi({ example: '1HGCM82633A004352' }),
  })
  .openapi('VehicleAttributes');

const commonFields = {
  purpose: z.enum(PURPOSES),
  rentPeriod: z
    .enum(RENT_PERIODS)
    .nullable()
    .optional()
    .openapi({ description: 'Required when `purpose` is `rent`; absent for a sale.' }),
  title: text(120).openapi({ example: 'Sunny 3-bedroom apartment in Bole' }),
  description: text(10_000),
  price: Money,
  location: Location,
};

/** A rent states its period; a sale has none. */
function rentPeriodMatchesPurpose(
  value: { purpose?: string | undefined; rentPeriod?: string | null | undefined },
  ctx: z.RefinementCtx,
): void {
  if (value.purpose === 'rent' && !value.rentPeriod) {
    ctx.addIssue({ code: 'custom', path: ['rentPeriod'], message: 'a rent needs its period' });
  }
  if (value.purpose === 'sale' && value.rentPeriod) {
    ctx.addIssue({ code: 'custom', path: ['rentPeriod'], message: 'a sale has no rent period' });
  }
}

export const ListingCreate = z
  .discriminatedUnion('kind', [
    z.strictObject({
      kind: z.literal('property'),
      ...commonFields,
      property: PropertyAttributes,
    }),
    z.strictObject({
      kind: z.literal('vehicle'),
      ...commonFields,
      vehicle: VehicleAttributes,
    }),
  ])
  // Checked even when other fields are wrong, so one answer names every bad field; not when
  // the period itself is already named, nor on a body that is no object.
  .superRefine(rentPeriodMatchesPurpose, {
    when: ({ value, issues }) =>
      typeof value === 'object' &&
      value !== null &&
      !issues.some((issue) => issue.path?.[0] === 'rentPeriod'),
  })
  .openapi('ListingCreate');

export type ListingInput = z.infer<typeof ListingCreate>;

/**
 * Any field of the listing; `property` and `vehicle` merge into what is there. The kind
 * never changes: list the other kind anew.
 */
export const ListingUpdate = z
  .strictObject({
    ...commonFields,
    property: PropertyAttributes.partial(),
    vehicle: VehicleAttributes.partial(),
  })
  .partial()
  .refine((value) => Object.values(value).some((v) => v !== undefined), {
    message: 'give at least one field to change',
    // A body holding only wrong fields is told about those, not that it is empty.
    when: ({ issues }) => issues.length === 0,
  })
  .openapi('ListingUpdate');

export type ListingChanges = z.infer<typeof ListingUpdate>;

export const Photo = z
  .object({
    id: z.uuid(),
    url: z.url().openapi({ description: 'The uploaded image, metadata stripped.' }),
    width: z.number().int(),
    height: z.number().int(),
    alt: z.string().nullable(),
    position: z.number().int().openapi({ description: 'From 0, the order clients show.' }),
    primary: z.boolean(),
    variants: z
      .object(Object.fromEntries(IMAGE_VARIANT_WIDTHS.map((w) => [String(w), z.url().optional()])))
      .catchall(z.url())
      .openapi({
        description:
          'WebP variants by width, made in the background shortly after the upload. A photo ' +
          'narrower than every width gets one variant of its own width.',
      }),
  })
  .openapi('ListingPhoto');

const listingFields = {
  id: z.uuid(),
  kind: z.enum(LISTING_KINDS),
  purpose: z.enum(PURPOSES),
  rentPeriod: z.enum(RENT_PERIODS).nullable(),
  title: z.string(),
  description: z.string(),
  price: Money,
  location: z.object({
    address: z.string().nullable(),
    city: z.string(),
    region: z.string().nullable(),
    countryCode: z.string(),
    postalCode: z.string().nullable(),
    lat: z.number(),
    lng: z.number(),
  }),
  status: z.enum(LISTING_STATUSES),
  property: z
    .object({
      type: z.enum(PROPERTY_TYPES),
      bedrooms: z.number().int().nullable(),
      bathrooms: z.number().nullable(),
      floorAreaM2: z.number().nullable(),
      lotSizeM2: z.number().nullable(),
      yearBuilt: z.number().int().nullable(),
      floor: z.number().int().nullable(),
      parkingSpaces: z.number().int().nullable(),
      furnished: z.boolean().nullable(),
      features: z.array(z.enum(PROPERTY_FEATURES)),
      amenities: z.array(z.enum(PROPERTY_AMENITIES)),
    })
    .optional()
    .openapi({ description: 'Present on properties.' }),
  vehicle: z
    .object({
      category: z.enum(VEHICLE_CATEGORIES),
      make: z.string(),
      model: z.string(),
      trim: z.string().nullable(),
      year: z.number().int(),
      mileageKm: z.number().int().nullable(),
      fuel: z.enum(FUELS).nullable(),
      transmission: z.enum(TRANSMISSIONS).nullable(),
      bodyType: z.enum(BODY_TYPES).nullable(),
      color: z.string().nullable(),
      condition: z.enum(CONDITIONS),
      engineCc: z.number().int().nullable(),
      vin: z.string().nullable(),
    })
    .optional()
    .openapi({ description: 'Present on vehicles.' }),
  featuredUntil: z.iso.datetime().nullable(),
  publishedAt: z.iso.datetime().nullable(),
  expiresAt: z.iso.datetime().nullable().openapi({
    description: 'When it leaves the market unless renewed (`POST /listings/{id}/renew`).',
  }),
  rejectionReason: z
    .string()
    .nullable()
    .openapi({ description: "A moderator's reason, when the listing was rejected." }),
  ownerId: z.uuid(),
  revision: z.number().int().openapi({
    description: 'Moves on with each change to its fields or photos; moderators approve one.',
  }),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
};

export const Listing = z.object({ ...listingFields, photos: z.array(Photo) }).openapi('Listing');

/** A listing in a list: its primary photo instead of them all. */
export const ListingSummary = z
  .object({
    ...listingFields,
    primaryPhoto: Photo.nullable(),
    distanceKm: z
      .number()
      .optional()
      .openapi({ description: 'From the `near` point, when the search gave one.' }),
  })
  .openapi('ListingSummary');

export const FavoriteItem = z
  .object({
    listing: ListingSummary,
    savedAt: z.iso.datetime(),
    available: z.boolean().openapi({
      description: 'False once the listing is off the market (sold, rented, expired, archived).',
    }),
  })
  .openapi('Favorite');

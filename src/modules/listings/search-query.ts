import { z } from '@hono/zod-openapi';
import { CountryCode, Currency, checkRange, text } from '../../platform/core/fields.ts';
import { PageQuery } from '../../platform/core/paging.ts';
import {
  CONDITIONS,
  FUELS,
  LISTING_KINDS,
  PROPERTY_AMENITIES,
  PROPERTY_FEATURES,
  PROPERTY_TYPES,
  PURPOSES,
  RENT_PERIODS,
  TRANSMISSIONS,
  VEHICLE_CATEGORIES,
} from './vocabulary.ts';

/** The query of GET /listings: every filter validated, each bad one named. */

/** `a,b,c`: each value from `values`, none repeated. */
function listOf<T extends string>(values: readonly T[], example: string) {
  return z
    .string()
    .max(1000)
    .transform((raw, ctx) => {
      const items = [...new Set(raw.split(',').map((item) => item.trim()))].filter(Boolean);
      const unknown = items.filter((item) => !(values as readonly string[]).includes(item));
      if (unknown.length > 0 || items.length === 0) {
        ctx.addIssue({
          code: 'custom',
          message:
            unknown.length > 0
              ? `unknown value ${unknown.map((u) => JSON.stringify(u)).join(', ')}; expected any of ${values.join(', ')}`
              : 'expected at least one value',
        });
        return z.NEVER;
      }
      return items as T[];
    })
    .openapi({ type: 'string', example, description: `Comma-separated: ${values.join(', ')}.` });
}

/** `n1,n2,...`: exactly `count` finite numbers. */
function numbers(count: number, example: string) {
  return z
    .string()
    .max(200)
    .transform((raw, ctx) => {
      const parts = raw.split(',').map((part) => part.trim());
      const values = parts.map(Number);
      if (
        parts.length !== count ||
        parts.some((p) => p === '') ||
        values.some((v) => !Number.isFinite(v))
      ) {
        ctx.addIssue({ code: 'custom', message: `expected ${count} comma-separated numbers` });
        return z.NEVER;
      }
      return values;
    })
    .openapi({ type: 'string', example });
}

const validLat = (lat: number) => lat >= -90 && lat <= 90;
const validLng = (lng: number) => lng >= -180 && lng <= 180;

const BBox = numbers(4, '8.95,38.70,9.05,38.85')
  .refine(
    ([minLat = 0, minLng = 0, maxLat = 0, maxLng = 0]) =>
      [minLat, maxLat].every(validLat) && [minLng, maxLng].every(validLng),
    {
      message: 'latitudes must be within -90..90 and longitudes within -180..180',
    },
  )
  .refine(([minLat = 0, , maxLat = 0]) => minLat <= maxLat, {
    message: 'minLat must not be above maxLat',
  })
  .transform(([minLat = 0, minLng = 0, maxLat = 0, maxLng = 0]) => ({
    minLat,
    minLng,
    maxLat,
    maxLng,
  }))
  .openapi({
    description:
      'minLat,minLng,maxLat,maxLng: the map view. minLng above maxLng is a box across the antimeridian.',
  });

const Point = numbers(2, '8.9959,38.7866')
  .refine(([lat = 0, lng = 0]) => validLat(lat) && validLng(lng), {
    message: 'expected lat within -90..90 and lng within -180..180',
  })
  .transform(([lat = 0, lng = 0]) => ({ lat, lng }))
  .openapi({ description: 'lat,lng: search around this point, within radiusKm.' });

const whole = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const positive = z.coerce.number().positive().max(100_000_000);

export const SORTS = ['newest', 'price_asc', 'price_desc', 'relevance', 'distance'] as const;
export type Sort = (typeof SORTS)[number];

export const DEFAULT_RADIUS_KM = 10;

const filters = {
  kind: z.enum(LISTING_KINDS).optional(),
  purpose: z.enum(PURPOSES).optional(),
  rentPeriod: z.enum(RENT_PERIODS).optional(),
  propertyType: listOf(PROPERTY_TYPES, 'apartment,condo').optional(),
  vehicleCategory: listOf(VEHICLE_CATEGORIES, 'car').optional(),
  make: text(60).optional().openapi({ example: 'Toyota' }),
  model: text(60).optional().openapi({ example: 'Corolla' }),
  city: text(100).optional().openapi({ example: 'Addis Ababa' }),
  region: text(100).optional(),
  country: CountryCode.optional(),
  currency: Currency.optional().openapi({
    description: 'Needed with priceMin, priceMax and the price sorts: amounts compare within one.',
  }),
  priceMin: whole(1, Number.MAX_SAFE_INTEGER).optional().openapi({ description: 'Minor units.' }),
  priceMax: whole(1, Number.MAX_SAFE_INTEGER).optional().openapi({ description: 'Minor units.' }),
  bedroomsMin: whole(0, 100).optional(),
  bathroomsMin: z.coerce.number().min(0).max(100).optional(),
  areaMin: positive.optional().openapi({ description: 'Floor area, m².' }),
  areaMax: positive.optional().openapi({ description: 'Floor area, m².' }),
  yearMin: whole(1800, 2100)
    .optional()
    .openapi({ description: "A vehicle's year or a property's year built." }),
  yearMax: whole(1800, 2100).optional(),
  mileageMax: whole(0, 10_000_000).optional().openapi({ description: 'Kilometres.' }),
  fuel: listOf(FUELS, 'petrol,hybrid').optional(),
  transmission: listOf(TRANSMISSIONS, 'automatic').optional(),
  condition: z.enum(CONDITIONS).optional(),
  furnished: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
  features: listOf(PROPERTY_FEATURES, 'balcony,garden').optional().openapi({
    description: 'Comma-separated; listings with all of them.',
  }),
  amenities: listOf(PROPERTY_AMENITIES, 'elevator').optional().openapi({
    description: 'Comma-separated; listings with all of them.',
  }),
  bbox: BBox.optional(),
  near: Point.optional(),
  radiusKm: z.coerce
    .number()
    .positive()
    .max(500)
    .optional()
    .openapi({
      description: `With near: how far, in km (${DEFAULT_RADIUS_KM} when absent).`,
    }),
  q: text(200)
    .optional()
    .openapi({
      description:
        'Words to find in titles, descriptions and places: ranked, matching word prefixes, and ' +
        'tolerant of a typo.',
      example: 'bole apartment',
    }),
};

const sort = z
  .enum(SORTS)
  .optional()
  .openapi({
    description:
      'relevance (the default with q) needs q; distance needs near; the price sorts need ' +
      'currency. Otherwise newest. Featured listings come first in every order.',
  });

const PROPERTY_ONLY = [
  'propertyType',
  'bedroomsMin',
  'bathroomsMin',
  'areaMin',
  'areaMax',
  'furnished',
  'features',
  'amenities',
] as const;
const VEHICLE_ONLY = [
  'vehicleCategory',
  'make',
  'model',
  'mileageMax',
  'fuel',
  'transmission',
  'condition',
] as const;

type Checked = z.infer<z.ZodObject<typeof filters>> & { sort?: Sort | undefined };

/** The rules between filters (and the sort), each naming the field to change. */
function checkFilters(query: Checked, ctx: z.RefinementCtx): void {
  const issue = (path: string, message: string) =>
    ctx.addIssue({ code: 'custom', path: [path], message });
  const needsCurrency =
    query.priceMin !== undefined ||
    query.priceMax !== undefined ||
    query.sort === 'price_asc' ||
    query.sort === 'price_desc';
  if (needsCurrency && !query.currency)
    issue('currency', 'give the currency that prices compare in');
  checkRange(ctx, query, 'priceMin', 'priceMax');
  checkRange(ctx, query, 'areaMin', 'areaMax');
  checkRange(ctx, query, 'yearMin', 'yearMax');
  if (query.radiusKm !== undefined && !query.near) issue('radiusKm', 'give near with radiusKm');
  if (query.sort === 'distance' && !query.near) issue('sort', 'sorting by distance needs near');
  if (query.sort === 'relevance' && !query.q) issue('sort', 'sorting by relevance needs q');
  if (query.rentPeriod && query.purpose === 'sale')
    issue('rentPeriod', 'a sale has no rent period');
  const other =
    query.kind === 'vehicle' ? PROPERTY_ONLY : query.kind === 'property' ? VEHICLE_ONLY : [];
  for (const name of other) {
    if (query[name] !== undefined) issue(name, `does not apply to ${query.kind} listings`);
  }
}

export const SearchQuery = PageQuery.extend({ ...filters, sort })
  .strict()
  .superRefine(checkFilters);

export type Search = z.infer<typeof SearchQuery>;

/**
 * The filters of GET /listings without paging or order: what a saved search keeps. The same
 * validation; in a JSON body numbers may be numbers.
 */
export const SearchFilters = z.strictObject(filters).superRefine(checkFilters);

export type Filters = z.infer<typeof SearchFilters>;

import { and, asc, desc, eq, inArray, ne, type SQL, sql } from 'drizzle-orm';
import type { Ctx } from '../../platform/core/context.ts';
import { visibleListing } from './listings.ts';
import { listings } from './tables.ts';
import { type Listed, type ListingSummaryView, listingColumns, summaryViews } from './views.ts';
import { PUBLIC_STATUSES } from './vocabulary.ts';

/** Listings like a given one, by rules a buyer would name, ranked in SQL. */

/** Beyond this a listing in another city is not "nearby". */
const RADIUS_M = 25_000;
/** How far the price may stray either way. */
const PRICE_BAND = 0.25;
/** Distance at which the nearness score halves. */
const HALF_SCORE_M = 5_000;

const float = (value: number) => sql`${value}::float8`;

/** 1 when equal, falling towards 0 as the ratio of the two widens; 0 when either is unknown. */
const ratio = (column: SQL, value: number | null, floor = 0) =>
  value === null
    ? sql`0`
    : sql`coalesce((least(${column}, ${float(value)}) + ${float(floor)}) / nullif(greatest(${column}, ${float(value)}) + ${float(floor)}, 0), 0)`;

/** 1 when equal, 1/2 one apart, 1/3 two apart...; 0 when either is unknown. */
const closeness = (column: SQL, value: number | null) =>
  value === null ? sql`0` : sql`coalesce(1.0 / (1 + abs(${column} - ${float(value)})), 0)`;

const sameText = (column: SQL, value: string | null) =>
  value === null ? sql`0` : sql`(case when lower(${column}) = lower(${value}) then 1 else 0 end)`;

/**
 * Each part is in [0, 1] and weighted: the price and, for the kind, what a buyer compares first
 * (a vehicle's model, a property's type and bedrooms) weigh most.
 */
function scoreOf(anchor: Listed, distance: SQL): SQL<number> {
  const price = sql`(1 - abs(${listings.priceAmount} - ${float(anchor.priceAmount)}) / ${float(anchor.priceAmount * PRICE_BAND)})`;
  const near = sql`(1 / (1 + ${distance} / ${float(HALF_SCORE_M)}))`;
  const make = sameText(sql`${listings.make}`, anchor.make);
  const attributes =
    anchor.kind === 'property'
      ? sql`1.5 * ${sameText(sql`${listings.propertyType}`, anchor.propertyType)}
          + 1.5 * ${closeness(sql`${listings.bedrooms}`, anchor.bedrooms)}
          + 1.0 * ${ratio(sql`${listings.floorAreaM2}`, anchor.floorAreaM2)}`
      : sql`1.0 * ${make}
          + 2.0 * ${make} * ${sameText(sql`${listings.model}`, anchor.model)}
          + 1.0 * ${closeness(sql`${listings.year}`, anchor.year)}
          + 1.0 * ${ratio(sql`${listings.mileageKm}`, anchor.mileageKm, 1_000)}`;
  return sql<number>`(2.0 * ${price} + 1.0 * ${near} + ${attributes})`;
}

/**
 * Up to `limit` listings on the market like the one given (which the caller must be able to
 * see): the same kind, purpose and rent period, a price in the same currency within ±25%, in
 * the same city or within 25 km; best match first.
 */
export async function similarListings(
  ctx: Ctx,
  id: string,
  limit: number,
): Promise<ListingSummaryView[]> {
  const anchor = await visibleListing(ctx, id);
  const here = sql`ll_to_earth(${float(anchor.lat)}, ${float(anchor.lng)})`;
  const there = listings.place;
  const distance = sql`earth_distance(${here}, ${there})`;
  const score = scoreOf(anchor, distance);
  const rows = await ctx.db
    .select({ ...listingColumns, score })
    .from(listings)
    .where(
      and(
        inArray(listings.status, [...PUBLIC_STATUSES]),
        eq(listings.kind, anchor.kind),
        eq(listings.purpose, anchor.purpose),
        anchor.rentPeriod === null ? undefined : eq(listings.rentPeriod, anchor.rentPeriod),
        ne(listings.id, anchor.id),
        eq(listings.priceCurrency, anchor.priceCurrency),
        sql`${listings.priceAmount} between ${Math.ceil(anchor.priceAmount * (1 - PRICE_BAND))} and ${Math.floor(anchor.priceAmount * (1 + PRICE_BAND))}`,
        // The box lets the GiST index on ll_to_earth find the neighbours; it is a cube around
        // the sphere's cap, so the exact distance still trims its corners.
        sql`(lower(${listings.city}) = lower(${anchor.city}) or (earth_box(${here}, ${float(RADIUS_M)}) @> ${there} and ${distance} <= ${float(RADIUS_M)}))`,
      ),
    )
    .orderBy(desc(score), asc(listings.id))
    .limit(limit);
  return summaryViews(ctx.db, ctx.storage, rows);
}

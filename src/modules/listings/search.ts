import { and, arrayContains, eq, gte, inArray, lte, or, type SQL, sql } from 'drizzle-orm';
import type { Ctx } from '../../platform/core/context.ts';
import { keysetPage, type Page, queryScope, type SortKey } from '../../platform/core/paging.ts';
import { type TextSearchable, textMatch } from '../../platform/db/text-search.ts';
import { withTransaction } from '../../platform/db/transaction.ts';
import { DEFAULT_RADIUS_KM, type Filters, type Search, type Sort } from './search-query.ts';
import { listings } from './tables.ts';
import { type Listed, type ListingSummaryView, listingColumns, summaryViews } from './views.ts';
import { PUBLIC_STATUSES } from './vocabulary.ts';

/**
 * GET /listings: filters, a map box or a radius, full text, and keyset pages in every order.
 * The same SQL runs on PGlite and PostgreSQL: tsvector + pg_trgm for text, earthdistance (a
 * GiST index on ll_to_earth) for radius, a GiST index on point(lng, lat) for boxes.
 */

/** The condition `fn` makes of a filter the query has; none when it is absent. */
const when = <T>(value: T | undefined, fn: (value: T) => SQL) =>
  value === undefined ? undefined : fn(value);

const lower = (value: SQL | unknown) => sql`lower(${value})`;
const earth = (lat: unknown, lng: unknown) => sql`ll_to_earth(${lat}, ${lng})`;

/** The SQL of the filters, `q` apart: GET /listings and the saved-search matcher share it. */
export function filterConditions(search: Filters): SQL[] {
  const where: (SQL | undefined)[] = [
    inArray(listings.status, [...PUBLIC_STATUSES]),
    when(search.kind, (v) => eq(listings.kind, v)),
    when(search.purpose, (v) => eq(listings.purpose, v)),
    when(search.rentPeriod, (v) => eq(listings.rentPeriod, v)),
    when(search.propertyType, (v) => inArray(listings.propertyType, v)),
    when(search.vehicleCategory, (v) => inArray(listings.vehicleCategory, v)),
    when(search.make, (v) => sql`${lower(listings.make)} = ${v.toLowerCase()}`),
    when(search.model, (v) => sql`${lower(listings.model)} = ${v.toLowerCase()}`),
    when(search.city, (v) => sql`${lower(listings.city)} = ${v.toLowerCase()}`),
    when(search.region, (v) => sql`${lower(listings.region)} = ${v.toLowerCase()}`),
    when(search.country, (v) => eq(listings.countryCode, v)),
    when(search.currency, (v) => eq(listings.priceCurrency, v)),
    when(search.priceMin, (v) => gte(listings.priceAmount, v)),
    when(search.priceMax, (v) => lte(listings.priceAmount, v)),
    when(search.bedroomsMin, (v) => gte(listings.bedrooms, v)),
    when(search.bathroomsMin, (v) => gte(listings.bathrooms, v)),
    when(search.areaMin, (v) => gte(listings.floorAreaM2, v)),
    when(search.areaMax, (v) => lte(listings.floorAreaM2, v)),
    when(search.yearMin, (v) => sql`coalesce(${listings.year}, ${listings.yearBuilt}) >= ${v}`),
    when(search.yearMax, (v) => sql`coalesce(${listings.year}, ${listings.yearBuilt}) <= ${v}`),
    when(search.mileageMax, (v) => lte(listings.mileageKm, v)),
    when(search.fuel, (v) => inArray(listings.fuel, v)),
    when(search.transmission, (v) => inArray(listings.transmission, v)),
    when(search.condition, (v) => eq(listings.condition, v)),
    when(search.furnished, (v) => eq(listings.furnished, v)),
    when(search.features, (v) => arrayContains(listings.features, v)),
    when(search.amenities, (v) => arrayContains(listings.amenities, v)),
  ];
  if (search.bbox) {
    const { minLat, minLng, maxLat, maxLng } = search.bbox;
    const point = sql`point(${listings.lng}, ${listings.lat})`;
    const box = (west: number, east: number) =>
      sql`${point} <@ box(point(${west}, ${minLat}), point(${east}, ${maxLat}))`;
    // A view across the antimeridian is two boxes, either side of it.
    where.push(minLng <= maxLng ? box(minLng, maxLng) : or(box(minLng, 180), box(-180, maxLng)));
  }
  if (search.near) {
    const radiusM = (search.radiusKm ?? DEFAULT_RADIUS_KM) * 1000;
    const centre = earth(search.near.lat, search.near.lng);
    const place = listings.place;
    // The box lets the GiST index find candidates; the distance trims the box's corners.
    where.push(sql`earth_box(${centre}, ${radiusM}) @> ${place}`);
    where.push(sql`earth_distance(${centre}, ${place}) <= ${radiusM}`);
  }
  return where.filter((c): c is SQL => c !== undefined);
}

type Found = Listed & { rank: string | null; distanceM: number | null };

const featured = sql<boolean>`(${listings.featuredUntil} is not null)`;

function sortKeys(sort: Sort, rank: SQL, distance: SQL): SortKey<Found>[] {
  const first: SortKey<Found> = {
    column: featured,
    direction: 'desc',
    value: (r) => r.featuredUntil !== null,
  };
  const id = (direction: 'asc' | 'desc'): SortKey<Found> => ({
    column: listings.id,
    direction,
    value: (r) => r.id,
  });
  switch (sort) {
    case 'newest':
      // Every listing on the market has been published, so the key is never null here.
      return [
        first,
        { column: listings.publishedAt, direction: 'desc', value: (r) => r.publishedAt as Date },
        id('desc'),
      ];
    case 'price_asc':
      return [
        first,
        { column: listings.priceAmount, direction: 'asc', value: (r) => r.priceAmount },
        id('asc'),
      ];
    case 'price_desc':
      return [
        first,
        { column: listings.priceAmount, direction: 'desc', value: (r) => r.priceAmount },
        id('desc'),
      ];
    case 'relevance':
      return [first, { column: rank, direction: 'desc', value: (r) => r.rank ?? '0' }, id('desc')];
    case 'distance':
      return [
        first,
        { column: distance, direction: 'asc', value: (r) => r.distanceM ?? 0 },
        id('asc'),
      ];
  }
}

/** Listings' text: the title, make and model over the description over the place. */
export const listingText: TextSearchable = {
  table: listings,
  vector: listings.search,
  text: listings.searchText,
};

export async function searchListings(ctx: Ctx, search: Search): Promise<Page<ListingSummaryView>> {
  const sort: Sort = search.sort ?? (search.q ? 'relevance' : 'newest');
  const where = filterConditions(search);
  const distance = search.near
    ? sql`round(earth_distance(${earth(search.near.lat, search.near.lng)}, ${listings.place}))::integer`
    : sql`null::integer`;
  const scope = await queryScope(`listings:${sort}`, search);
  const page = await withTransaction(ctx, async (tx) => {
    const text = search.q ? await textMatch(tx.db, listingText, search.q, where) : undefined;
    if (text) where.push(text.match);
    const rank = text?.rank ?? sql`null::numeric`;
    return keysetPage<Found>(ctx, {
      scope,
      keys: sortKeys(sort, rank, distance),
      page: search,
      fetch: ({ where: after, orderBy, limit }) =>
        tx.db
          .select({
            ...listingColumns,
            rank: sql<string | null>`${rank}`,
            distanceM: sql<number | null>`${distance}`,
          })
          .from(listings)
          .where(and(...where, after))
          .orderBy(...orderBy)
          .limit(limit),
    });
  });
  return { ...page, items: await summaryViews(ctx.db, ctx.storage, page.items) };
}

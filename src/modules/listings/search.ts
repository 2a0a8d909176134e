import { and, arrayContains, eq, gte, inArray, lte, or, type SQL, sql } from 'drizzle-orm';
import { withTransaction } from '../../platform/db/transaction.ts';
import type { Ctx } from '../../platform/http/context.ts';
import { BadRequest } from '../../platform/http/errors.ts';
import { keysetPage, type Page, type SortKey } from '../../platform/http/pagination.ts';
import { DEFAULT_RADIUS_KM, type Filters, type Search, type Sort } from './search-query.ts';
import { listings } from './tables.ts';
import { type Listed, type ListingSummaryView, listingColumns, summaryViews } from './views.ts';
import { PUBLIC_STATUSES } from './vocabulary.ts';

/**
 * GET /listings: filters, a map box or a radius, full text, and keyset pages in every order.
 * The same SQL runs on PGlite and PostgreSQL: tsvector + pg_trgm for text, earthdistance (a
 * GiST index on ll_to_earth) for radius, a GiST index on point(lng, lat) for boxes.
 */

/**
 * How alike a misspelt query and a listing's words must be (pg_trgm word similarity, 0..1).
 * The extension's default, 0.6, misses a one-letter slip in a nine-letter word (about 0.54).
 */
const TYPO_THRESHOLD = 0.45;

/** The words of a query: letters and digits only, so they can never be tsquery syntax. */
function wordsOf(q: string): string[] {
  const words =
    q
      .normalize('NFKC')
      .toLowerCase()
      .match(/[\p{L}\p{N}]+/gu) ?? [];
  return words.slice(0, 12);
}

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

/**
 * A cursor carries a digest of the search that issued it: the rank and distance in it mean
 * nothing to another query, and a changed filter would start mid-list.
 */
async function scopeOf(search: Search, sort: Sort): Promise<string> {
  const { cursor: _cursor, limit: _limit, ...rest } = search;
  const digest = await crypto.subtle.digest(
    'SHA-256',
    // Sorted top-level keys; nested values (near, bbox) are built in one order by the schema.
    new TextEncoder().encode(JSON.stringify(Object.fromEntries(Object.entries(rest).sort()))),
  );
  return `listings:${sort}:${Buffer.from(digest).toString('base64url').slice(0, 22)}`;
}

/**
 * Every word of `q` as a prefix in the full-text index, ranked by weight; none when `q` has no
 * letter or digit. The saved-search matcher uses it alone, without the typo fallback.
 */
export function fullTextMatch(q: string): { match: SQL; rank: SQL } | undefined {
  const words = wordsOf(q);
  if (words.length === 0) return undefined;
  const tsquery = sql`to_tsquery('simple', ${words.map((word) => `${word}:*`).join(' & ')})`;
  return {
    match: sql`${listings.search} @@ ${tsquery}`,
    // Rounded so the cursor holds the exact value the next page compares with.
    rank: sql`round(ts_rank(${listings.search}, ${tsquery})::numeric, 6)`,
  };
}

/**
 * How `q` matches and ranks. Full text first: every word, as a prefix, ranked by weight (a
 * title over a description over a place). When that finds nothing under the other filters,
 * the query is taken as misspelt: each word is compared by trigrams with the words of titles,
 * makes, models and cities. Trigrams rank every candidate row, so they are the fallback, not
 * the rule. A search takes the same branch on every page while the listings stay as they are.
 */
async function textMatch(tx: Ctx, q: string, filters: SQL[]): Promise<{ match: SQL; rank: SQL }> {
  const words = wordsOf(q);
  const exact = fullTextMatch(q);
  if (!exact) {
    throw new BadRequest('validation-failed', 'The search needs a word.', {
      errors: [{ path: 'query.q', message: 'expected at least one letter or digit' }],
    });
  }
  const [found] = await tx.db
    .select({ id: listings.id })
    .from(listings)
    .where(and(...filters, exact.match))
    .limit(1);
  if (found) return exact;
  await tx.db.execute(
    sql`select set_config('pg_trgm.word_similarity_threshold', ${String(TYPO_THRESHOLD)}, true)`,
  );
  // Each word on its own: one misspelt word among right ones dilutes a whole-query similarity.
  const similarity = words.map((word) => sql`word_similarity(${word}, ${listings.searchText})`);
  return {
    match: and(...words.map((word) => sql`${listings.searchText} %> ${word}`)) as SQL,
    rank: sql`round(((${sql.join(similarity, sql` + `)}) / ${words.length})::numeric, 6)`,
  };
}

export async function searchListings(ctx: Ctx, search: Search): Promise<Page<ListingSummaryView>> {
  const sort: Sort = search.sort ?? (search.q ? 'relevance' : 'newest');
  const where = filterConditions(search);
  const distance = search.near
    ? sql`round(earth_distance(${earth(search.near.lat, search.near.lng)}, ${listings.place}))::integer`
    : sql`null::integer`;
  const scope = await scopeOf(search, sort);
  const page = await withTransaction(ctx, async (tx) => {
    const text = search.q ? await textMatch(tx, search.q, where) : undefined;
    if (text) where.push(text.match);
    const rank = text?.rank ?? sql`null::numeric`;
    return keysetPage<Found>({
      scope,
      keys: sortKeys(sort, rank, distance),
      page: search,
      secret: ctx.config.jwtSecret,
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

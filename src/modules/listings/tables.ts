import { type SQL, sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  customType,
  date,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  smallint,
  text,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { createdAt, id, timestampMs, timestamps } from '../../platform/db/columns.ts';
import { oneOpenReport, reportColumns } from '../../platform/reports/reports.ts';
import { imageColumns } from '../../platform/storage/index.ts';
import { users } from '../identity/tables.ts';
import {
  ALERT_FREQUENCIES,
  INQUIRY_STATUSES,
  LISTING_KINDS,
  LISTING_STATUSES,
  PUBLIC_STATUSES,
  PURPOSES,
  RENT_PERIODS,
  REPORT_REASONS,
  type ReviewFlag,
} from './vocabulary.ts';

const tsvector = customType<{ data: string }>({ dataType: () => 'tsvector' });
/** earthdistance's point on the globe (a cube in metres from the earth's centre). */
const earth = customType<{ data: string }>({ dataType: () => 'earth' });

const isPublic = (status: SQL | unknown) =>
  sql`${status} in (${sql.raw(PUBLIC_STATUSES.map((s) => `'${s}'`).join(', '))})`;

/**
 * A description reduced to what a copy keeps (case and spacing go), hashed: the "same text as
 * another account's listing" rule compares these, through the index on this expression.
 */
export const descriptionDigest = (description: SQL | unknown) =>
  sql`md5(regexp_replace(lower(btrim(${description})), '\\s+', ' ', 'g'))`;

/**
 * A property or vehicle for sale or rent. Kind-specific attributes are typed columns (null for
 * the other kind), so every filter is an indexed comparison, not a JSON lookup.
 */
export const listings = pgTable(
  'listings',
  {
    id: id(),
    ownerId: uuid('owner_id')
      .notNull()
      .references(() => users.id),
    kind: text('kind', { enum: LISTING_KINDS }).notNull(),
    purpose: text('purpose', { enum: PURPOSES }).notNull(),
    rentPeriod: text('rent_period', { enum: RENT_PERIODS }),
    title: text('title').notNull(),
    description: text('description').notNull(),
    priceAmount: bigint('price_amount', { mode: 'number' }).notNull(),
    priceCurrency: text('price_currency').notNull(),
    address: text('address'),
    city: text('city').notNull(),
    region: text('region'),
    countryCode: text('country_code').notNull(),
    postalCode: text('postal_code'),
    lat: doublePrecision('lat').notNull(),
    lng: doublePrecision('lng').notNull(),
    status: text('status', { enum: LISTING_STATUSES }).notNull().default('draft'),
    featuredUntil: timestampMs('featured_until'),
    /** When it first went on the market; "newest" sorts by it. */
    publishedAt: timestampMs('published_at'),
    /** When it leaves the market unless renewed; set on going live and on renewal. */
    expiresAt: timestampMs('expires_at'),
    /** When the owner was warned of the expiry; a renewal clears it. */
    expiryWarnedAt: timestampMs('expiry_warned_at'),
    /** Why it waits in review: the moderation rules that fired, shown to moderators. */
    reviewFlags: jsonb('review_flags').$type<ReviewFlag[]>(),
    /** Why a moderator rejected it; shown to the owner. */
    rejectionReason: text('rejection_reason'),
    /**
     * Counts changes to what buyers see (fields, photos): a moderator approves the revision
     * they reviewed, never a later one.
     */
    revision: integer('revision').notNull().default(1),

    propertyType: text('property_type'),
    bedrooms: smallint('bedrooms'),
    /** Halves allowed (a toilet without a shower is half a bathroom). */
    bathrooms: doublePrecision('bathrooms'),
    floorAreaM2: doublePrecision('floor_area_m2'),
    lotSizeM2: doublePrecision('lot_size_m2'),
    yearBuilt: smallint('year_built'),
    floor: smallint('floor'),
    parkingSpaces: smallint('parking_spaces'),
    furnished: boolean('furnished'),
    features: text('features').array(),
    amenities: text('amenities').array(),

    vehicleCategory: text('vehicle_category'),
    make: text('make'),
    model: text('model'),
    trim: text('trim'),
    year: smallint('year'),
    mileageKm: integer('mileage_km'),
    fuel: text('fuel'),
    transmission: text('transmission'),
    bodyType: text('body_type'),
    color: text('color'),
    condition: text('condition'),
    engineCc: integer('engine_cc'),
    vin: text('vin'),

    /**
     * Full text, weighted: the title (and a vehicle's make and model) over the description
     * over the place. The `simple` configuration does not stem: listings are written in
     * Amharic, Swahili, Vietnamese and Portuguese as much as in English, and prefix matching
     * covers plurals.
     */
    search: tsvector('search')
      .notNull()
      .generatedAlwaysAs(
        (): SQL => sql`
          setweight(to_tsvector('simple', ${listings.title} || ' ' || coalesce(${listings.make}, '') || ' ' || coalesce(${listings.model}, '')), 'A') ||
          setweight(to_tsvector('simple', ${listings.description}), 'B') ||
          setweight(to_tsvector('simple', coalesce(${listings.address}, '') || ' ' || ${listings.city} || ' ' || coalesce(${listings.region}, '')), 'C')`,
      ),
    /**
     * The position as earthdistance reads it, stored: computed per row at query time it cost
     * more than the rest of a radius search. Through earth_position() (a migration), which
     * pins its search path: ll_to_earth names its types unqualified, and a restore runs with
     * an empty search path.
     */
    place: earth('place')
      .notNull()
      .generatedAlwaysAs((): SQL => sql`earth_position(${listings.lat}, ${listings.lng})`),
    /** What a misspelt query is compared with, by trigrams. */
    searchText: text('search_text')
      .notNull()
      .generatedAlwaysAs(
        (): SQL =>
          sql`lower(${listings.title} || ' ' || coalesce(${listings.make}, '') || ' ' || coalesce(${listings.model}, '') || ' ' || ${listings.city})`,
      ),
    ...timestamps(),
  },
  (t) => [
    check('listings_rent_period', sql`(${t.purpose} = 'rent') = (${t.rentPeriod} is not null)`),
    check('listings_price_positive', sql`${t.priceAmount} > 0`),
    check('listings_lat', sql`${t.lat} between -90 and 90`),
    check('listings_lng', sql`${t.lng} between -180 and 180`),
    // Descending lists read these ascending indexes backwards: `desc` orders put nulls first,
    // as a backward scan does, where drizzle's .desc() would index them last.
    index('listings_owner').on(t.ownerId, t.createdAt, t.id),
    // The public list's orders: featured first, then newest or by price.
    index('listings_public_newest')
      .on(sql`(${t.featuredUntil} is not null)`, t.publishedAt, t.id)
      .where(isPublic(t.status)),
    index('listings_public_price_desc')
      .on(sql`(${t.featuredUntil} is not null)`, t.priceAmount, t.id)
      .where(isPublic(t.status)),
    index('listings_public_price_asc')
      .on(sql`(${t.featuredUntil} is not null) desc`, t.priceAmount.asc(), t.id.asc())
      .where(isPublic(t.status)),
    // A city is the filter nearly every browse has: its newest page is an index range.
    index('listings_public_city_newest')
      .on(sql`lower(${t.city})`, sql`(${t.featuredUntil} is not null)`, t.publishedAt, t.id)
      .where(isPublic(t.status)),
    index('listings_public_make')
      .on(sql`lower(${t.make})`, sql`lower(${t.model})`)
      .where(isPublic(t.status)),
    index('listings_search').using('gin', t.search),
    index('listings_search_trgm').using('gin', sql`${t.searchText} gin_trgm_ops`),
    index('listings_features').using('gin', t.features),
    // The scheduled jobs' scans: listings about to expire, features that ran out.
    index('listings_public_expiry').on(t.expiresAt).where(isPublic(t.status)),
    index('listings_featured_until').on(t.featuredUntil).where(sql`${t.featuredUntil} is not null`),
    // The moderation queue and the saved-search matcher's window.
    index('listings_status_updated').on(t.status, t.updatedAt, t.id),
    index('listings_published').on(t.publishedAt).where(isPublic(t.status)),
    index('listings_description_digest').on(descriptionDigest(t.description)),
    // Radius search (earthdistance) and map boxes (a point in a box).
    index('listings_earth').using('gist', t.place),
    index('listings_point').using('gist', sql`point(${t.lng}, ${t.lat})`),
  ],
);

export type ListingRow = typeof listings.$inferSelect;

/** A listing's photos, in order; exactly one is its primary while any exist. */
export const listingPhotos = pgTable(
  'listing_photos',
  {
    ...imageColumns('listing_id', () => listings.id),
    isPrimary: boolean('is_primary').notNull().default(false),
    alt: text('alt'),
    /** SHA-256 of the bytes as uploaded: the same photo on another account's listing is flagged. */
    sha256: text('sha256'),
  },
  (t) => [
    index('listing_photos_listing').on(t.ownerId, t.position),
    index('listing_photos_sha256').on(t.sha256),
    uniqueIndex('listing_photos_one_primary').on(t.ownerId).where(sql`${t.isPrimary}`),
  ],
);

export type PhotoRow = typeof listingPhotos.$inferSelect;

/** A user's saved listings. */
export const favorites = pgTable(
  'favorites',
  {
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    listingId: uuid('listing_id')
      .notNull()
      .references(() => listings.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.userId, t.listingId] }),
    index('favorites_user_created').on(t.userId, t.createdAt, t.listingId),
    index('favorites_listing').on(t.listingId),
  ],
);

/** A message about a listing to its lister, from a signed-in user or a guest with an email. */
export const inquiries = pgTable(
  'inquiries',
  {
    id: id(),
    listingId: uuid('listing_id')
      .notNull()
      .references(() => listings.id, { onDelete: 'cascade' }),
    /** The lister when it was sent; the inquiry stays theirs. */
    recipientId: uuid('recipient_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** Null for a guest. */
    senderId: uuid('sender_id').references(() => users.id, { onDelete: 'set null' }),
    name: text('name'),
    email: text('email'),
    phone: text('phone'),
    preferredContactTime: text('preferred_contact_time'),
    message: text('message').notNull(),
    status: text('status', { enum: INQUIRY_STATUSES }).notNull().default('new'),
    ...timestamps(),
  },
  (t) => [
    check('inquiries_sender_or_email', sql`${t.senderId} is not null or ${t.email} is not null`),
    index('inquiries_recipient').on(t.recipientId, t.createdAt, t.id),
    index('inquiries_sender').on(t.senderId, t.createdAt, t.id),
    index('inquiries_listing').on(t.listingId, t.createdAt),
  ],
);

export type InquiryRow = typeof inquiries.$inferSelect;

/**
 * One row per listing, day and viewer: a view counts once per viewer per day. The viewer is a
 * user id, or for guests a keyed hash of address and user agent that cannot be turned back.
 */
export const listingViews = pgTable(
  'listing_views',
  {
    listingId: uuid('listing_id')
      .notNull()
      .references(() => listings.id, { onDelete: 'cascade' }),
    day: date('day', { mode: 'string' }).notNull(),
    viewer: text('viewer').notNull(),
  },
  (t) => [primaryKey({ columns: [t.listingId, t.day, t.viewer] })],
);

/** A user's report of a listing; one per user and listing while it is open. */
export const listingReports = pgTable(
  'listing_reports',
  reportColumns(
    'listing_id',
    () => listings.id,
    () => users.id,
    REPORT_REASONS,
  ),
  (t) => [
    oneOpenReport('listing_reports_open', t),
    index('listing_reports_created').on(t.createdAt, t.id),
  ],
);

/** A search kept by a user, matched against newly published listings. */
export const savedSearches = pgTable(
  'saved_searches',
  {
    id: id(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    /** The filters of GET /listings, as validated then. */
    filters: jsonb('filters').$type<Record<string, unknown>>().notNull(),
    frequency: text('frequency', { enum: ALERT_FREQUENCIES }).notNull(),
    /** Listings published up to here have been matched. */
    matchedThrough: timestampMs('matched_through').notNull().defaultNow(),
    createdAt: createdAt(),
  },
  (t) => [index('saved_searches_user').on(t.userId, t.createdAt, t.id)],
);

/** What a saved search matched: the key makes each search and listing match once. */
export const savedSearchMatches = pgTable(
  'saved_search_matches',
  {
    savedSearchId: uuid('saved_search_id')
      .notNull()
      .references(() => savedSearches.id, { onDelete: 'cascade' }),
    listingId: uuid('listing_id')
      .notNull()
      .references(() => listings.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.savedSearchId, t.listingId] })],
);

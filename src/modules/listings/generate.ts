import { v7 as uuidv7 } from 'uuid';
import { CITIES, cityNamed } from '../../platform/demo/cities.ts';
import { pick, type Random } from '../../platform/demo/random.ts';
import { propertyListing } from './generate/properties.ts';
import { vehicleListing } from './generate/vehicles.ts';
import { columnsOf } from './listings.ts';
import type { ListingInput } from './schemas.ts';
import type { listings } from './tables.ts';
import type { ListingKind, Purpose } from './vocabulary.ts';

export { seededRandom } from '../../platform/demo/random.ts';

/**
 * Plausible listings in the four demo cities: the demo data and the bulk loader (`make seed
 * ARGS="--listings N"`, the load benchmark) draw from here. Generation is deterministic for a
 * given seed, so two benchmark runs search the same rows.
 */

export interface ListingShape {
  city?: string;
  kind?: ListingKind;
  purpose?: Purpose;
}

/** A listing as a lister would send it to POST /listings; `shape` fixes what it must be. */
export function generateListing(random: Random, shape: ListingShape = {}): ListingInput {
  const city = shape.city ? cityNamed(shape.city) : pick(random, CITIES);
  const place = { city, neighbourhood: pick(random, city.neighbourhoods) };
  const kind = shape.kind ?? (random() < 0.65 ? 'property' : 'vehicle');
  const purpose =
    shape.purpose ?? (random() < (kind === 'property' ? 0.4 : 0.15) ? 'rent' : 'sale');
  return kind === 'property'
    ? propertyListing(random, place, purpose)
    : vehicleListing(random, place, purpose);
}

export type ListingInsert = typeof listings.$inferInsert;

/**
 * The row a listing input becomes once published, for loading many without the services. The
 * id is a UUIDv7 of its creation time, so ids sort as the rows were made.
 */
function listingRow(
  input: ListingInput,
  row: {
    ownerId: string;
    createdAt: Date;
    publishedAt: Date;
    expiresAt: Date;
    featuredUntil: Date | null;
  },
): ListingInsert {
  return {
    ...columnsOf(input),
    id: uuidv7({ msecs: row.createdAt.getTime() }),
    ownerId: row.ownerId,
    status: 'active',
    featuredUntil: row.featuredUntil,
    publishedAt: row.publishedAt,
    expiresAt: row.expiresAt,
    revision: 1,
    createdAt: row.createdAt,
    updatedAt: row.createdAt,
  };
}

const DAY_MS = 86_400_000;
/** The default LISTING_EXPIRY_DAYS: generated listings were renewed each time it ran out. */
const EXPIRY_MS = 90 * DAY_MS;

/**
 * `count` published listings over the last half year, spread over the cities and `ownerIds`;
 * about one in thirty is featured for up to a month from `now`.
 */
export function* generateRows(
  random: Random,
  count: number,
  ownerIds: readonly string[],
  now = new Date(),
): Generator<ListingInsert> {
  for (let i = 0; i < count; i++) {
    const input = generateListing(random, { city: CITIES[i % CITIES.length]?.name });
    const publishedAt = new Date(now.getTime() - Math.floor(random() * 180 * DAY_MS));
    const createdAt = new Date(publishedAt.getTime() - Math.floor(random() * 2 * DAY_MS));
    const featuredUntil =
      random() < 1 / 30 ? new Date(now.getTime() + Math.ceil(random() * 30 * DAY_MS)) : null;
    const periods = Math.floor((now.getTime() - publishedAt.getTime()) / EXPIRY_MS) + 1;
    yield listingRow(input, {
      ownerId: pick(random, ownerIds),
      createdAt,
      publishedAt,
      expiresAt: new Date(publishedAt.getTime() + periods * EXPIRY_MS),
      featuredUntil,
    });
  }
}

import { and, asc, eq, getTableColumns, inArray } from 'drizzle-orm';
import type { z } from 'zod';
import type { Executor } from '../../platform/db/client.ts';
import type { Storage } from '../../platform/storage/index.ts';
import { imageLinks } from '../../platform/storage/index.ts';
import type { Listing, ListingSummary, Photo } from './schemas.ts';
import { type ListingRow, listingPhotos, listings, type PhotoRow } from './tables.ts';

export type ListingView = z.infer<typeof Listing>;
export type ListingSummaryView = z.infer<typeof ListingSummary>;
export type PhotoView = z.infer<typeof Photo>;

/** Every column but the search ones, which only the database reads. */
const {
  search: _search,
  searchText: _searchText,
  place: _place,
  ...columns
} = getTableColumns(listings);
export const listingColumns = columns;
export type Listed = Omit<ListingRow, 'search' | 'searchText' | 'place'>;

const iso = (date: Date | null) => (date ? date.toISOString() : null);

export async function photoView(storage: Storage, row: PhotoRow): Promise<PhotoView> {
  const { url, variants } = await imageLinks(storage, row);
  return {
    id: row.id,
    url,
    width: row.width,
    height: row.height,
    alt: row.alt,
    position: row.position,
    primary: row.isPrimary,
    variants,
  };
}

/** The listing's own fields, without photos. */
function fieldsOf(row: Listed): Omit<ListingView, 'photos'> {
  const common = {
    id: row.id,
    kind: row.kind,
    purpose: row.purpose,
    rentPeriod: row.rentPeriod,
    title: row.title,
    description: row.description,
    price: { amount: row.priceAmount, currency: row.priceCurrency },
    location: {
      address: row.address,
      city: row.city,
      region: row.region,
      countryCode: row.countryCode,
      postalCode: row.postalCode,
      lat: row.lat,
      lng: row.lng,
    },
    status: row.status,
    featuredUntil: iso(row.featuredUntil),
    publishedAt: iso(row.publishedAt),
    expiresAt: iso(row.expiresAt),
    rejectionReason: row.rejectionReason,
    ownerId: row.ownerId,
    revision: row.revision,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
  if (row.kind === 'property') {
    return {
      ...common,
      property: {
        type: row.propertyType as NonNullable<ListingView['property']>['type'],
        bedrooms: row.bedrooms,
        bathrooms: row.bathrooms,
        floorAreaM2: row.floorAreaM2,
        lotSizeM2: row.lotSizeM2,
        yearBuilt: row.yearBuilt,
        floor: row.floor,
        parkingSpaces: row.parkingSpaces,
        furnished: row.furnished,
        features: (row.features ?? []) as NonNullable<ListingView['property']>['features'],
        amenities: (row.amenities ?? []) as NonNullable<ListingView['property']>['amenities'],
      },
    };
  }
  type Vehicle = NonNullable<ListingView['vehicle']>;
  return {
    ...common,
    vehicle: {
      category: row.vehicleCategory as Vehicle['category'],
      make: row.make ?? '',
      model: row.model ?? '',
      trim: row.trim,
      year: row.year ?? 0,
      mileageKm: row.mileageKm,
      fuel: row.fuel as Vehicle['fuel'],
      transmission: row.transmission as Vehicle['transmission'],
      bodyType: row.bodyType as Vehicle['bodyType'],
      color: row.color,
      condition: (row.condition ?? 'used') as Vehicle['condition'],
      engineCc: row.engineCc,
      vin: row.vin,
    },
  };
}

export async function photosOf(db: Executor, listingId: string): Promise<PhotoRow[]> {
  return db
    .select()
    .from(listingPhotos)
    .where(eq(listingPhotos.ownerId, listingId))
    .orderBy(asc(listingPhotos.position), asc(listingPhotos.id));
}

export async function listingView(
  db: Executor,
  storage: Storage,
  row: Listed,
): Promise<ListingView> {
  const photos = await photosOf(db, row.id);
  return {
    ...fieldsOf(row),
    photos: await Promise.all(photos.map((photo) => photoView(storage, photo))),
  };
}

/**
 * Listings as list items, each with its primary photo (one query for the page) and, when the
 * row carries one, its distance from the searched point.
 */
export async function summaryViews(
  db: Executor,
  storage: Storage,
  rows: (Listed & { distanceM?: number | null })[],
): Promise<ListingSummaryView[]> {
  const ids = rows.map((row) => row.id);
  const primaries =
    ids.length === 0
      ? []
      : await db
          .select()
          .from(listingPhotos)
          .where(and(inArray(listingPhotos.ownerId, ids), eq(listingPhotos.isPrimary, true)));
  const byListing = new Map(primaries.map((photo) => [photo.ownerId, photo]));
  return Promise.all(
    rows.map(async (row) => {
      const photo = byListing.get(row.id);
      return {
        ...fieldsOf(row),
        primaryPhoto: photo ? await photoView(storage, photo) : null,
        ...(row.distanceM == null ? {} : { distanceKm: Math.round(row.distanceM) / 1000 }),
      };
    }),
  );
}

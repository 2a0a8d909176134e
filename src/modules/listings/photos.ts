import { createHash } from 'node:crypto';
import { and, count, eq } from 'drizzle-orm';
import { closeGap, type Ordering, shiftForMove } from '../../platform/db/positions.ts';
import { withTransaction } from '../../platform/db/transaction.ts';
import { type EventBus, publish } from '../../platform/events/events.ts';
import type { Ctx } from '../../platform/http/context.ts';
import { Invalid, NotFound } from '../../platform/http/errors.ts';
import type { Jobs } from '../../platform/jobs/index.ts';
import type { JobDeps } from '../../platform/module.ts';
import {
  assertRoom,
  deleteFiles,
  enqueueRecordedVariants,
  imageFiles,
  prepareImages,
  registerRecordedVariantJob,
  storeImages,
} from '../../platform/storage/index.ts';
import { listingPhotosAdded, listingUpdated } from './events.ts';
import { assertNotArchived, auditIfStaff, listingToChange } from './listings.ts';
import { listingPhotos, listings, type PhotoRow } from './tables.ts';
import { type Listed, type ListingView, listingColumns, listingView } from './views.ts';
import { MAX_PHOTOS } from './vocabulary.ts';

/**
 * A listing's photos: public originals stripped of their metadata, in a contiguous order from
 * 0, exactly one primary while any exist, with WebP variants made by a job after the upload.
 */

export const PHOTO_VARIANT_JOB = 'listings.photo-variants';

export interface PhotoChanges {
  /** Where the photo moves to; the others shift to keep the order contiguous. */
  position?: number | undefined;
  /** `true` makes it the primary; `false` on the primary is refused, as one must remain. */
  primary?: boolean | undefined;
  /** Null clears it. */
  alt?: string | null | undefined;
}

async function photoCount(ctx: Ctx, listingId: string): Promise<number> {
  const [row] = await ctx.db
    .select({ n: count() })
    .from(listingPhotos)
    .where(eq(listingPhotos.listingId, listingId));
  return row?.n ?? 0;
}

/** The listing locked for a photo change by its owner or an admin, and not archived. */
async function listingForPhotos(ctx: Ctx, listingId: string): Promise<Listed> {
  const row = await listingToChange(ctx, listingId);
  assertNotArchived(row);
  return row;
}

/** Counted under the listing's lock, so uploads racing each other cannot pass the limit together. */
async function assertRoomFor(ctx: Ctx, listingId: string, adding: number): Promise<number> {
  const existing = await photoCount(ctx, listingId);
  assertRoom({
    existing,
    adding,
    max: MAX_PHOTOS,
    field: 'photos',
    holder: 'listing',
    noun: 'photos',
  });
  return existing;
}

async function photoOf(ctx: Ctx, listingId: string, photoId: string): Promise<PhotoRow> {
  const [photo] = await ctx.db
    .select()
    .from(listingPhotos)
    .where(and(eq(listingPhotos.id, photoId), eq(listingPhotos.listingId, listingId)))
    .limit(1);
  if (!photo) throw new NotFound('photo');
  return photo;
}

/**
 * Marks the listing changed: its `updatedAt`, a `listing.updated` event, and an audit entry
 * when an admin changed someone else's listing.
 */
async function photosChanged(ctx: Ctx, row: Listed, change: Record<string, unknown>) {
  const [updated] = await ctx.db
    .update(listings)
    .set({ updatedAt: new Date() })
    .where(eq(listings.id, row.id))
    .returning(listingColumns);
  if (!updated) throw new NotFound('listing');
  await publish(ctx, listingUpdated, {
    aggregateId: row.id,
    payload: { listingId: row.id, ownerId: row.ownerId, fields: ['photos'] },
  });
  await auditIfStaff(ctx, row, 'listing.photos_changed', change);
  return updated;
}

const photoOrder = (listingId: string): Ordering => ({
  table: listingPhotos,
  position: listingPhotos.position,
  scope: eq(listingPhotos.listingId, listingId),
});

/**
 * Adds photos after the listing's last; a listing's first photo becomes its primary. Every
 * file is checked by its content before any is stored, and one bad file refuses them all.
 */
export async function addPhotos(
  ctx: Ctx,
  listingId: string,
  files: readonly Uint8Array[],
): Promise<ListingView> {
  // Refused cheaply first: a caller who may not change the listing, or whose photos would
  // not fit, costs no image decoding and leaves no files behind.
  await withTransaction(ctx, async (tx) => {
    await listingForPhotos(tx, listingId);
    await assertRoomFor(tx, listingId, files.length);
  });
  const photos = await prepareImages(files, {
    maxBytes: ctx.config.uploadMaxBytes,
    field: 'photos',
    keyOf: (id, ext) => `listings/${listingId}/${id}.${ext}`,
  });
  await storeImages(ctx, photos);
  let updated: Listed;
  try {
    updated = await withTransaction(ctx, async (tx) => {
      const row = await listingForPhotos(tx, listingId);
      const existing = await assertRoomFor(tx, listingId, photos.length);
      await tx.db.insert(listingPhotos).values(
        photos.map((photo, index) => ({
          id: photo.id,
          listingId,
          key: photo.key,
          contentType: photo.contentType,
          width: photo.width,
          height: photo.height,
          // Of the file as uploaded: the duplicate-photo moderation rule compares these.
          sha256: createHash('sha256').update(photo.original).digest('hex'),
          position: existing + index,
          isPrimary: existing === 0 && index === 0,
        })),
      );
      await publish(tx, listingPhotosAdded, {
        aggregateId: listingId,
        payload: {
          listingId,
          ownerId: row.ownerId,
          photos: photos.map((photo) => ({ photoId: photo.id, key: photo.key })),
        },
      });
      return photosChanged(tx, row, { added: photos.map((photo) => photo.id) });
    });
  } catch (error) {
    await deleteFiles(
      ctx,
      photos.map((photo) => photo.key),
    );
    throw error;
  }
  return listingView(ctx.db, ctx.storage, updated);
}

/** Moves a photo, makes it the primary, or changes its alt text. */
export async function updatePhoto(
  ctx: Ctx,
  listingId: string,
  photoId: string,
  changes: PhotoChanges,
): Promise<ListingView> {
  const updated = await withTransaction(ctx, async (tx) => {
    const row = await listingForPhotos(tx, listingId);
    const photo = await photoOf(tx, listingId, photoId);
    const { position, primary, alt } = changes;
    if (primary === false && photo.isPrimary) {
      throw new Invalid(
        'primary-required',
        'A listing keeps one primary photo: make another photo primary instead.',
        { errors: [{ path: 'body.primary', message: 'make another photo primary instead' }] },
      );
    }
    if (position !== undefined && position !== photo.position) {
      const last = (await photoCount(tx, listingId)) - 1;
      if (position > last) {
        throw new Invalid(
          'position-out-of-range',
          `The listing's photos are at positions 0 to ${last}.`,
          { errors: [{ path: 'body.position', message: `expected at most ${last}` }] },
        );
      }
      await shiftForMove(tx.db, photoOrder(listingId), photo.position, position);
      await tx.db.update(listingPhotos).set({ position }).where(eq(listingPhotos.id, photoId));
    }
    if (primary === true && !photo.isPrimary) {
      // The old primary goes first: the unique index allows one per listing at any moment.
      await tx.db
        .update(listingPhotos)
        .set({ isPrimary: false })
        .where(and(eq(listingPhotos.listingId, listingId), eq(listingPhotos.isPrimary, true)));
      await tx.db
        .update(listingPhotos)
        .set({ isPrimary: true })
        .where(eq(listingPhotos.id, photoId));
    }
    if (alt !== undefined) {
      await tx.db.update(listingPhotos).set({ alt }).where(eq(listingPhotos.id, photoId));
    }
    return photosChanged(tx, row, { photoId, ...changes });
  });
  return listingView(ctx.db, ctx.storage, updated);
}

/**
 * Deletes a photo and its files. The photos after it move up; when it was the primary, the
 * first remaining photo becomes the primary.
 */
export async function deletePhoto(ctx: Ctx, listingId: string, photoId: string): Promise<void> {
  const photo = await withTransaction(ctx, async (tx) => {
    const row = await listingForPhotos(tx, listingId);
    const photo = await photoOf(tx, listingId, photoId);
    await tx.db.delete(listingPhotos).where(eq(listingPhotos.id, photoId));
    await closeGap(tx.db, photoOrder(listingId), photo.position);
    if (photo.isPrimary) {
      await tx.db
        .update(listingPhotos)
        .set({ isPrimary: true })
        .where(and(eq(listingPhotos.listingId, listingId), eq(listingPhotos.position, 0)));
    }
    await photosChanged(tx, row, { deleted: photoId });
    return photo;
  });
  await deleteFiles(ctx, imageFiles(photo));
}

/** Records a photo's variants on its row, unless the row has gone or holds another original. */
export function registerPhotoJobs(jobs: Jobs, deps: JobDeps): void {
  registerRecordedVariantJob(
    jobs,
    deps.storage,
    PHOTO_VARIANT_JOB,
    async ({ imageId, key }, variants) => {
      const recorded = await deps.db
        .update(listingPhotos)
        .set({ variants })
        .where(and(eq(listingPhotos.id, imageId), eq(listingPhotos.key, key)))
        .returning({ id: listingPhotos.id });
      return recorded.length > 0;
    },
  );
}

/**
 * Queues the variants of committed photos. Through the outbox, because an upload can be part
 * of a longer transaction (the demo data): a job queued from inside it could run before the
 * photo's row exists, or be lost with the process that held the transaction.
 */
export function subscribePhotoEvents(events: EventBus): void {
  events.subscribe(listingPhotosAdded, 'listings.queue-photo-variants', (event, ctx) =>
    enqueueRecordedVariants(
      ctx.jobs,
      PHOTO_VARIANT_JOB,
      event.payload.photos.map(({ photoId, key }) => ({ imageId: photoId, key })),
    ),
  );
}

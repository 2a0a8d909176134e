import { and, eq } from 'drizzle-orm';
import type { Ctx } from '../../platform/core/context.ts';
import { Invalid, NotFound } from '../../platform/core/errors.ts';
import { sha256Hex } from '../../platform/crypto.ts';
import { withTransaction } from '../../platform/db/transaction.ts';
import { publish } from '../../platform/events/events.ts';
import {
  addImages,
  deleteImageFiles,
  type ImageHolder,
  moveImage,
  removeImage,
} from '../../platform/storage/index.ts';
import { listingUpdated } from './events.ts';
import { assertNotArchived, auditIfStaff, listingToChange } from './listings.ts';
import { contentChanged } from './publishing.ts';
import { listingPhotos } from './tables.ts';
import { type Listed, type ListingView, listingView } from './views.ts';
import { MAX_PHOTOS } from './vocabulary.ts';

/**
 * A listing's photos: an image holder (platform/storage) whose first photo becomes the
 * listing's primary, with exactly one primary while any exist.
 */

export const listingPhotoHolder: ImageHolder = {
  name: 'listings.photos',
  table: listingPhotos,
  max: MAX_PHOTOS,
  field: 'photos',
  owner: 'listing',
  one: 'photo',
  many: 'photos',
  folder: (listingId) => `listings/${listingId}`,
};

export interface PhotoChanges {
  /** Where the photo moves to; the others shift to keep the order contiguous. */
  position?: number | undefined;
  /** `true` makes it the primary; `false` on the primary is refused, as one must remain. */
  primary?: boolean | undefined;
  /** Null clears it. */
  alt?: string | null | undefined;
}

/** The listing locked for a photo change by its owner or an admin, and not archived. */
async function listingForPhotos(ctx: Ctx, listingId: string): Promise<Listed> {
  const row = await listingToChange(ctx, listingId);
  assertNotArchived(row);
  return row;
}

async function photoOf(ctx: Ctx, listingId: string, photoId: string) {
  const [photo] = await ctx.db
    .select()
    .from(listingPhotos)
    .where(and(eq(listingPhotos.id, photoId), eq(listingPhotos.ownerId, listingId)));
  if (!photo) throw new NotFound('photo');
  return photo;
}

/**
 * Marks the listing changed (a new revision, checked again when public: contentChanged), with
 * a `listing.updated` event and an audit entry when an admin changed someone else's listing.
 */
async function photosChanged(ctx: Ctx, row: Listed, change: Record<string, unknown>) {
  await publish(ctx, listingUpdated, {
    aggregateId: row.id,
    payload: { listingId: row.id, ownerId: row.ownerId, fields: ['photos'] },
  });
  await auditIfStaff(ctx, row, 'listing.photos_changed', change);
  return contentChanged(ctx, row);
}

/**
 * Adds photos after the listing's last; a listing's first photo becomes its primary. Every
 * file is checked by its content before any is stored, and one bad file refuses them all.
 */
export async function addPhotos(
  ctx: Ctx,
  listingId: string,
  files: readonly Uint8Array[],
): Promise<ListingView> {
  const updated = await addImages(ctx, listingPhotoHolder, listingId, files, {
    lock: (tx) => listingForPhotos(tx, listingId),
    columns: async (image, position) => ({
      // Of the file as uploaded: the duplicate-photo moderation rule compares these.
      sha256: await sha256Hex(image.original),
      isPrimary: position === 0,
    }),
    after: (tx, row, added) => photosChanged(tx, row, { added: added.map((photo) => photo.id) }),
  });
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
        { fields: [{ path: 'primary', message: 'make another photo primary instead' }] },
      );
    }
    if (position !== undefined) await moveImage(tx, listingPhotoHolder, photo, position);
    if (primary === true && !photo.isPrimary) {
      // The old primary goes first: the unique index allows one per listing at any moment.
      await tx.db
        .update(listingPhotos)
        .set({ isPrimary: false })
        .where(and(eq(listingPhotos.ownerId, listingId), eq(listingPhotos.isPrimary, true)));
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
    await removeImage(tx, listingPhotoHolder, photo);
    if (photo.isPrimary) {
      await tx.db
        .update(listingPhotos)
        .set({ isPrimary: true })
        .where(and(eq(listingPhotos.ownerId, listingId), eq(listingPhotos.position, 0)));
    }
    await photosChanged(tx, row, { deleted: photoId });
    return photo;
  });
  await deleteImageFiles(ctx, photo);
}

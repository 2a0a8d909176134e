import { createHash } from 'node:crypto';
import { and, count, eq, gt, gte, lt, lte, sql } from 'drizzle-orm';
import sharp from 'sharp';
import { v7 as uuidv7 } from 'uuid';
import { withTransaction } from '../../platform/db/transaction.ts';
import { type EventBus, publish } from '../../platform/events/events.ts';
import type { Ctx } from '../../platform/http/context.ts';
import { DomainError, Invalid, NotFound } from '../../platform/http/errors.ts';
import type { Jobs } from '../../platform/jobs/index.ts';
import type { JobDeps } from '../../platform/module.ts';
import {
  IMAGE_VARIANT_WIDTHS,
  type InspectedUpload,
  inspectUpload,
  makeImageVariants,
  type Storage,
  variantKey,
  withoutMetadata,
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

export interface PhotoVariantJob {
  photoId: string;
  /** The photo's original. */
  key: string;
}

export interface PhotoChanges {
  /** Where the photo moves to; the others shift to keep the order contiguous. */
  position?: number | undefined;
  /** `true` makes it the primary; `false` on the primary is refused, as one must remain. */
  primary?: boolean | undefined;
  /** Null clears it. */
  alt?: string | null | undefined;
}

/** One uploaded file's refusal, naming which of the files it was. */
class PhotoRefused extends DomainError {
  readonly status: number;
  constructor(cause: DomainError, index: number) {
    super(cause.code, `Photo ${index + 1}: ${cause.message}`, {
      errors: [{ path: `body.photos.${index}`, message: cause.message }],
    });
    this.status = cause.status;
  }
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
  if (existing + adding > MAX_PHOTOS) {
    const room = MAX_PHOTOS - existing;
    throw new Invalid(
      'too-many-photos',
      `A listing has at most ${MAX_PHOTOS} photos; this one has ${existing}, so ` +
        `${room === 0 ? 'no more fit' : `at most ${room} more fit`}.`,
    );
  }
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

/** Deletes files no photo refers to; a failure only leaves orphans, so it is logged. */
async function deleteFiles(ctx: Ctx, keys: readonly string[]): Promise<void> {
  const results = await Promise.allSettled(keys.map((key) => ctx.storage.delete(key)));
  const failed = keys.filter((_, i) => results[i]?.status === 'rejected');
  if (failed.length > 0) ctx.log.warn({ keys: failed }, 'could not delete listing photo files');
}

/**
 * The original and every variant the job can have made of it: each standard width, or the
 * photo's own width when it is narrower than all. The row's `variants` may not say yet.
 */
function filesOf(photo: PhotoRow): string[] {
  const widths = new Set([...IMAGE_VARIANT_WIDTHS, photo.width]);
  return [photo.key, ...[...widths].map((width) => variantKey(photo.key, width))];
}

interface PreparedPhoto {
  id: string;
  key: string;
  contentType: string;
  bytes: Uint8Array;
  width: number;
  height: number;
  /** Of the file as uploaded, in hex: the duplicate-photo moderation rule compares these. */
  sha256: string;
}

/** Checks every file by its content, then strips it: nothing is stored unless all pass. */
async function preparePhotos(
  ctx: Ctx,
  listingId: string,
  files: readonly Uint8Array[],
): Promise<PreparedPhoto[]> {
  const checked: { original: Uint8Array; upload: InspectedUpload }[] = [];
  for (const [index, original] of files.entries()) {
    try {
      const rules = { allowed: ['image'] as const, maxBytes: ctx.config.uploadMaxBytes };
      checked.push({ original, upload: await inspectUpload(original, rules) });
    } catch (error) {
      throw error instanceof DomainError ? new PhotoRefused(error, index) : error;
    }
  }
  return Promise.all(
    checked.map(async ({ original, upload: { ext, mime } }) => {
      const bytes = await withoutMetadata(original, ext);
      // Measured on the stripped image, which stands upright as its EXIF orientation said.
      const { width, height } = await sharp(bytes).metadata();
      const id = uuidv7();
      return {
        id,
        key: `listings/${listingId}/${id}.${ext}`,
        contentType: mime,
        bytes,
        width,
        height,
        sha256: createHash('sha256').update(original).digest('hex'),
      };
    }),
  );
}

/** Stores them all, or none: what was stored before one failed is deleted again. */
async function storePhotos(ctx: Ctx, photos: readonly PreparedPhoto[]): Promise<void> {
  const results = await Promise.allSettled(
    photos.map((photo) =>
      ctx.storage.put(photo.key, photo.bytes, {
        contentType: photo.contentType,
        visibility: 'public',
      }),
    ),
  );
  const failure = results.find((result) => result.status === 'rejected');
  if (failure) {
    await deleteFiles(
      ctx,
      photos.filter((_, i) => results[i]?.status === 'fulfilled').map((photo) => photo.key),
    );
    throw failure.reason;
  }
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
  // Refused cheaply first: a caller who may not change the listing, or whose photos would
  // not fit, costs no image decoding and leaves no files behind.
  await withTransaction(ctx, async (tx) => {
    await listingForPhotos(tx, listingId);
    await assertRoomFor(tx, listingId, files.length);
  });
  const photos = await preparePhotos(ctx, listingId, files);
  await storePhotos(ctx, photos);
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
          sha256: photo.sha256,
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
      const ofListing = eq(listingPhotos.listingId, listingId);
      // The photos between the old place and the new shift one step towards the old.
      await tx.db
        .update(listingPhotos)
        .set({
          position:
            position < photo.position
              ? sql`${listingPhotos.position} + 1`
              : sql`${listingPhotos.position} - 1`,
        })
        .where(
          position < photo.position
            ? and(
                ofListing,
                gte(listingPhotos.position, position),
                lt(listingPhotos.position, photo.position),
              )
            : and(
                ofListing,
                gt(listingPhotos.position, photo.position),
                lte(listingPhotos.position, position),
              ),
        );
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
    const ofListing = eq(listingPhotos.listingId, listingId);
    await tx.db
      .update(listingPhotos)
      .set({ position: sql`${listingPhotos.position} - 1` })
      .where(and(ofListing, gt(listingPhotos.position, photo.position)));
    if (photo.isPrimary) {
      await tx.db
        .update(listingPhotos)
        .set({ isPrimary: true })
        .where(and(ofListing, eq(listingPhotos.position, 0)));
    }
    await photosChanged(tx, row, { deleted: photoId });
    return photo;
  });
  await deleteFiles(ctx, filesOf(photo));
}

/**
 * Makes a photo's variants and records them on its row. With no row to record them on, the
 * photo was deleted while they were made, after its deletion removed its files: the variants
 * go too.
 */
async function makePhotoVariants(
  { db, storage }: { db: JobDeps['db']; storage: Storage },
  { photoId, key }: PhotoVariantJob,
): Promise<void> {
  const made = await makeImageVariants(storage, key);
  if (made.length === 0) return;
  const variants = Object.fromEntries(
    made.map(({ width, height }) => [String(width), { width, height }]),
  );
  const recorded = await db
    .update(listingPhotos)
    .set({ variants })
    .where(and(eq(listingPhotos.id, photoId), eq(listingPhotos.key, key)))
    .returning({ id: listingPhotos.id });
  if (recorded.length > 0) return;
  await Promise.all(made.map((variant) => storage.delete(variant.key)));
}

export function registerPhotoJobs(jobs: Jobs, deps: JobDeps): void {
  jobs.register<PhotoVariantJob>(PHOTO_VARIANT_JOB, (data) => makePhotoVariants(deps, data));
}

/**
 * Queues the variants of committed photos. Through the outbox, because an upload can be part
 * of a longer transaction (the demo data): a job queued from inside it could run before the
 * photo's row exists, or be lost with the process that held the transaction.
 */
export function subscribePhotoEvents(events: EventBus): void {
  events.subscribe(listingPhotosAdded, 'listings.queue-photo-variants', async (event, ctx) => {
    await Promise.all(
      event.payload.photos.map(({ photoId, key }) =>
        // The relay delivers at least once; the job id keeps a second delivery from a second job.
        ctx.jobs.enqueue(PHOTO_VARIANT_JOB, { photoId, key } satisfies PhotoVariantJob, {
          jobId: `photo-variants-${photoId}`,
        }),
      ),
    );
  });
}

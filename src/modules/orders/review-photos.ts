import { and, asc, count, eq, inArray } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.ts';
import { withTransaction } from '../../platform/db/transaction.ts';
import { requireActor } from '../../platform/http/auth.ts';
import type { Ctx } from '../../platform/http/context.ts';
import { NotFound } from '../../platform/http/errors.ts';
import type { Jobs } from '../../platform/jobs/index.ts';
import type { JobDeps } from '../../platform/module.ts';
import {
  assertRoom,
  deleteFiles,
  enqueueRecordedVariants,
  prepareImages,
  registerRecordedVariantJob,
  type Storage,
  storeImages,
  variantKey,
} from '../../platform/storage/index.ts';
import { reviewPhotos, reviews } from './tables.ts';
import { MAX_REVIEW_PHOTOS } from './vocabulary.ts';

/**
 * A review's photos: public originals stripped of their metadata, in upload order, with WebP
 * variants made by a job after the upload commits.
 */

export const REVIEW_PHOTO_VARIANT_JOB = 'orders.review-photo-variants';

export interface ReviewPhotoView {
  id: string;
  url: string;
  width: number;
  height: number;
  /** Resized WebP copies by width, once the job has made them. */
  variants: Record<string, string>;
}

/** The photos of each review, in order. */
export async function reviewPhotoViews(
  db: Executor,
  storage: Storage,
  reviewIds: readonly string[],
): Promise<Map<string, ReviewPhotoView[]>> {
  const byReview = new Map<string, ReviewPhotoView[]>();
  if (reviewIds.length === 0) return byReview;
  const rows = await db
    .select()
    .from(reviewPhotos)
    .where(inArray(reviewPhotos.reviewId, [...reviewIds]))
    .orderBy(asc(reviewPhotos.reviewId), asc(reviewPhotos.position));
  for (const row of rows) {
    const variants: Record<string, string> = {};
    for (const [width, made] of Object.entries(row.variants ?? {})) {
      variants[width] = await storage.url(variantKey(row.key, made.width));
    }
    const list = byReview.get(row.reviewId) ?? [];
    list.push({
      id: row.id,
      url: await storage.url(row.key),
      width: row.width,
      height: row.height,
      variants,
    });
    byReview.set(row.reviewId, list);
  }
  return byReview;
}

/**
 * The author's review, locked so racing uploads count each other's photos, with the photos it
 * has; 404 to anyone else, and 422 `too-many-photos` when `adding` would pass the limit.
 */
async function roomIn(ctx: Ctx, reviewId: string, adding: number): Promise<number> {
  const { userId } = requireActor(ctx);
  const [review] = await ctx.db
    .select({ authorId: reviews.authorId })
    .from(reviews)
    .where(eq(reviews.id, reviewId))
    .for('update');
  if (!review || review.authorId !== userId) throw new NotFound('review');
  const [row] = await ctx.db
    .select({ n: count() })
    .from(reviewPhotos)
    .where(eq(reviewPhotos.reviewId, reviewId));
  const existing = row?.n ?? 0;
  assertRoom({
    existing,
    adding,
    max: MAX_REVIEW_PHOTOS,
    field: 'photos',
    holder: 'review',
    noun: 'photos',
  });
  return existing;
}

/**
 * Adds photos to the caller's review after its last. Every file is checked by its content
 * before any is stored; one bad file refuses them all.
 */
export async function addReviewPhotos(
  ctx: Ctx,
  reviewId: string,
  files: readonly Uint8Array[],
): Promise<void> {
  // Refused before any decoding: another's review, or photos that would not fit.
  await withTransaction(ctx, (tx) => roomIn(tx, reviewId, files.length));
  const images = await prepareImages(files, {
    maxBytes: ctx.config.uploadMaxBytes,
    field: 'photos',
    keyOf: (id, ext) => `reviews/${reviewId}/${id}.${ext}`,
  });
  await storeImages(ctx, images);
  try {
    await withTransaction(ctx, async (tx) => {
      const existing = await roomIn(tx, reviewId, images.length);
      await tx.db.insert(reviewPhotos).values(
        images.map((image, index) => ({
          id: image.id,
          reviewId,
          key: image.key,
          contentType: image.contentType,
          width: image.width,
          height: image.height,
          position: existing + index,
        })),
      );
    });
  } catch (error) {
    await deleteFiles(
      ctx,
      images.map((image) => image.key),
    );
    throw error;
  }
  // Queued after the commit: a job that ran before it would find no row to record on.
  await enqueueRecordedVariants(
    ctx.jobs,
    REVIEW_PHOTO_VARIANT_JOB,
    images.map((image) => ({ imageId: image.id, key: image.key })),
  );
}

/** Records a photo's variants on its row, unless the row has gone or holds another original. */
export function registerReviewJobs(jobs: Jobs, deps: JobDeps): void {
  registerRecordedVariantJob(
    jobs,
    deps.storage,
    REVIEW_PHOTO_VARIANT_JOB,
    async ({ imageId, key }, variants) => {
      const recorded = await deps.db
        .update(reviewPhotos)
        .set({ variants })
        .where(and(eq(reviewPhotos.id, imageId), eq(reviewPhotos.key, key)))
        .returning({ id: reviewPhotos.id });
      return recorded.length > 0;
    },
  );
}

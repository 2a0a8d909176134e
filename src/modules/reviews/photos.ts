import { eq } from 'drizzle-orm';
import type { Ctx } from '../../platform/core/context.ts';
import { NotFound } from '../../platform/core/errors.ts';
import { requireActor } from '../../platform/core/permissions.ts';
import type { Executor } from '../../platform/db/client.ts';
import {
  addImages,
  type ImageHolder,
  imageLinks,
  imagesOf,
  type Storage,
} from '../../platform/storage/index.ts';
import { reviewPhotos, reviews } from './tables.ts';
import { MAX_REVIEW_PHOTOS } from './vocabulary.ts';

/** A review's photos: an image holder (platform/storage), in upload order. */

export const reviewPhotoHolder: ImageHolder = {
  name: 'reviews.photos',
  table: reviewPhotos,
  max: MAX_REVIEW_PHOTOS,
  field: 'photos',
  owner: 'review',
  one: 'photo',
  many: 'photos',
  folder: (reviewId) => `reviews/${reviewId}`,
};

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
  for (const row of await imagesOf(db, reviewPhotoHolder, reviewIds)) {
    const list = byReview.get(row.ownerId) ?? [];
    list.push({
      id: row.id,
      width: row.width,
      height: row.height,
      ...(await imageLinks(storage, row)),
    });
    byReview.set(row.ownerId, list);
  }
  return byReview;
}

/** The author's review, locked so racing uploads count each other's photos; 404 to anyone else. */
async function ownReview(ctx: Ctx, reviewId: string): Promise<void> {
  const { userId } = requireActor(ctx);
  const [review] = await ctx.db
    .select({ authorId: reviews.authorId })
    .from(reviews)
    .where(eq(reviews.id, reviewId))
    .for('update');
  if (!review || review.authorId !== userId) throw new NotFound('review');
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
  await addImages(ctx, reviewPhotoHolder, reviewId, files, {
    lock: (tx) => ownReview(tx, reviewId),
  });
}

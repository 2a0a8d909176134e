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
import { productImagesAdded } from './events.ts';
import { productToChange, touchProduct } from './products.ts';
import { productImages } from './tables.ts';
import { type ProductView, productView } from './views.ts';
import { MAX_IMAGES } from './vocabulary.ts';

/**
 * A product's images: public originals stripped of their metadata, in a contiguous order from
 * 0 (the first is the card's), with WebP variants made by a job after the commit.
 */

export const IMAGE_VARIANT_JOB = 'shop.product-image-variants';

export interface ImageChanges {
  /** Where the image moves to; the others shift to keep the order contiguous. */
  position?: number | undefined;
  /** Null clears it. */
  alt?: string | null | undefined;
}

const imageOrder = (productId: string): Ordering => ({
  table: productImages,
  position: productImages.position,
  scope: eq(productImages.productId, productId),
});

async function imageCount(ctx: Ctx, productId: string): Promise<number> {
  const [row] = await ctx.db
    .select({ n: count() })
    .from(productImages)
    .where(eq(productImages.productId, productId));
  return row?.n ?? 0;
}

/** Counted under the product's lock, so racing uploads cannot pass the limit together. */
async function assertRoomFor(ctx: Ctx, productId: string, adding: number): Promise<number> {
  const existing = await imageCount(ctx, productId);
  assertRoom({
    existing,
    adding,
    max: MAX_IMAGES,
    field: 'images',
    holder: 'product',
    noun: 'images',
  });
  return existing;
}

async function imageOf(ctx: Ctx, productId: string, imageId: string) {
  const [image] = await ctx.db
    .select()
    .from(productImages)
    .where(and(eq(productImages.id, imageId), eq(productImages.productId, productId)));
  if (!image) throw new NotFound('image');
  return image;
}

/**
 * Adds images after the product's last. Every file is checked by its content before any is
 * stored, and one bad file refuses them all.
 */
export async function addImages(
  ctx: Ctx,
  productId: string,
  files: readonly Uint8Array[],
): Promise<ProductView> {
  // Refused cheaply first: another's product, or images that would not fit, cost no decoding.
  await withTransaction(ctx, async (tx) => {
    await productToChange(tx, productId);
    await assertRoomFor(tx, productId, files.length);
  });
  const images = await prepareImages(files, {
    maxBytes: ctx.config.uploadMaxBytes,
    field: 'images',
    keyOf: (id, ext) => `products/${productId}/${id}.${ext}`,
  });
  await storeImages(ctx, images);
  try {
    const row = await withTransaction(ctx, async (tx) => {
      const { shop } = await productToChange(tx, productId);
      const existing = await assertRoomFor(tx, productId, images.length);
      await tx.db.insert(productImages).values(
        images.map((image, index) => ({
          id: image.id,
          productId,
          key: image.key,
          contentType: image.contentType,
          width: image.width,
          height: image.height,
          position: existing + index,
        })),
      );
      await publish(tx, productImagesAdded, {
        aggregateId: productId,
        payload: {
          productId,
          shopId: shop.id,
          images: images.map((image) => ({ imageId: image.id, key: image.key })),
        },
      });
      return touchProduct(tx, productId);
    });
    return productView(ctx.db, ctx.storage, row);
  } catch (error) {
    await deleteFiles(
      ctx,
      images.map((image) => image.key),
    );
    throw error;
  }
}

/** Moves an image or changes its alt text. */
export async function updateImage(
  ctx: Ctx,
  productId: string,
  imageId: string,
  { position, alt }: ImageChanges,
): Promise<ProductView> {
  const row = await withTransaction(ctx, async (tx) => {
    await productToChange(tx, productId);
    const image = await imageOf(tx, productId, imageId);
    if (position !== undefined && position !== image.position) {
      const last = (await imageCount(tx, productId)) - 1;
      if (position > last) {
        throw new Invalid(
          'position-out-of-range',
          `The product's images are at positions 0 to ${last}.`,
          { errors: [{ path: 'body.position', message: `expected at most ${last}` }] },
        );
      }
      await shiftForMove(tx.db, imageOrder(productId), image.position, position);
    }
    await tx.db.update(productImages).set({ position, alt }).where(eq(productImages.id, imageId));
    return touchProduct(tx, productId);
  });
  return productView(ctx.db, ctx.storage, row);
}

/** Deletes an image and its files; the images after it move up. */
export async function deleteImage(ctx: Ctx, productId: string, imageId: string): Promise<void> {
  const image = await withTransaction(ctx, async (tx) => {
    await productToChange(tx, productId);
    const image = await imageOf(tx, productId, imageId);
    await tx.db.delete(productImages).where(eq(productImages.id, imageId));
    await closeGap(tx.db, imageOrder(productId), image.position);
    await touchProduct(tx, productId);
    return image;
  });
  await deleteFiles(ctx, imageFiles(image));
}

/** Records an image's variants on its row, unless the row has gone or holds another original. */
export function registerShopJobs(jobs: Jobs, deps: JobDeps): void {
  registerRecordedVariantJob(
    jobs,
    deps.storage,
    IMAGE_VARIANT_JOB,
    async ({ imageId, key }, variants) => {
      const recorded = await deps.db
        .update(productImages)
        .set({ variants })
        .where(and(eq(productImages.id, imageId), eq(productImages.key, key)))
        .returning({ id: productImages.id });
      return recorded.length > 0;
    },
  );
}

/**
 * Queues the variants of committed images. Through the outbox, because an upload can be part
 * of a longer transaction (the demo data): a job queued inside it could run before the row
 * exists.
 */
export function subscribeShopEvents(events: EventBus): void {
  events.subscribe(productImagesAdded, 'shop.queue-image-variants', (event, ctx) =>
    enqueueRecordedVariants(ctx.jobs, IMAGE_VARIANT_JOB, event.payload.images),
  );
}

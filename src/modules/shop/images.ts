import { eq } from 'drizzle-orm';
import type { Ctx } from '../../platform/core/context.ts';
import { withTransaction } from '../../platform/db/transaction.ts';
import {
  addImages as addHeldImages,
  deleteImageFiles,
  type ImageHolder,
  imageOf,
  moveImage,
  removeImage,
} from '../../platform/storage/index.ts';
import { productToChange, touchProduct } from './products.ts';
import { productImages } from './tables.ts';
import { type ProductView, productView } from './views.ts';
import { MAX_IMAGES } from './vocabulary.ts';

/** A product's images: an image holder (platform/storage); the first is the card's. */

export const productImageHolder: ImageHolder = {
  name: 'shop.product-images',
  table: productImages,
  max: MAX_IMAGES,
  field: 'images',
  owner: 'product',
  one: 'image',
  many: 'images',
  folder: (productId) => `products/${productId}`,
};

export interface ImageChanges {
  /** Where the image moves to; the others shift to keep the order contiguous. */
  position?: number | undefined;
  /** Null clears it. */
  alt?: string | null | undefined;
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
  const row = await addHeldImages(ctx, productImageHolder, productId, files, {
    lock: (tx) => productToChange(tx, productId),
    after: (tx) => touchProduct(tx, productId),
  });
  return productView(ctx.db, ctx.storage, row);
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
    const image = await imageOf(tx, productImageHolder, productId, imageId);
    if (position !== undefined) await moveImage(tx, productImageHolder, image, position);
    if (alt !== undefined) {
      await tx.db.update(productImages).set({ alt }).where(eq(productImages.id, imageId));
    }
    return touchProduct(tx, productId);
  });
  return productView(ctx.db, ctx.storage, row);
}

/** Deletes an image and its files; the images after it move up. */
export async function deleteImage(ctx: Ctx, productId: string, imageId: string): Promise<void> {
  const image = await withTransaction(ctx, async (tx) => {
    await productToChange(tx, productId);
    const image = await imageOf(tx, productImageHolder, productId, imageId);
    await removeImage(tx, productImageHolder, image);
    await touchProduct(tx, productId);
    return image;
  });
  await deleteImageFiles(ctx, image);
}

import { createRoute, z } from '@hono/zod-openapi';
import { optionalText } from '../../../platform/core/fields.ts';
import { imageFiles } from '../../../platform/http/fields.ts';
import { jsonBody, problems } from '../../../platform/http/openapi.ts';
import { createRouter } from '../../../platform/http/router.ts';
import { addImages, deleteImage, updateImage } from '../images.ts';
import { MAX_IMAGES } from '../vocabulary.ts';
import { ProductParams, productResponse, seller } from './seller-products.ts';

/** A seller's product images: upload, reorder, describe, delete. */
export const imageRoutes = createRouter();

const tags = ['Seller: products'];

const ImageParams = ProductParams.extend({
  imageId: z.uuid().openapi({ param: { name: 'imageId', in: 'path' } }),
});

const ImageUpload = z
  .object({ images: imageFiles('images', MAX_IMAGES, 'images') })
  .openapi('ProductImageUpload');

imageRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/seller/products/{id}/images',
    tags,
    summary: 'Add images to a product',
    description:
      `At most ${MAX_IMAGES} images per product. Each file is checked by its bytes, and one ` +
      'refused file refuses the whole upload. Images are stored without their metadata and go ' +
      'after the existing ones; resized WebP variants appear in `variants` shortly after. 422 ' +
      '`too-many-images`, `unsupported-file-type`, `image-too-large`, `corrupt-image`.',
    ...seller,
    request: {
      params: ProductParams,
      body: { required: true, content: { 'multipart/form-data': { schema: ImageUpload } } },
    },
    responses: { 201: productResponse('The product with its images'), ...problems(404, 422) },
  }),
  async (c) => {
    const { images } = c.req.valid('form');
    const files = await Promise.all(
      images.map(async (file) => new Uint8Array(await file.arrayBuffer())),
    );
    return c.json(await addImages(c.get('ctx'), c.req.valid('param').id, files), 201);
  },
);

const ImageUpdate = z
  .strictObject({
    position: z
      .number()
      .int()
      .min(0)
      .max(MAX_IMAGES - 1)
      .optional()
      .openapi({ description: 'Moves the image here (from 0); the others shift to make room.' }),
    alt: optionalText(250).openapi({ description: 'Describes the image; null clears it.' }),
  })
  .refine((value) => Object.values(value).some((v) => v !== undefined), {
    message: 'give at least one field to change',
  })
  .openapi('ProductImageUpdate');

imageRoutes.openapi(
  createRoute({
    method: 'patch',
    path: '/seller/products/{id}/images/{imageId}',
    tags,
    summary: 'Move an image or change its alt text',
    description: '422 `position-out-of-range` past the last image.',
    ...seller,
    request: { params: ImageParams, body: jsonBody(ImageUpdate) },
    responses: { 200: productResponse('The product with its images'), ...problems(404, 422) },
  }),
  async (c) => {
    const { id, imageId } = c.req.valid('param');
    return c.json(await updateImage(c.get('ctx'), id, imageId, c.req.valid('json')), 200);
  },
);

imageRoutes.openapi(
  createRoute({
    method: 'delete',
    path: '/seller/products/{id}/images/{imageId}',
    tags,
    summary: 'Delete an image',
    description: 'Its files go too; the images after it move up.',
    ...seller,
    request: { params: ImageParams },
    responses: { 204: { description: 'Deleted' }, ...problems(404) },
  }),
  async (c) => {
    const { id, imageId } = c.req.valid('param');
    await deleteImage(c.get('ctx'), id, imageId);
    return c.body(null, 204);
  },
);

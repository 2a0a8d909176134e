import { createRoute, z } from '@hono/zod-openapi';
import { optionalText } from '../../../platform/core/fields.ts';
import { imageFiles } from '../../../platform/http/fields.ts';
import { jsonBody, problems, signedIn } from '../../../platform/http/openapi.ts';
import { createRouter } from '../../../platform/http/router.ts';
import { addPhotos, deletePhoto, updatePhoto } from '../photos.ts';
import { MAX_PHOTOS } from '../vocabulary.ts';
import { ListingParams, listingResponse } from './listings.ts';

/** A listing's photos: upload, reorder, choose the primary, describe, delete. */
export const photoRoutes = createRouter();

const tags = ['Listings'];

const PhotoParams = ListingParams.extend({
  photoId: z.uuid().openapi({ param: { name: 'photoId', in: 'path' } }),
});

const PhotoUpload = z
  .object({ photos: imageFiles('photos', MAX_PHOTOS, 'photos') })
  .openapi('ListingPhotoUpload');

photoRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/listings/{id}/photos',
    tags,
    summary: 'Add photos to a listing',
    description:
      `By its owner or an admin; at most ${MAX_PHOTOS} photos per listing. Each file is checked ` +
      'by its bytes, and one refused file refuses the whole upload. Photos are stored without ' +
      'their metadata (EXIF, GPS) and go after the existing ones; the first photo of a listing ' +
      'becomes its primary. Resized WebP variants appear in `variants` shortly after. 409 ' +
      '`listing-archived`; 422 `too-many-photos`, `unsupported-file-type`, `image-too-large`, ' +
      '`corrupt-image`.',
    ...signedIn,
    request: {
      params: ListingParams,
      body: { required: true, content: { 'multipart/form-data': { schema: PhotoUpload } } },
    },
    responses: {
      201: listingResponse('The listing with its photos'),
      ...problems(404, 409, 422),
    },
  }),
  async (c) => {
    const { photos } = c.req.valid('form');
    const files = await Promise.all(
      photos.map(async (file) => new Uint8Array(await file.arrayBuffer())),
    );
    return c.json(await addPhotos(c.get('ctx'), c.req.valid('param').id, files), 201);
  },
);

const PhotoUpdate = z
  .strictObject({
    position: z
      .number()
      .int()
      .min(0)
      .max(MAX_PHOTOS - 1)
      .optional()
      .openapi({ description: 'Moves the photo here (from 0); the others shift to make room.' }),
    primary: z
      .boolean()
      .optional()
      .openapi({
        description:
          '`true` makes it the primary photo in place of the current one. A listing always has ' +
          'one: to change it, make another photo primary (`false` on the primary is refused).',
      }),
    alt: optionalText(250).openapi({ description: 'Describes the photo; null clears it.' }),
  })
  .refine((value) => Object.values(value).some((v) => v !== undefined), {
    message: 'give at least one field to change',
  })
  .openapi('ListingPhotoUpdate');

photoRoutes.openapi(
  createRoute({
    method: 'patch',
    path: '/listings/{id}/photos/{photoId}',
    tags,
    summary: 'Move a photo, make it the primary, or change its alt text',
    description:
      'By the listing’s owner or an admin. 409 `listing-archived`; 422 `position-out-of-range` ' +
      'past the last photo, `primary-required` for `primary: false` on the primary photo.',
    ...signedIn,
    request: { params: PhotoParams, body: jsonBody(PhotoUpdate) },
    responses: {
      200: listingResponse('The listing with its photos'),
      ...problems(404, 409, 422),
    },
  }),
  async (c) => {
    const { id, photoId } = c.req.valid('param');
    return c.json(await updatePhoto(c.get('ctx'), id, photoId, c.req.valid('json')), 200);
  },
);

photoRoutes.openapi(
  createRoute({
    method: 'delete',
    path: '/listings/{id}/photos/{photoId}',
    tags,
    summary: 'Delete a photo',
    description:
      'By the listing’s owner or an admin; its files go too. The photos after it move up, and ' +
      'when it was the primary the first remaining photo becomes the primary.',
    ...signedIn,
    request: { params: PhotoParams },
    responses: { 204: { description: 'Deleted' }, ...problems(404, 409) },
  }),
  async (c) => {
    const { id, photoId } = c.req.valid('param');
    await deletePhoto(c.get('ctx'), id, photoId);
    return c.body(null, 204);
  },
);

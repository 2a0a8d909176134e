import { z } from '@hono/zod-openapi';

/** Multipart upload fields, as routes declare them and the API reference shows them. */

const IMAGE_TYPES = 'JPEG, PNG, WebP, GIF or AVIF';

/** One image under a multipart field, as the API reference shows it. */
export const imageFile = () =>
  z.file().openapi({ type: 'string', format: 'binary', description: `A ${IMAGE_TYPES} image.` });

/**
 * One or more images under the multipart field `field`, at most `max`, as an array: a form with
 * one file under a name gives that File, with several an array.
 */
export function imageFiles(field: string, max: number, noun: string) {
  const files = z
    .array(z.file())
    .min(1)
    .max(max, { message: `expected at most ${max} ${noun}` });
  return z
    .union([z.file().transform((file) => [file]), files])
    .pipe(files)
    .openapi({
      type: 'array',
      items: { type: 'string', format: 'binary' },
      minItems: 1,
      maxItems: max,
      description: `One or more ${IMAGE_TYPES} images, each under the \`${field}\` field.`,
    });
}

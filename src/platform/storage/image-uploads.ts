import { v7 as uuidv7 } from 'uuid';
import { DomainError, type ErrorKind, Invalid } from '../core/errors.ts';
import type { Logger } from '../logger.ts';
import { imageCodec } from './codec.ts';
import type { Storage } from './storage.ts';
import { IMAGE_VARIANT_WIDTHS, inspectUpload, variantKey, withoutMetadata } from './uploads.ts';

/**
 * The steps every public image upload shares (image holders, see image-holder.ts): each file
 * checked by its content before any is kept, stored stripped of its metadata, all or none.
 */

export interface Room {
  /** How many the holder has now: counted under its lock, so racing uploads count each other. */
  existing: number;
  adding: number;
  max: number;
  /** The multipart field, named in the refusal. */
  field: string;
  /** What holds them and what they are, for the message: "listing", "photos". */
  holder: string;
  noun: string;
}

/** Refuses uploads past the holder's limit: 422 `too-many-<noun>` naming the field. */
export function assertRoom({ existing, adding, max, field, holder, noun }: Room): void {
  if (existing + adding <= max) return;
  const room = Math.max(0, max - existing);
  const fit = room === 0 ? 'no more fit' : `at most ${room} more fit`;
  throw new Invalid(
    `too-many-${noun}`,
    `A ${holder} has at most ${max} ${noun}; this one has ${existing}, so ${fit}.`,
    { fields: [{ path: field, message: fit }] },
  );
}

/** One uploaded file's refusal, naming which of the files under `field` it was. */
export class FileRefused extends DomainError {
  readonly kind: ErrorKind;
  constructor(cause: DomainError, field: string, index: number) {
    super(cause.code, `File ${index + 1}: ${cause.message}`, {
      fields: [{ path: `${field}.${index}`, message: cause.message }],
    });
    this.kind = cause.kind;
  }
}

export interface PreparedImage {
  id: string;
  key: string;
  contentType: string;
  /** What is stored: the upload re-encoded without its metadata. */
  bytes: Uint8Array;
  /** The file as uploaded, for whatever must be computed of what the client sent. */
  original: Uint8Array;
  width: number;
  height: number;
}

export interface ImageUploadRules {
  maxBytes: number;
  maxPixels: number;
  /** The input field the files came under, to name a refused one (`<field>.<index>`). */
  field: string;
  /** Where the image with this id and extension is stored. */
  keyOf: (id: string, ext: string) => string;
}

/** Checks every file by its content, then strips it: nothing is stored unless all pass. */
export async function prepareImages(
  files: readonly Uint8Array[],
  { maxBytes, maxPixels, field, keyOf }: ImageUploadRules,
): Promise<PreparedImage[]> {
  const checked = [];
  for (const [index, original] of files.entries()) {
    try {
      checked.push({
        original,
        upload: await inspectUpload(original, { allowed: ['image'], maxBytes, maxPixels }),
      });
    } catch (error) {
      throw error instanceof DomainError ? new FileRefused(error, field, index) : error;
    }
  }
  return Promise.all(
    checked.map(async ({ original, upload: { ext, mime } }) => {
      const bytes = await withoutMetadata(original, ext);
      // Measured on the stripped image, which stands upright as its EXIF orientation said.
      const { width, height } = await (await imageCodec()).size(bytes);
      const id = uuidv7();
      return { id, key: keyOf(id, ext), contentType: mime, bytes, original, width, height };
    }),
  );
}

/** Deletes files nothing refers to; a failure only leaves orphans, so it is logged. */
export async function deleteFiles(
  { storage, log }: { storage: Storage; log: Logger },
  keys: readonly string[],
): Promise<void> {
  const results = await Promise.allSettled(keys.map((key) => storage.delete(key)));
  const failed = keys.filter((_, i) => results[i]?.status === 'rejected');
  if (failed.length > 0) log.warn({ keys: failed }, 'could not delete image files');
}

/** Stores them all (public), or none: what was stored before one failed is deleted again. */
export async function storeImages(
  deps: { storage: Storage; log: Logger },
  images: readonly PreparedImage[],
): Promise<void> {
  const results = await Promise.allSettled(
    images.map((image) =>
      deps.storage.put(image.key, image.bytes, {
        contentType: image.contentType,
        visibility: 'public',
      }),
    ),
  );
  const failure = results.find((result) => result.status === 'rejected');
  if (failure) {
    await deleteFiles(
      deps,
      images.filter((_, i) => results[i]?.status === 'fulfilled').map((image) => image.key),
    );
    throw failure.reason;
  }
}

/**
 * The original and every variant the job can have made of it: each standard width, or the
 * image's own width when it is narrower than all. The row's `variants` may not say yet.
 */
export function imageFiles({ key, width }: { key: string; width: number }): string[] {
  const widths = new Set([...IMAGE_VARIANT_WIDTHS, width]);
  return [key, ...[...widths].map((w) => variantKey(key, w))];
}

/** Variants made of an image, by width, as an image's row records them. */
export type RecordedVariants = Record<string, { width: number; height: number }>;

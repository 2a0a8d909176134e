import sharp from 'sharp';
import { v7 as uuidv7 } from 'uuid';
import { DomainError, Invalid } from '../http/errors.ts';
import type { Jobs } from '../jobs/index.ts';
import type { Logger } from '../logger.ts';
import type { Storage } from './storage.ts';
import {
  IMAGE_VARIANT_WIDTHS,
  inspectUpload,
  makeImageVariants,
  variantKey,
  withoutMetadata,
} from './uploads.ts';

/**
 * The steps every public image upload shares (listing photos, product images): each file
 * checked by its content before any is kept, stored stripped of its metadata, all or none,
 * with its WebP variants made later by a job that records them on the image's row.
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
    { errors: [{ path: `body.${field}`, message: fit }] },
  );
}

/** One uploaded file's refusal, naming which of the files under `field` it was. */
export class FileRefused extends DomainError {
  readonly status: number;
  constructor(cause: DomainError, field: string, index: number) {
    super(cause.code, `File ${index + 1}: ${cause.message}`, {
      errors: [{ path: `body.${field}.${index}`, message: cause.message }],
    });
    this.status = cause.status;
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
  /** The form field the files came under, to name a refused one (`body.<field>.<index>`). */
  field: string;
  /** Where the image with this id and extension is stored. */
  keyOf: (id: string, ext: string) => string;
}

/** Checks every file by its content, then strips it: nothing is stored unless all pass. */
export async function prepareImages(
  files: readonly Uint8Array[],
  { maxBytes, field, keyOf }: ImageUploadRules,
): Promise<PreparedImage[]> {
  const checked = [];
  for (const [index, original] of files.entries()) {
    try {
      checked.push({
        original,
        upload: await inspectUpload(original, { allowed: ['image'], maxBytes }),
      });
    } catch (error) {
      throw error instanceof DomainError ? new FileRefused(error, field, index) : error;
    }
  }
  return Promise.all(
    checked.map(async ({ original, upload: { ext, mime } }) => {
      const bytes = await withoutMetadata(original, ext);
      // Measured on the stripped image, which stands upright as its EXIF orientation said.
      const { width, height } = await sharp(bytes).metadata();
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

/** A variants job: the image's row and its original. */
export interface RecordedVariantJob {
  imageId: string;
  key: string;
}

/**
 * Registers the variants job `name`: it makes the variants of the original and hands them to
 * `record`, which writes them on the image's row if the row still holds that original and says
 * whether it did. When it did not, the image was deleted while they were made, after its
 * deletion removed its files: the variants go too.
 */
export function registerRecordedVariantJob(
  jobs: Jobs,
  storage: Storage,
  name: string,
  record: (job: RecordedVariantJob, variants: RecordedVariants) => Promise<boolean>,
): void {
  jobs.register<RecordedVariantJob>(name, async (job) => {
    const made = await makeImageVariants(storage, job.key);
    if (made.length === 0) return;
    const variants = Object.fromEntries(
      made.map(({ width, height }) => [String(width), { width, height }]),
    );
    if (await record(job, variants)) return;
    await Promise.all(made.map((variant) => storage.delete(variant.key)));
  });
}

/**
 * Queues the variants jobs of committed images. The outbox relay delivers an event at least
 * once; the job id keeps a second delivery from making a second job.
 */
export async function enqueueRecordedVariants(
  jobs: Jobs,
  name: string,
  images: readonly RecordedVariantJob[],
): Promise<void> {
  await Promise.all(
    images.map((image) =>
      jobs.enqueue(name, image satisfies RecordedVariantJob, { jobId: `${name}-${image.imageId}` }),
    ),
  );
}

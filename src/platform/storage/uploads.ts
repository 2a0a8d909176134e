import { posix } from 'node:path';
import { fileTypeFromBuffer } from 'file-type';
import { Invalid, TooLarge } from '../core/errors.ts';
import type { Jobs } from '../jobs/index.ts';
import { type ImageVariant, imageCodec } from './codec.ts';
import type { Storage } from './storage.ts';

export type UploadKind = 'image' | 'pdf';

export interface UploadRules {
  maxBytes: number;
  /** The most pixels an image may decode to, every frame of an animation counted. */
  maxPixels: number;
  allowed: readonly UploadKind[];
}

export interface InspectedUpload {
  /** From the file's bytes, never from the client's Content-Type or file name. */
  mime: string;
  ext: string;
  kind: UploadKind;
}

export class FileTooLarge extends TooLarge {
  constructor(maxBytes: number) {
    super('file-too-large', `The file is larger than the ${maxBytes} bytes allowed.`);
  }
}

export class ImageTooLarge extends Invalid {
  constructor(pixels: number, maxPixels: number) {
    super(
      'image-too-large',
      `The image has ${pixels} pixels (all its frames together); at most ${maxPixels} are allowed.`,
    );
  }
}

const corruptImage = () => new Invalid('corrupt-image', 'The image is damaged or incomplete.');

/**
 * The image formats browsers show and sharp's prebuilt binaries decode (HEIC is not one), so
 * every accepted image can be turned into variants.
 */
const KIND_BY_MIME: Record<string, UploadKind> = {
  'image/jpeg': 'image',
  'image/png': 'image',
  'image/webp': 'image',
  'image/gif': 'image',
  'image/avif': 'image',
  'application/pdf': 'pdf',
};

const KIND_NAMES: Record<UploadKind, string> = {
  image: 'a JPEG, PNG, WebP, GIF or AVIF image',
  pdf: 'a PDF document',
};

/**
 * Checks an uploaded file before anything keeps it: its size, its type from its magic bytes,
 * an image's pixels from its header, and that it decodes to the last pixel. Refuses with 413
 * `file-too-large`, 422 `unsupported-file-type`, 422 `image-too-large` or 422 `corrupt-image`.
 */
export async function inspectUpload(
  bytes: Uint8Array,
  { maxBytes, maxPixels, allowed }: UploadRules,
): Promise<InspectedUpload> {
  if (bytes.byteLength > maxBytes) throw new FileTooLarge(maxBytes);
  const type = await fileTypeFromBuffer(bytes);
  const kind = type ? KIND_BY_MIME[type.mime] : undefined;
  if (!type || !kind || !allowed.includes(kind)) {
    throw new Invalid(
      'unsupported-file-type',
      `The file must be ${allowed.map((k) => KIND_NAMES[k]).join(' or ')}.`,
    );
  }
  if (kind === 'image') {
    const codec = await imageCodec();
    let pixels: number;
    try {
      pixels = await codec.pixels(bytes);
    } catch {
      throw corruptImage();
    }
    // Refused on its header's word, before a pixel is decoded: a few kilobytes of PNG can
    // decode to gigabytes.
    if (pixels > maxPixels) throw new ImageTooLarge(pixels, maxPixels);
    try {
      await codec.verify(bytes, maxPixels);
    } catch {
      throw corruptImage();
    }
  }
  return { mime: type.mime, ext: type.ext, kind };
}

/** Widths of the WebP variants made of every image; a narrower source is never enlarged. */
export const IMAGE_VARIANT_WIDTHS: readonly number[] = [320, 1024, 2048];

/**
 * WebP variants of an image, upright as its EXIF orientation says, each standard width that the
 * source reaches (or the source's own width when it is narrower than all), without metadata:
 * camera details and GPS positions never reach a variant.
 */
export async function processImage(bytes: Uint8Array): Promise<ImageVariant[]> {
  return (await imageCodec()).variants(bytes, IMAGE_VARIANT_WIDTHS);
}

/** `listings/1/photo.jpg` at 320 px: `listings/1/photo-320.webp`. */
export function variantKey(key: string, width: number): string {
  const dir = posix.dirname(key);
  const name = posix.basename(key, posix.extname(key));
  return `${dir === '.' ? '' : `${dir}/`}${name}-${width}.webp`;
}

/**
 * An image that inspectUpload accepted, re-encoded in its own format (`ext` as it told),
 * upright, without its metadata: a public image must not carry the EXIF of a phone photo,
 * which says where it was taken.
 */
export async function withoutMetadata(bytes: Uint8Array, ext: string): Promise<Uint8Array> {
  return (await imageCodec()).strip(bytes, ext);
}

export interface StoredVariant {
  key: string;
  width: number;
  height: number;
}

/**
 * Makes the variants of the original stored at `key` and stores them (public WebP) beside it.
 * Resolves to what it stored: nothing when the original is gone, as when it was deleted
 * before a job's turn.
 */
export async function makeImageVariants(storage: Storage, key: string): Promise<StoredVariant[]> {
  const original = await storage.get(key);
  if (!original) return [];
  const bytes = new Uint8Array(await new Response(original.body).arrayBuffer());
  const variants = await processImage(bytes);
  // Same keys on every run, so a retried job overwrites what a failed one left.
  return Promise.all(
    variants.map(async ({ width, height, bytes: webp }) => {
      const stored = variantKey(key, width);
      await storage.put(stored, webp, { contentType: 'image/webp', visibility: 'public' });
      return { key: stored, width, height };
    }),
  );
}

export const IMAGE_VARIANT_JOB = 'image.variants';

export interface ImageVariantJob {
  /** A stored original, private or public; its variants are public. */
  key: string;
}

/** The job making an original's variants: `jobs.enqueue(IMAGE_VARIANT_JOB, { key })`. */
export function registerImageJobs(jobs: Jobs, storage: Storage): void {
  jobs.register<ImageVariantJob>(IMAGE_VARIANT_JOB, async ({ key }) => {
    await makeImageVariants(storage, key);
  });
}

/**
 * What uploads and image holders need of an image library, so that no module imports one:
 * sharp, a native module, implements it (sharp.ts), loaded on first use. A runtime where
 * native modules cannot load (Workers) leaves image work to the Node job worker.
 */

export interface ImageVariant {
  width: number;
  height: number;
  bytes: Uint8Array;
}

export interface ImageCodec {
  /**
   * How many pixels decoding it would make, every frame of an animation counted, read from its
   * header alone: nothing is decoded. Throws when the header is not an image's.
   */
  pixels(bytes: Uint8Array): Promise<number>;
  /**
   * Decodes every pixel, throwing when the image is damaged or stops halfway, or when it has
   * more than `maxPixels`.
   */
  verify(bytes: Uint8Array, maxPixels: number): Promise<void>;
  /** Its size as it stands upright (its EXIF orientation applied). */
  size(bytes: Uint8Array): Promise<{ width: number; height: number }>;
  /** Re-encoded in its own format (`ext`: jpg, png, webp, gif, avif), upright, no metadata. */
  strip(bytes: Uint8Array, ext: string): Promise<Uint8Array>;
  /** WebP copies at each of `widths` (never enlarged), upright, without metadata. */
  variants(bytes: Uint8Array, widths: readonly number[]): Promise<ImageVariant[]>;
  /** An SVG drawn as a JPEG (the demo data's pictures). */
  jpegOf(svg: string, quality: number): Promise<Uint8Array>;
}

/**
 * Image operations one process runs at once. Each may hold a whole decoded image (up to
 * IMAGE_MAX_PIXELS, 4 bytes a pixel) and libvips already spreads one over every core: more at
 * once would multiply the memory, not the speed, and starve the thread pool that file reads
 * and password hashing share.
 */
export const IMAGE_OPERATIONS_AT_ONCE = 2;

/**
 * The codec, with at most `limit` of its operations running at once; the others wait their
 * turn, first come, first served. Reading a header (`pixels`) decodes nothing, so never waits.
 */
export function withConcurrency(codec: ImageCodec, limit: number): ImageCodec {
  let running = 0;
  const waiting: (() => void)[] = [];
  const inTurn = async <T>(operation: () => Promise<T>): Promise<T> => {
    if (running < limit) running++;
    // A finishing operation hands its place straight to the next in line.
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      return await operation();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else running--;
    }
  };
  return {
    pixels: (bytes) => codec.pixels(bytes),
    verify: (bytes, maxPixels) => inTurn(() => codec.verify(bytes, maxPixels)),
    size: (bytes) => inTurn(() => codec.size(bytes)),
    strip: (bytes, ext) => inTurn(() => codec.strip(bytes, ext)),
    variants: (bytes, widths) => inTurn(() => codec.variants(bytes, widths)),
    jpegOf: (svg, quality) => inTurn(() => codec.jpegOf(svg, quality)),
  };
}

let codec: Promise<ImageCodec> | undefined;

/** The image codec, sharp's, loaded the first time an image is handled. */
export function imageCodec(): Promise<ImageCodec> {
  codec ??= import('./sharp.ts').then((m) =>
    withConcurrency(m.sharpCodec, IMAGE_OPERATIONS_AT_ONCE),
  );
  return codec;
}

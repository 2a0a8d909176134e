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
  /** Decodes every pixel, throwing when the image is damaged or stops halfway. */
  verify(bytes: Uint8Array): Promise<void>;
  /** Its size as it stands upright (its EXIF orientation applied). */
  size(bytes: Uint8Array): Promise<{ width: number; height: number }>;
  /** Re-encoded in its own format (`ext`: jpg, png, webp, gif, avif), upright, no metadata. */
  strip(bytes: Uint8Array, ext: string): Promise<Uint8Array>;
  /** WebP copies at each of `widths` (never enlarged), upright, without metadata. */
  variants(bytes: Uint8Array, widths: readonly number[]): Promise<ImageVariant[]>;
  /** An SVG drawn as a JPEG (the demo data's pictures). */
  jpegOf(svg: string, quality: number): Promise<Uint8Array>;
}

let codec: Promise<ImageCodec> | undefined;

/** The image codec, sharp's, loaded the first time an image is handled. */
export function imageCodec(): Promise<ImageCodec> {
  codec ??= import('./sharp.ts').then((m) => m.sharpCodec);
  return codec;
}

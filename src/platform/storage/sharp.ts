import sharp, { type Sharp } from 'sharp';
import type { ImageCodec } from './codec.ts';

/** The image codec on sharp (libvips); the one file that imports it. */

const ENCODERS: Record<string, (image: Sharp) => Sharp> = {
  jpg: (image) => image.jpeg(),
  png: (image) => image.png(),
  webp: (image) => image.webp(),
  gif: (image) => image.gif(),
  avif: (image) => image.avif(),
};

export const sharpCodec: ImageCodec = {
  async pixels(bytes) {
    // No limit here: the header of any size is read, for the caller to weigh.
    const { width, height, pageHeight, pages } = await sharp(bytes, {
      limitInputPixels: false,
    }).metadata();
    // Opened at its first page, an animation's height is a frame's.
    return width * (pageHeight ?? height) * (pages ?? 1);
  },
  async verify(bytes, maxPixels) {
    // The header alone can be intact while the pixels stop halfway: this decodes them all,
    // keeping one byte of each. Not stats(): run beside another operation, it has been seen to
    // lose its error to libvips' one error log for the process, and pass a damaged image.
    await sharp(bytes, { failOn: 'truncated', limitInputPixels: maxPixels })
      .extractChannel(0)
      .raw()
      .toBuffer();
  },
  async size(bytes) {
    const { autoOrient } = await sharp(bytes).metadata();
    return { width: autoOrient.width, height: autoOrient.height };
  },
  strip(bytes, ext) {
    const encode = ENCODERS[ext];
    if (!encode) throw new Error(`no encoder for .${ext}`);
    // sharp writes no metadata unless told to: the EXIF (and GPS position) stays behind.
    return encode(sharp(bytes, { autoOrient: true, animated: true })).toBuffer();
  },
  async variants(bytes, widths) {
    const source = sharp(bytes, { failOn: 'truncated', autoOrient: true });
    const { autoOrient } = await source.metadata();
    const reached = widths.filter((width) => width <= autoOrient.width);
    return Promise.all(
      (reached.length > 0 ? reached : [autoOrient.width]).map(async (width) => {
        const { data, info } = await source
          .clone()
          .resize({ width })
          .webp()
          .toBuffer({ resolveWithObject: true });
        return { width: info.width, height: info.height, bytes: data };
      }),
    );
  },
  jpegOf(svg, quality) {
    return sharp(Buffer.from(svg)).jpeg({ quality }).toBuffer();
  },
};

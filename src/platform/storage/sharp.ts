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
  async verify(bytes) {
    await sharp(bytes, { failOn: 'truncated' }).metadata();
    // The header alone can be intact while the pixels stop halfway: stats() reads them all,
    // without holding the decoded image in memory.
    await sharp(bytes, { failOn: 'truncated' }).stats();
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

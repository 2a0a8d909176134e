import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJobs } from '../jobs/index.ts';
import { createLogger } from '../logger.ts';
import {
  createLocalStorage,
  FileTooLarge,
  IMAGE_VARIANT_JOB,
  inspectUpload,
  processImage,
  registerImageJobs,
  variantKey,
} from './index.ts';

const MB = 1024 * 1024;
const rules = { maxBytes: 5 * MB, maxPixels: 40_000_000, allowed: ['image', 'pdf'] as const };

/** Random pixels: they compress badly, so cutting the file in half cuts into the pixels. */
function noise(width: number, height: number) {
  return sharp(randomBytes(width * height * 3), { raw: { width, height, channels: 3 } });
}

/** A camera-like JPEG: stored sideways with orientation 6, the camera's make and a GPS datum. */
function cameraJpeg(width: number, height: number) {
  return noise(width, height)
    .jpeg()
    .withMetadata({ orientation: 6 })
    .withExifMerge({
      IFD0: { Make: 'MercatoCam' },
      IFD3: { GPSLatitudeRef: 'N', GPSMapDatum: 'MERCATO-GPS-DATUM' },
    })
    .toBuffer();
}

async function rejection(promise: Promise<unknown>) {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error as { status: number; code: string },
  );
}

let png: Buffer;
let jpeg: Buffer;
beforeAll(async () => {
  png = await noise(64, 48).png().toBuffer();
  jpeg = await cameraJpeg(400, 300);
});

describe('inspectUpload', () => {
  it('recognises images and PDFs by their bytes', async () => {
    expect(await inspectUpload(png, rules)).toEqual({
      mime: 'image/png',
      ext: 'png',
      kind: 'image',
    });
    expect(await inspectUpload(jpeg, rules)).toEqual({
      mime: 'image/jpeg',
      ext: 'jpg',
      kind: 'image',
    });
    const pdf = Buffer.from(
      '%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<<>>\n%%EOF\n',
    );
    expect(await inspectUpload(pdf, rules)).toEqual({
      mime: 'application/pdf',
      ext: 'pdf',
      kind: 'pdf',
    });
  });

  it.each([
    ['a Windows executable', Buffer.concat([Buffer.from('MZ\x90\x00\x03\x00'), Buffer.alloc(512)])],
    [
      'a Linux executable',
      Buffer.concat([Buffer.from('\x7fELF\x02\x01\x01\x00'), Buffer.alloc(512)]),
    ],
    ['plain text', Buffer.from('just some text, named photo.jpg\n')],
    ['an empty file', Buffer.alloc(0)],
  ])('refuses %s as unsupported-file-type (422)', async (_, bytes) => {
    expect(await rejection(inspectUpload(bytes, rules))).toMatchObject({
      kind: 'rule',
      code: 'unsupported-file-type',
    });
  });

  it('refuses a kind that is not allowed', async () => {
    const pdfOnly = { ...rules, maxBytes: MB, allowed: ['pdf'] as const };
    const refused = await rejection(inspectUpload(png, pdfOnly));
    expect(refused).toMatchObject({ kind: 'rule', code: 'unsupported-file-type' });
    expect(refused).toHaveProperty('message', 'The file must be a PDF document.');
  });

  it('refuses a truncated JPEG whose header still reads as corrupt-image (422)', async () => {
    const truncated = jpeg.subarray(0, Math.floor(jpeg.length / 2));
    // Only a full decode can tell: the header, and so the sniffed type, are intact.
    expect((await sharp(truncated).metadata()).width).toBe(400);
    expect(await rejection(inspectUpload(truncated, rules))).toMatchObject({
      kind: 'rule',
      code: 'corrupt-image',
    });
  });

  it('refuses a file over the limit as file-too-large (413) before reading it', async () => {
    const refused = await rejection(
      inspectUpload(Buffer.alloc(1024 + 1), { ...rules, maxBytes: 1024 }),
    );
    expect(refused).toBeInstanceOf(FileTooLarge);
    expect(refused).toMatchObject({ kind: 'too-large', code: 'file-too-large' });
    expect(await inspectUpload(png, { ...rules, maxBytes: png.length })).toMatchObject({
      kind: 'image',
    });
  });
});

describe('processImage', () => {
  it('makes upright WebP variants without the EXIF or GPS data', async () => {
    const before = await sharp(jpeg).metadata();
    expect(before.exif?.includes('MercatoCam')).toBe(true);
    expect(before.exif?.includes('MERCATO-GPS-DATUM')).toBe(true);

    const variants = await processImage(jpeg);
    // Stored 400 × 300 with orientation 6: upright it is 300 wide, under every variant width.
    expect(variants.map(({ width, height }) => ({ width, height }))).toEqual([
      { width: 300, height: 400 },
    ]);
    const [variant] = variants;
    const after = await sharp(variant?.bytes).metadata();
    expect(after).toMatchObject({ format: 'webp', width: 300, height: 400 });
    expect(after.exif).toBeUndefined();
    expect(after.xmp).toBeUndefined();
    expect(after.orientation).toBeUndefined();
    expect(Buffer.from(variant?.bytes ?? []).includes('MERCATO-GPS-DATUM')).toBe(false);
  });

  it('makes 320, 1024 and 2048 px variants of a large image', async () => {
    const variants = await processImage(await noise(2500, 1250).png().toBuffer());
    expect(variants.map((v) => [v.width, v.height])).toEqual([
      [320, 160],
      [1024, 512],
      [2048, 1024],
    ]);
    for (const { bytes, width } of variants) {
      expect(await sharp(bytes).metadata()).toMatchObject({ format: 'webp', width });
    }
  });

  it.each([
    [1024, [320, 1024]],
    [800, [320]],
    [200, [200]],
  ])('never enlarges a %i px wide source', async (width, expected) => {
    const variants = await processImage(await noise(width, 100).png().toBuffer());
    expect(variants.map((v) => v.width)).toEqual(expected);
  });
});

describe('image variants job', () => {
  const log = createLogger({ level: 'silent', pretty: false });
  const jobs = createJobs({ prefix: 'test:', log });
  let dir: string;
  let storage: ReturnType<typeof createLocalStorage>;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mercato-variants-'));
    storage = createLocalStorage({
      root: dir,
      publicBaseUrl: 'https://api.example.test',
      signingSecret: 'a-signing-secret-of-at-least-32-characters',
    });
    registerImageJobs(jobs, storage);
    await jobs.start();
  });
  afterAll(async () => {
    await jobs.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('names variants beside their original', () => {
    expect(variantKey('listings/1/photo.jpg', 320)).toBe('listings/1/photo-320.webp');
    expect(variantKey('photo.tar.png', 1024)).toBe('photo.tar-1024.webp');
    expect(variantKey('scan', 2048)).toBe('scan-2048.webp');
  });

  it("stores an uploaded original's variants as public WebP files", async () => {
    const original = await cameraJpeg(1200, 1100);
    await storage.put('listings/7/photo.jpg', original, {
      contentType: 'image/jpeg',
      visibility: 'private',
    });
    await jobs.enqueue(IMAGE_VARIANT_JOB, { key: 'listings/7/photo.jpg' });

    // Upright the photo is 1100 wide: a 320 and a 1024 variant, no 2048 one.
    const variants = () =>
      Promise.all([320, 1024].map((width) => storage.head(`listings/7/photo-${width}.webp`)));
    const made = { contentType: 'image/webp', visibility: 'public' };
    await expect.poll(variants, { timeout: 10_000, interval: 50 }).toMatchObject([made, made]);
    // Waits for the job to finish, so a 2048 variant would be there by now.
    await jobs.close();
    expect(await storage.head('listings/7/photo-2048.webp')).toBeUndefined();
    const small = await storage.get('listings/7/photo-320.webp');
    const bytes = new Uint8Array(await new Response(small?.body).arrayBuffer());
    expect(await sharp(bytes).metadata()).toMatchObject({ format: 'webp', width: 320 });
    expect(await storage.head('listings/7/photo.jpg')).toMatchObject({ visibility: 'private' });
  });
});

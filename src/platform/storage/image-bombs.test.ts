import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import type { SignedIn } from '../../../test/factories.ts';
import { createTestApp, expectProblem } from '../../../test/harness.ts';
import { createDraft, lister, propertyBody } from '../../modules/listings/listings.test-support.ts';
import { type ImageCodec, withConcurrency } from './codec.ts';
import { sharpCodec } from './sharp.ts';

/** Decompression bombs: images whose few bytes decode to more pixels than a server can hold. */

const MAX_PIXELS = 1_000_000;
const dataDir = await mkdtemp(join(tmpdir(), 'mercato-bombs-'));
const t = await createTestApp({
  env: { DATA_DIR: dataDir, IMAGE_MAX_PIXELS: String(MAX_PIXELS) },
});
afterAll(async () => {
  await t.close();
  await rm(dataDir, { recursive: true, force: true });
});

function pngChunk(type: string, data: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const framing = Buffer.alloc(8);
  framing.writeUInt32BE(data.length, 0);
  framing.writeUInt32BE(crc32(body), 4);
  return Buffer.concat([framing.subarray(0, 4), body, framing.subarray(4)]);
}

/**
 * A valid black-and-white PNG of one colour, a bit a pixel: 12000 × 12000 (144 MP, over four
 * seconds to decode here) fits in about 18 KB.
 */
function flatPng(width: number, height: number): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 1; // bit depth; colour type 0 (greyscale), no interlace
  const rows = Buffer.alloc((1 + Math.ceil(width / 8)) * height);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    pngChunk('IDAT', deflateSync(rows, { level: 9 })),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

const flat = (width: number, height: number) =>
  sharp({ create: { width, height, channels: 3, background: '#3a6ea5' } })
    .png()
    .toBuffer();

function upload(who: SignedIn, listingId: string, files: Uint8Array[]) {
  const form = new FormData();
  for (const bytes of files) {
    form.append('photos', new File([new Uint8Array(bytes)], 'photo.png', { type: 'image/png' }));
  }
  return t.request(`/api/v1/listings/${listingId}/photos`, {
    method: 'POST',
    headers: who.headers,
    body: form,
  });
}

async function storedFiles(listingId: string): Promise<string[]> {
  return readdir(join(dataDir, 'files', 'listings', listingId)).catch(() => []);
}

describe('image uploads with more pixels than IMAGE_MAX_PIXELS', () => {
  it('refuses a small PNG of 12000 × 12000 with 422 naming the file, storing nothing', async () => {
    const owner = await lister(t);
    const draft = await createDraft(t, owner, propertyBody());
    const bomb = flatPng(12_000, 12_000);
    expect(bomb.length).toBeLessThan(32 * 1024);

    const res = await upload(owner, draft.id, [await flat(40, 30), bomb]);
    const problem = await expectProblem(res, 422, 'image-too-large', ['body.photos.1']);
    expect(problem.detail).toBe(
      `File 2: The image has 144000000 pixels (all its frames together); at most ${MAX_PIXELS} are allowed.`,
    );
    expect(await storedFiles(draft.id)).toEqual([]);
  });

  it('refuses it on its header alone, before decoding a pixel', async () => {
    const owner = await lister(t);
    const draft = await createDraft(t, owner, propertyBody());
    const bomb = flatPng(12_000, 12_000);
    // The pixels cut off after the header: decoding would call it damaged, not too large.
    const headerOnly = bomb.subarray(0, 33 + 200);
    await expectProblem(await upload(owner, draft.id, [headerOnly]), 422, 'image-too-large', [
      'body.photos.0',
    ]);
  });

  it('accepts an image of exactly IMAGE_MAX_PIXELS, and refuses one row more', async () => {
    const owner = await lister(t);
    const draft = await createDraft(t, owner, propertyBody());
    const atTheCap = await upload(owner, draft.id, [await flat(1000, 1000)]);
    expect(atTheCap.status, await atTheCap.clone().text()).toBe(201);

    const over = await upload(owner, draft.id, [await flat(1000, 1001)]);
    await expectProblem(over, 422, 'image-too-large', ['body.photos.0']);
  });

  it('counts every frame of an animation', async () => {
    const owner = await lister(t);
    const draft = await createDraft(t, owner, propertyBody());
    // 30 frames of 200 × 200: 40 000 pixels each, 1.2 MP in all. Frames differ, or the
    // encoder folds them into one.
    const frames = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        sharp({
          create: { width: 200, height: 200, channels: 3, background: { r: i * 8, g: 0, b: 0 } },
        })
          .png()
          .toBuffer(),
      ),
    );
    const gif = await sharp(frames, { join: { animated: true } })
      .gif()
      .toBuffer();
    const problem = await expectProblem(
      await upload(owner, draft.id, [gif]),
      422,
      'image-too-large',
    );
    expect(problem.detail).toContain('has 1200000 pixels');
  });
});

describe('the image codec', () => {
  it('runs at most its limit of operations at once, and frees a failed one’s turn', async () => {
    let running = 0;
    let most = 0;
    const instrumented: ImageCodec = {
      ...sharpCodec,
      async verify(bytes, maxPixels) {
        running++;
        most = Math.max(most, running);
        try {
          await sharpCodec.verify(bytes, maxPixels);
        } finally {
          running--;
        }
      },
    };
    const codec = withConcurrency(instrumented, 2);
    const image = await flat(600, 400);
    const damaged = image.subarray(0, image.length / 2);
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) => codec.verify(i % 3 ? image : damaged, MAX_PIXELS)),
    );
    expect(results.map((r) => r.status)).toEqual([
      'rejected',
      'fulfilled',
      'fulfilled',
      'rejected',
      'fulfilled',
      'fulfilled',
      'rejected',
      'fulfilled',
    ]);
    expect(most).toBe(2);
  });

  it('refuses every damaged image among many verified at once', async () => {
    const codec = withConcurrency(sharpCodec, 2);
    const image = await flat(300, 200);
    const damaged = image.subarray(0, image.length / 2);
    const inputs = Array.from({ length: 48 }, (_, i) => (i % 2 ? image : damaged));
    const results = await Promise.allSettled(
      inputs.map((bytes) => codec.verify(bytes, MAX_PIXELS)),
    );
    expect(results.map((r) => r.status)).toEqual(
      inputs.map((bytes) => (bytes === damaged ? 'rejected' : 'fulfilled')),
    );
  });
});

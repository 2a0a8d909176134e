import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, expectInvalid, expectProblem } from '../../../test/harness.ts';
import { securityCases } from '../../../test/security.ts';
import { startWorker } from '../../platform/services.ts';
import { createCategory, createProduct, createSeller, type Seller } from './shop.test-support.ts';
import type { ProductImageView, ProductView } from './views.ts';
import { MAX_IMAGES } from './vocabulary.ts';

const dataDir = await mkdtemp(join(tmpdir(), 'mercato-product-images-'));
const t = await createTestApp({ env: { DATA_DIR: dataDir } });
beforeAll(() => startWorker(t.services, t.ctx()));
afterAll(async () => {
  await t.close();
  await rm(dataDir, { recursive: true, force: true });
});

const BASE = '/api/v1/seller/products';
const ID = '0190a000-0000-7000-8000-000000000000';

const noise = (width: number, height: number) =>
  sharp(randomBytes(width * height * 3), { raw: { width, height, channels: 3 } });
const png = (width = 40, height = 30) => noise(width, height).png().toBuffer();

function upload(who: Seller, productId: string, files: Uint8Array[]) {
  const form = new FormData();
  for (const bytes of files) {
    form.append('images', new File([new Uint8Array(bytes)], 'image.png', { type: 'image/png' }));
  }
  return t.request(`${BASE}/${productId}/images`, {
    method: 'POST',
    headers: who.headers,
    body: form,
  });
}

const imagePath = (productId: string, imageId: string) => `${BASE}/${productId}/images/${imageId}`;

async function productOf(res: Response, status = 200): Promise<ProductView> {
  expect(res.status, await res.clone().text()).toBe(status);
  return (await res.json()) as ProductView;
}

const getProduct = async (who: Seller, id: string) =>
  productOf(await t.request(`${BASE}/${id}`, { headers: who.headers }));

async function fetchFile(url: string) {
  const { pathname, search } = new URL(url);
  return t.request(`${pathname}${search}`);
}

async function storedFiles(productId: string): Promise<string[]> {
  try {
    const names = await readdir(join(dataDir, 'files', 'products', productId));
    return names.filter((name) => !name.includes('@')).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

async function sellerWithProduct(status: 'active' | 'draft' = 'draft') {
  const seller = await createSeller(t);
  const category = await createCategory(t);
  const { product } = await createProduct(t, seller.shop, { categoryId: category.id, status });
  return { seller, product };
}

const ids = (product: ProductView) =>
  product.images.map((image, index) => {
    expect(image.position).toBe(index);
    return image.id;
  });

describe('product images', () => {
  it('are stored in order, then get WebP variants from the worker', async () => {
    const { seller, product } = await sellerWithProduct();
    const first = await productOf(await upload(seller, product.id, [await png(400, 300)]), 201);
    const more = await productOf(
      await upload(seller, product.id, [await png(50, 40), await png()]),
      201,
    );
    expect(more.images).toHaveLength(3);
    expect(ids(more)[0]).toBe(first.images[0]?.id);
    expect(more.images[0]).toMatchObject({ width: 400, height: 300, alt: null, variants: {} });
    const res = await fetchFile((more.images[0] as ProductImageView).url);
    expect(res.status).toBe(200);

    await expect
      .poll(
        async () =>
          (await getProduct(seller, product.id)).images.map((i) => Object.keys(i.variants)),
        { timeout: 15_000, interval: 100 },
      )
      .toEqual([['320'], ['50'], ['40']]);
    const [big] = (await getProduct(seller, product.id)).images as [ProductImageView];
    const variant = await fetchFile(big.variants['320'] as string);
    expect(variant.status).toBe(200);
    expect(variant.headers.get('content-type')).toBe('image/webp');
  });

  it('move, take alt text, and close the gap when one is deleted, with its files', async () => {
    const { seller, product } = await sellerWithProduct('active');
    const made = await productOf(
      await upload(seller, product.id, [await png(), await png(), await png()]),
      201,
    );
    const [a, b, c] = ids(made) as [string, string, string];
    const moved = await productOf(
      await t.json(
        'PATCH',
        imagePath(product.id, c),
        { position: 0, alt: 'Front' },
        seller.headers,
      ),
    );
    expect(ids(moved)).toEqual([c, a, b]);
    expect(moved.images[0]?.alt).toBe('Front');
    const back = await productOf(
      await t.json('PATCH', imagePath(product.id, c), { position: 2 }, seller.headers),
    );
    expect(ids(back)).toEqual([a, b, c]);
    await expectProblem(
      await t.json('PATCH', imagePath(product.id, a), { position: 3 }, seller.headers),
      422,
      'position-out-of-range',
    );
    await expectInvalid(await t.json('PATCH', imagePath(product.id, a), {}, seller.headers), [
      'body',
    ]);

    const gone = await fetchFile(made.images[0]?.url as string);
    expect(gone.status).toBe(200);
    const del = await t.request(imagePath(product.id, a), {
      method: 'DELETE',
      headers: seller.headers,
    });
    expect(del.status).toBe(204);
    expect(ids(await getProduct(seller, product.id))).toEqual([b, c]);
    expect((await fetchFile(made.images[0]?.url as string)).status).toBe(404);
    expect((await storedFiles(product.id)).some((name) => name.startsWith(a))).toBe(false);
    await expectProblem(
      await t.request(imagePath(product.id, a), { method: 'DELETE', headers: seller.headers }),
      404,
      'not-found',
    );
  });

  it('refuse a file that is not an image, naming it, and store nothing', async () => {
    const { seller, product } = await sellerWithProduct();
    const problem = await expectProblem(
      await upload(seller, product.id, [await png(), randomBytes(600)]),
      422,
      'unsupported-file-type',
    );
    expect(problem.errors?.map((e) => e.path)).toEqual(['body.images.1']);
    expect(await storedFiles(product.id)).toEqual([]);
    const noFiles = new FormData();
    noFiles.set('image', 'x');
    await expectInvalid(
      await t.request(`${BASE}/${product.id}/images`, {
        method: 'POST',
        headers: seller.headers,
        body: noFiles,
      }),
      ['body.images'],
    );
  });

  it(`refuse more than ${MAX_IMAGES} per product`, async () => {
    const { seller, product } = await sellerWithProduct();
    const tiny = await png(8, 8);
    await productOf(
      await upload(
        seller,
        product.id,
        Array.from({ length: MAX_IMAGES - 1 }, () => tiny),
      ),
      201,
    );
    const problem = await expectProblem(
      await upload(seller, product.id, [tiny, tiny]),
      422,
      'too-many-images',
    );
    expect(problem.detail).toMatch(/at most 1 more/);
    await productOf(await upload(seller, product.id, [tiny]), 201);
  });

  it('are another shop’s business: 404', async () => {
    const { seller, product } = await sellerWithProduct();
    const made = await productOf(await upload(seller, product.id, [await png()]), 201);
    const other = await createSeller(t);
    await expectProblem(await upload(other, product.id, [await png()]), 404, 'not-found');
    const path = imagePath(product.id, made.images[0]?.id as string);
    await expectProblem(
      await t.json('PATCH', path, { alt: 'mine' }, other.headers),
      404,
      'not-found',
    );
    await expectProblem(
      await t.request(path, { method: 'DELETE', headers: other.headers }),
      404,
      'not-found',
    );
  });
});

for (const route of [
  { method: 'POST', path: `${BASE}/${ID}/images` },
  { method: 'PATCH', path: imagePath(ID, ID), body: { alt: 'x' } },
  { method: 'DELETE', path: imagePath(ID, ID) },
]) {
  securityCases(() => t, { ...route, allowed: ['seller'], forbidden: [] });
}

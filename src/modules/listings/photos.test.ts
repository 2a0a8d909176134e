import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { and, eq } from 'drizzle-orm';
import sharp from 'sharp';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SignedIn, signedInUser } from '../../../test/factories.ts';
import { createTestApp, expectInvalid, expectProblem, problemOf } from '../../../test/harness.ts';
import { securityCases } from '../../../test/security.ts';
import { auditLog } from '../../platform/audit/tables.ts';
import { withTransaction } from '../../platform/db/transaction.ts';
import { EventBus } from '../../platform/events/events.ts';
import { outboxEvents } from '../../platform/events/tables.ts';
import { createJobs } from '../../platform/jobs/index.ts';
import { startWorker } from '../../platform/services.ts';
import {
  RECORD_VARIANTS_JOB,
  registerImageHolders,
  type Storage,
  variantKey,
} from '../../platform/storage/index.ts';
import { createActive, createDraft, lister, propertyBody } from './listings.test-support.ts';
import { addPhotos, listingPhotoHolder } from './photos.ts';
import type { ListingView, PhotoView } from './views.ts';
import { MAX_PHOTOS } from './vocabulary.ts';

const dataDir = await mkdtemp(join(tmpdir(), 'mercato-photos-'));
const t = await createTestApp({ env: { DATA_DIR: dataDir } });
beforeAll(() => startWorker(t.services, t.ctx()));
afterAll(async () => {
  await t.close();
  await rm(dataDir, { recursive: true, force: true });
});

const BASE = '/api/v1/listings';

/** Random pixels: a real image of the given size. */
const noise = (width: number, height: number) =>
  sharp(randomBytes(width * height * 3), { raw: { width, height, channels: 3 } });
const png = (width = 400, height = 300) => noise(width, height).png().toBuffer();

/** The first bytes of a Linux executable: what a renamed program starts with. */
const ELF = Buffer.concat([
  Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00]),
  Buffer.alloc(56),
  randomBytes(512),
]);

interface Upload {
  bytes: Uint8Array;
  name?: string;
  type?: string;
}

const file = (bytes: Uint8Array, name = 'photo.png', type = 'image/png'): Upload => ({
  bytes,
  name,
  type,
});

function upload(who: SignedIn, listingId: string, files: Upload[]) {
  const form = new FormData();
  for (const { bytes, name, type } of files) {
    form.append('photos', new File([new Uint8Array(bytes)], name ?? 'photo.png', { type }));
  }
  return t.request(`${BASE}/${listingId}/photos`, {
    method: 'POST',
    headers: who.headers,
    body: form,
  });
}

const patchPhoto = (who: SignedIn, listingId: string, photoId: string, body: unknown) =>
  t.json('PATCH', `${BASE}/${listingId}/photos/${photoId}`, body, who.headers);
const deletePhoto = (who: SignedIn, listingId: string, photoId: string) =>
  t.request(`${BASE}/${listingId}/photos/${photoId}`, { method: 'DELETE', headers: who.headers });

async function listingOf(res: Response, status = 200): Promise<ListingView> {
  expect(res.status, await res.clone().text()).toBe(status);
  return (await res.json()) as ListingView;
}

async function getListing(who: SignedIn, id: string): Promise<ListingView> {
  return listingOf(await t.request(`${BASE}/${id}`, { headers: who.headers }));
}

/** Follows a file URL the API handed out, as a browser would. */
async function fetchFile(url: string) {
  const { pathname, search } = new URL(url);
  const res = await t.request(`${pathname}${search}`);
  return { res, bytes: new Uint8Array(await res.arrayBuffer()) };
}

/** The files stored for a listing, beside their storage sidecars. */
async function storedFiles(listingId: string): Promise<string[]> {
  try {
    const names = await readdir(join(dataDir, 'files', 'listings', listingId));
    return names.filter((name) => !name.includes('@')).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/** The stored originals: every file but the variants. */
const storedOriginals = async (listingId: string) =>
  (await storedFiles(listingId)).filter((name) => !/-\d+\.webp$/.test(name));

/** The photos' ids in order, with the primary's marked by a star. */
const order = (listing: ListingView) =>
  listing.photos.map((photo, index) => {
    expect(photo.position).toBe(index);
    return photo.primary ? `*${photo.id}` : photo.id;
  });

/** A draft of `who`'s with `count` small photos. */
async function withPhotos(who: SignedIn, count: number, active = false) {
  const listing = await (active ? createActive : createDraft)(t, who, propertyBody());
  const images = await Promise.all(Array.from({ length: count }, () => png(40, 30)));
  return listingOf(
    await upload(
      who,
      listing.id,
      images.map((bytes) => file(bytes)),
    ),
    201,
  );
}

const someId = uuidv7();
for (const route of [
  { method: 'POST', path: `${BASE}/${someId}/photos` },
  { method: 'PATCH', path: `${BASE}/${someId}/photos/${someId}`, body: { alt: 'A view' } },
  { method: 'DELETE', path: `${BASE}/${someId}/photos/${someId}` },
]) {
  securityCases(() => t, { ...route, allowed: ['owner'] });
}

describe('POST /listings/{id}/photos', () => {
  it('stores a PNG and JPEGs publicly, in order, the first one primary', async () => {
    const owner = await lister(t);
    const draft = await createDraft(t, owner, propertyBody());
    const first = await listingOf(await upload(owner, draft.id, [file(await png())]), 201);
    expect(first.photos).toEqual([
      {
        id: expect.any(String),
        url: expect.stringMatching(new RegExp(`/files/listings/${draft.id}/[0-9a-f-]{36}\\.png$`)),
        width: 400,
        height: 300,
        alt: null,
        position: 0,
        primary: true,
        // Filled in by the worker, which may already have run.
        variants: expect.any(Object),
      },
    ]);
    const photo = first.photos[0] as PhotoView;
    expect(photo.url).toContain(photo.id);
    const original = await fetchFile(photo.url);
    expect(original.res.status).toBe(200);
    expect(original.res.headers.get('content-type')).toBe('image/png');
    expect(await sharp(original.bytes).metadata()).toMatchObject({ width: 400, height: 300 });

    const jpeg = await noise(200, 100).jpeg().toBuffer();
    const more = await listingOf(
      await upload(owner, draft.id, [
        file(jpeg, 'front.jpg', 'image/jpeg'),
        file(await png(50, 60), 'back.png'),
      ]),
      201,
    );
    expect(more.photos.map((p) => [p.position, p.primary, p.width, p.height])).toEqual([
      [0, true, 400, 300],
      [1, false, 200, 100],
      [2, false, 50, 60],
    ]);
    expect(more.photos[1]?.url).toMatch(/\.jpg$/);
    expect(more.updatedAt > draft.updatedAt).toBe(true);
    expect(await storedOriginals(draft.id)).toHaveLength(3);
    const withoutVariants = ({ photos, ...rest }: ListingView) => ({
      ...rest,
      photos: photos.map(({ variants: _, ...photo }) => photo),
    });
    expect(withoutVariants(await getListing(owner, draft.id))).toEqual(withoutVariants(more));
  });

  it('strips the EXIF and GPS data of a camera photo and records it upright', async () => {
    const owner = await lister(t);
    const draft = await createDraft(t, owner, propertyBody());
    const camera = await noise(400, 300)
      .jpeg()
      .withExif({
        IFD0: { Copyright: 'SECRET-OWNER' },
        IFD3: { GPSLatitudeRef: 'N', GPSMapDatum: 'SECRET-PLACE' },
      })
      // Turned on its side, as a phone held upright writes it.
      .withMetadata({ orientation: 6 })
      .toBuffer();
    // The test's photo does carry what must go.
    expect(await sharp(camera).metadata()).toMatchObject({
      orientation: 6,
      exif: expect.anything(),
    });
    expect(camera.includes('SECRET-PLACE')).toBe(true);

    const listing = await listingOf(
      await upload(owner, draft.id, [file(camera, 'IMG_0001.jpg', 'image/jpeg')]),
      201,
    );
    const photo = listing.photos[0] as PhotoView;
    expect(photo).toMatchObject({ width: 300, height: 400 });
    const { res, bytes } = await fetchFile(photo.url);
    expect(res.headers.get('content-type')).toBe('image/jpeg');
    const stored = await sharp(bytes).metadata();
    expect(stored).toMatchObject({ format: 'jpeg', width: 300, height: 400 });
    expect(stored.exif).toBeUndefined();
    expect(stored.orientation).toBeUndefined();
    expect(Buffer.from(bytes).includes('SECRET-PLACE')).toBe(false);
    expect(Buffer.from(bytes).includes('SECRET-OWNER')).toBe(false);
  });

  it('refuses a renamed executable, and stores nothing of an upload with one bad file', async () => {
    const owner = await lister(t);
    const draft = await createDraft(t, owner, propertyBody());
    const alone = await upload(owner, draft.id, [file(ELF, 'photo.jpg', 'image/jpeg')]);
    const problem = await expectProblem(alone, 422, 'unsupported-file-type');
    expect(problem.errors).toEqual([{ path: 'body.photos.0', message: expect.any(String) }]);

    const mixed = await upload(owner, draft.id, [
      file(await png()),
      file(ELF, 'photo.jpg', 'image/jpeg'),
    ]);
    const second = await expectProblem(mixed, 422, 'unsupported-file-type');
    expect(second.errors?.map((e) => e.path)).toEqual(['body.photos.1']);

    const pngBytes = await png(100, 100);
    const truncated = await upload(owner, draft.id, [
      file(pngBytes),
      file(pngBytes.subarray(0, pngBytes.length / 2)),
    ]);
    await expectProblem(truncated, 422, 'corrupt-image');

    expect((await getListing(owner, draft.id)).photos).toEqual([]);
    expect(await storedFiles(draft.id)).toEqual([]);
  });

  it('refuses the photo past the 30th, counting those already there', async () => {
    const owner = await lister(t);
    const listing = await withPhotos(owner, MAX_PHOTOS - 2);
    const small = async () => file(await png(20, 20));

    const over = await upload(owner, listing.id, [await small(), await small(), await small()]);
    const problem = await expectProblem(over, 422, 'too-many-photos');
    expect(problem.detail).toMatch(/at most 2 more/);
    expect(await storedOriginals(listing.id)).toHaveLength(MAX_PHOTOS - 2);

    const full = await listingOf(
      await upload(owner, listing.id, [await small(), await small()]),
      201,
    );
    expect(full.photos).toHaveLength(MAX_PHOTOS);
    expect(full.photos.map((p) => p.position)).toEqual([...Array(MAX_PHOTOS).keys()]);
    await expectProblem(await upload(owner, listing.id, [await small()]), 422, 'too-many-photos');
    expect(await storedOriginals(listing.id)).toHaveLength(MAX_PHOTOS);
  });

  it('names what is wrong with the request', async () => {
    const owner = await lister(t);
    const draft = await createDraft(t, owner, propertyBody());
    const path = `${BASE}/${draft.id}/photos`;
    const send = (body: FormData, url = path) =>
      t.request(url, { method: 'POST', headers: owner.headers, body });

    const noPhotos = new FormData();
    noPhotos.set('photo', new File([await png()], 'a.png', { type: 'image/png' }));
    await expectInvalid(await send(noPhotos), ['body.photos']);

    const text = new FormData();
    text.set('photos', 'not a file');
    await expectInvalid(await send(text), ['body.photos']);

    const tooMany = new FormData();
    const tiny = await png(8, 8);
    for (let i = 0; i <= MAX_PHOTOS; i++) {
      tooMany.append('photos', new File([tiny], `${i}.png`, { type: 'image/png' }));
    }
    await expectInvalid(await send(tooMany), ['body.photos']);

    const one = new FormData();
    one.set('photos', new File([tiny], 'a.png', { type: 'image/png' }));
    await expectInvalid(await send(one, `${BASE}/not-an-id/photos`), ['params.id']);

    const json = await t.json('POST', path, { photos: ['x'] }, owner.headers);
    expect(json.status).toBe(415);
    expect(await storedFiles(draft.id)).toEqual([]);
  });

  it('lets an admin add photos to a lister’s listing, audited', async () => {
    const owner = await lister(t);
    const admin = await signedInUser(t, { roles: ['admin'] });
    const listing = await createActive(t, owner, propertyBody());
    const changed = await listingOf(await upload(admin, listing.id, [file(await png())]), 201);
    const photoId = changed.photos[0]?.id;
    const entries = await t.database.db
      .select()
      .from(auditLog)
      .where(
        and(eq(auditLog.resourceId, listing.id), eq(auditLog.action, 'listing.photos_changed')),
      );
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      actorId: admin.user.id,
      after: { added: [photoId] },
      metadata: { ownerId: owner.user.id },
    });
    const events = await t.database.db
      .select()
      .from(outboxEvents)
      .where(
        and(eq(outboxEvents.aggregateId, listing.id), eq(outboxEvents.name, 'listing.updated')),
      );
    expect(events.map((e) => e.payload)).toContainEqual({
      listingId: listing.id,
      ownerId: owner.user.id,
      fields: ['photos'],
    });
  });
  it('documents the upload as one or more files in a multipart form', async () => {
    const doc = await (await t.request('/openapi.json')).json();
    const operation = doc.paths['/api/v1/listings/{id}/photos'].post;
    expect(Object.keys(operation.requestBody.content)).toEqual(['multipart/form-data']);
    expect(doc.components.schemas.ListingPhotoUpload).toMatchObject({
      required: ['photos'],
      properties: {
        photos: {
          type: 'array',
          items: { type: 'string', format: 'binary' },
          minItems: 1,
          maxItems: MAX_PHOTOS,
        },
      },
    });
  });
});

describe('photo variants', () => {
  it('appear in the listing once the worker has made them: WebP, without metadata', async () => {
    const owner = await lister(t);
    const draft = await createDraft(t, owner, propertyBody());
    const camera = await noise(1200, 900)
      .jpeg()
      .withExif({ IFD3: { GPSLatitudeRef: 'N', GPSMapDatum: 'SECRET-PLACE' } })
      .toBuffer();
    await listingOf(
      await upload(owner, draft.id, [
        file(camera, 'big.jpg', 'image/jpeg'),
        file(await png(64, 48)),
      ]),
      201,
    );

    const variantWidths = async () =>
      (await getListing(owner, draft.id)).photos.map((p) => Object.keys(p.variants).sort());
    await expect
      .poll(variantWidths, { timeout: 15_000, interval: 100 })
      .toEqual([['1024', '320'], ['64']]);

    const [big, small] = (await getListing(owner, draft.id)).photos as [PhotoView, PhotoView];
    expect(big.variants['320']).toBe(big.url.replace(/\.jpg$/, '-320.webp'));
    for (const [width, url] of [
      [320, big.variants['320']],
      [1024, big.variants['1024']],
      [64, small.variants['64']],
    ] as const) {
      const { res, bytes } = await fetchFile(url as string);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/webp');
      const metadata = await sharp(bytes).metadata();
      expect(metadata).toMatchObject({ format: 'webp', width });
      expect(metadata.exif).toBeUndefined();
      expect(Buffer.from(bytes).includes('SECRET-PLACE')).toBe(false);
    }
  });

  it('are deleted by the job when the photo was deleted while it made them', async () => {
    const { storage } = t.services;
    const key = `listings/${uuidv7()}/${uuidv7()}.png`;
    await storage.put(key, await png(400, 300), { contentType: 'image/png', visibility: 'public' });
    const puts: string[] = [];
    // The real storage, telling what the job stored; the photo's deletion (its row is not
    // there, its original goes) runs between the job's reading the original and its storing.
    const racing: Storage = {
      ...storage,
      put: async (...args) => {
        await storage.delete(key);
        puts.push(args[0]);
        return storage.put(...args);
      },
    };
    const { log } = t.ctx();
    const jobs = createJobs({ prefix: 'photos-test:', log, concurrency: 1 });
    registerImageHolders(jobs, new EventBus(), { db: t.database.db, storage: racing }, [
      listingPhotoHolder,
    ]);
    let finished!: () => void;
    const done = new Promise<void>((resolve) => {
      finished = resolve;
    });
    jobs.register('photos-test.after', async () => finished());

    const jobId = await jobs.enqueue(RECORD_VARIANTS_JOB, {
      holder: listingPhotoHolder.name,
      imageId: uuidv7(),
      key,
    });
    // One job at a time, in order: this one runs once the variants job is over.
    await jobs.enqueue('photos-test.after', {});
    await jobs.start();
    await done;
    await jobs.close();

    expect(puts).toEqual([variantKey(key, 320)]);
    expect(await storage.head(variantKey(key, 320))).toBeUndefined();
    expect(t.logs.filter((line) => line.jobId === jobId)).toEqual([]);
  });
});

describe('PATCH /listings/{id}/photos/{photoId}', () => {
  it('moves a photo, renumbering the others', async () => {
    const owner = await lister(t);
    const listing = await withPhotos(owner, 4);
    const [a, b, c, d] = listing.photos.map((p) => p.id) as [string, string, string, string];

    const moved = await listingOf(await patchPhoto(owner, listing.id, d, { position: 1 }));
    expect(order(moved)).toEqual([`*${a}`, d, b, c]);
    const back = await listingOf(await patchPhoto(owner, listing.id, a, { position: 3 }));
    expect(order(back)).toEqual([d, b, c, `*${a}`]);
    const same = await listingOf(await patchPhoto(owner, listing.id, b, { position: 1 }));
    expect(order(same)).toEqual([d, b, c, `*${a}`]);

    const past = await patchPhoto(owner, listing.id, b, { position: 4 });
    const problem = await expectProblem(past, 422, 'position-out-of-range');
    expect(problem.errors?.map((e) => e.path)).toEqual(['body.position']);
    expect(order(await getListing(owner, listing.id))).toEqual([d, b, c, `*${a}`]);
  });

  it('makes another photo the one primary, and refuses to leave none', async () => {
    const owner = await lister(t);
    const listing = await withPhotos(owner, 3);
    const [a, b, c] = listing.photos.map((p) => p.id) as [string, string, string];

    const switched = await listingOf(await patchPhoto(owner, listing.id, c, { primary: true }));
    expect(order(switched)).toEqual([a, b, `*${c}`]);
    const again = await listingOf(await patchPhoto(owner, listing.id, c, { primary: true }));
    expect(order(again)).toEqual([a, b, `*${c}`]);

    const none = await patchPhoto(owner, listing.id, c, { primary: false });
    const problem = await expectProblem(none, 422, 'primary-required');
    expect(problem.errors?.map((e) => e.path)).toEqual(['body.primary']);
    // Already not the primary: nothing to refuse, nothing changes.
    const notPrimary = await listingOf(await patchPhoto(owner, listing.id, a, { primary: false }));
    expect(order(notPrimary)).toEqual([a, b, `*${c}`]);

    const both = await listingOf(
      await patchPhoto(owner, listing.id, b, { primary: true, position: 0, alt: 'The terrace' }),
    );
    expect(order(both)).toEqual([`*${b}`, a, c]);
    expect(both.photos[0]?.alt).toBe('The terrace');
  });

  it('sets and clears the alt text', async () => {
    const owner = await lister(t);
    const listing = await withPhotos(owner, 2);
    const photoId = listing.photos[1]?.id as string;
    const described = await listingOf(
      await patchPhoto(owner, listing.id, photoId, { alt: '  Living room at dusk  ' }),
    );
    expect(described.photos.map((p) => p.alt)).toEqual([null, 'Living room at dusk']);
    const cleared = await listingOf(await patchPhoto(owner, listing.id, photoId, { alt: null }));
    expect(cleared.photos.map((p) => p.alt)).toEqual([null, null]);
  });

  it('names the fields that are wrong', async () => {
    const owner = await lister(t);
    const listing = await withPhotos(owner, 1);
    const photoId = listing.photos[0]?.id as string;
    const patch = (body: unknown, id = photoId) => patchPhoto(owner, listing.id, id, body);
    await expectInvalid(await patch({ alt: 'x' }, 'not-an-id'), ['params.photoId']);
    await expectInvalid(await patch({ position: -1 }), ['body.position']);
    await expectInvalid(await patch({ position: 1.5 }), ['body.position']);
    await expectInvalid(await patch({ position: MAX_PHOTOS }), ['body.position']);
    await expectInvalid(await patch({ primary: 'yes' }), ['body.primary']);
    await expectInvalid(await patch({ alt: 'x'.repeat(251) }), ['body.alt']);
    await expectInvalid(await patch({}), ['body']);
    await expectInvalid(await patch({ alt: 'x', caption: 'x' }), ['body.caption']);
  });
});

describe('DELETE /listings/{id}/photos/{photoId}', () => {
  it('deletes the primary with its files; the first remaining photo becomes primary', async () => {
    const owner = await lister(t);
    const draft = await createDraft(t, owner, propertyBody());
    const listing = await listingOf(
      await upload(owner, draft.id, [
        file(await png(500, 400)),
        file(await png()),
        file(await png()),
      ]),
      201,
    );
    const [a, b, c] = listing.photos.map((p) => p.id) as [string, string, string];
    await expect
      .poll(
        async () => Object.keys((await getListing(owner, draft.id)).photos[0]?.variants ?? {}),
        {
          timeout: 15_000,
        },
      )
      .toEqual(['320']);
    const first = (await getListing(owner, draft.id)).photos[0] as PhotoView;

    expect((await deletePhoto(owner, draft.id, a)).status).toBe(204);
    expect(order(await getListing(owner, draft.id))).toEqual([`*${b}`, c]);
    expect((await fetchFile(first.url)).res.status).toBe(404);
    expect((await fetchFile(first.variants['320'] as string)).res.status).toBe(404);
    expect((await storedFiles(draft.id)).some((name) => name.startsWith(a))).toBe(false);

    await expectProblem(await deletePhoto(owner, draft.id, a), 404, 'not-found');
    expect((await deletePhoto(owner, draft.id, c)).status).toBe(204);
    expect(order(await getListing(owner, draft.id))).toEqual([`*${b}`]);
    expect((await deletePhoto(owner, draft.id, b)).status).toBe(204);
    expect((await getListing(owner, draft.id)).photos).toEqual([]);

    // A listing whose photos are all gone starts again with a primary.
    const fresh = await listingOf(await upload(owner, draft.id, [file(await png())]), 201);
    expect(fresh.photos.map((p) => [p.position, p.primary])).toEqual([[0, true]]);
  });

  it('renumbers the photos after the one deleted', async () => {
    const owner = await lister(t);
    const listing = await withPhotos(owner, 4);
    const [a, b, c, d] = listing.photos.map((p) => p.id) as [string, string, string, string];
    expect((await deletePhoto(owner, listing.id, b)).status).toBe(204);
    expect(order(await getListing(owner, listing.id))).toEqual([`*${a}`, c, d]);
  });
});

describe('photos of a listing that is not the caller’s to change', () => {
  it('answers 404 for an unknown photo or one of another listing', async () => {
    const owner = await lister(t);
    const one = await withPhotos(owner, 1);
    const other = await withPhotos(owner, 1);
    const othersPhoto = other.photos[0]?.id as string;
    for (const photoId of [othersPhoto, uuidv7()]) {
      await expectProblem(await patchPhoto(owner, one.id, photoId, { alt: 'x' }), 404, 'not-found');
      await expectProblem(await deletePhoto(owner, one.id, photoId), 404, 'not-found');
    }
    expect((await getListing(owner, other.id)).photos).toHaveLength(1);
    const unknown = await upload(owner, uuidv7(), [file(await png())]);
    await expectProblem(unknown, 404, 'not-found');
  });

  it('answers 403 on another lister’s active listing and 404 on their draft', async () => {
    const owner = await lister(t);
    const stranger = await lister(t);
    const active = await withPhotos(owner, 1, true);
    const draft = await withPhotos(owner, 1);
    const image = file(await png());
    for (const [listing, status, code] of [
      [active, 403, 'forbidden'],
      [draft, 404, 'not-found'],
    ] as const) {
      const photoId = listing.photos[0]?.id as string;
      await expectProblem(await upload(stranger, listing.id, [image]), status, code);
      await expectProblem(
        await patchPhoto(stranger, listing.id, photoId, { primary: true }),
        status,
        code,
      );
      await expectProblem(await deletePhoto(stranger, listing.id, photoId), status, code);
      expect((await getListing(owner, listing.id)).photos).toHaveLength(1);
      expect(await storedOriginals(listing.id)).toHaveLength(1);
    }
  });

  it('answers 409 once the listing is archived', async () => {
    const owner = await lister(t);
    const listing = await withPhotos(owner, 1, true);
    const photoId = listing.photos[0]?.id as string;
    const archived = await t.request(`${BASE}/${listing.id}`, {
      method: 'DELETE',
      headers: owner.headers,
    });
    expect(archived.status).toBe(204);
    await expectProblem(
      await upload(owner, listing.id, [file(await png())]),
      409,
      'listing-archived',
    );
    await expectProblem(
      await patchPhoto(owner, listing.id, photoId, { alt: 'x' }),
      409,
      'listing-archived',
    );
    await expectProblem(await deletePhoto(owner, listing.id, photoId), 409, 'listing-archived');
    expect((await getListing(owner, listing.id)).photos).toHaveLength(1);
    expect(await storedOriginals(listing.id)).toHaveLength(1);
  });
});

describe.runIf(process.env.TEST_DATABASE_URL)(
  'uploads in concurrent transactions (PostgreSQL)',
  () => {
    it('never take a listing past 30 photos together, and leave no files of the refused one', async () => {
      const owner = await lister(t);
      const draft = await createDraft(t, owner, propertyBody());
      const batch = async () =>
        Promise.all(Array.from({ length: 20 }, async () => file(await png(24, 24))));
      const [one, two] = [await batch(), await batch()];
      const results = await Promise.all([
        upload(owner, draft.id, one),
        upload(owner, draft.id, two),
      ]);
      expect(results.map((r) => r.status).sort()).toEqual([201, 422]);
      const refused = results.find((r) => r.status === 422) as Response;
      expect((await problemOf(refused)).code).toBe('too-many-photos');

      const listing = await getListing(owner, draft.id);
      expect(listing.photos).toHaveLength(20);
      expect(listing.photos.map((p) => p.position)).toEqual([...Array(20).keys()]);
      expect(listing.photos.filter((p) => p.primary)).toHaveLength(1);
      const kept = new Set(listing.photos.map((p) => p.id));
      const originals = await storedOriginals(draft.id);
      expect(originals).toHaveLength(20);
      expect(originals.every((name) => kept.has(name.replace(/\.png$/, '')))).toBe(true);
    });

    it('get their variants once the longer transaction they were part of commits', async () => {
      const owner = await lister(t);
      const draft = await createDraft(t, owner, propertyBody());
      const actor = { userId: owner.user.id, roles: ['buyer', 'owner'], sessionId: uuidv7() };
      let photo = { id: '', url: '' };
      await withTransaction({ ...t.ctx(), actor }, async (tx) => {
        const listing = await addPhotos(tx, draft.id, [await png(400, 300)]);
        photo = listing.photos[0] as typeof photo;
        // The relay runs every second: past two of them, still nothing may have been queued.
        await new Promise((resolve) => setTimeout(resolve, 2_500));
        const key = `listings/${draft.id}/${photo.id}.png`;
        expect(await t.services.storage.head(variantKey(key, 320))).toBeUndefined();
      });
      await expect
        .poll(async () => (await getListing(owner, draft.id)).photos[0]?.variants, {
          timeout: 15_000,
        })
        .toEqual({ '320': expect.stringMatching(new RegExp(`/${photo.id}-320\\.webp$`)) });
    });
  },
);
